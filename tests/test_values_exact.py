"""Never a false pass, never a false failure (SPEC 2.1, 2.2, 2.3, 4).

- NaN and ±Infinity are never compared: the check errors ("value is NaN"), reports show null,
  and the JSON report is strict JSON.
- Bounds keep their exact type; ints and decimals compare exactly, floats as floats.
- Every ``where`` is parenthesised wherever it meets another condition.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
import sqlalchemy as sa
import yaml
from clitools import invoke, strict_json
from sqlalchemy.dialects import postgresql

from dqcheck import api, fields
from dqcheck.checks import REGISTRY
from dqcheck.checks.base import Check, Measurement, normalize, percent, percent_difference
from dqcheck.errors import ConfigError, ExitCode
from dqcheck.report import json as json_report
from dqcheck.results import Bounds, CheckResult, RunResult, Status, json_number, plain

CASES = Path(__file__).parent / "cases"
OR_WHERE = "status = 'y' OR status = 'x'"


def load_checks(tmp_path: Path, checks: list[dict[str, Any]], **suite: Any) -> list[Check]:
    path = tmp_path / "suite.yml"
    path.write_text(yaml.safe_dump({"suite": "t", **suite, "checks": checks}), "utf-8")
    return api.plan(api.load_suites([path])).checks


# -- bounds: exact types and comparisons -------------------------------------------------------


def test_bounds_from_yaml_keep_their_exact_type() -> None:
    big = fields.number(9007199254740993)
    assert type(big) is int and big == 9007199254740993
    assert type(fields.number("1e6")) is int and fields.number("1e6") == 1_000_000
    assert type(fields.number(1e6)) is int and fields.number(1e6) == 1_000_000
    assert fields.number(60.5) == Decimal("60.5")
    assert fields.number(0.1) == Decimal("0.1")  # the float's repr, not its binary value
    assert fields.number("-2.50") == Decimal("-2.5")
    assert fields.number("12345678901234567890.5") == Decimal("12345678901234567890.5")
    for bad in (True, "ten", float("nan"), float("inf"), "1e999999999", None):
        with pytest.raises(fields.FieldError):
            fields.number(bad)


def test_equals_is_exact_equality() -> None:
    assert not Bounds(equals=1000000000).accepts(1000000001)
    assert Bounds(equals=1000000000).accepts(1000000000)
    assert not Bounds(equals=Decimal("0.3")).accepts(Decimal("0.30000000001"))
    assert Bounds(equals=Decimal("0.3")).accepts(Decimal("0.300"))
    assert not Bounds(equals=1).accepts(1 + 1e-12)


def test_big_integer_bounds_keep_every_digit() -> None:
    bounds = Bounds(max=9007199254740993)
    assert bounds.accepts(9007199254740993)
    assert bounds.accepts(Decimal("9007199254740993"))
    assert not bounds.accepts(9007199254740994)
    assert not bounds.accepts(Decimal("9007199254740993.0000001"))
    assert not Bounds(min=9007199254740993).accepts(9007199254740992)
    assert Bounds(max=10**30).accepts(10**30) and not Bounds(max=10**30).accepts(10**30 + 1)


def test_float_values_compare_as_floats() -> None:
    # a double precision 0.1 is the float nearest 0.1: it equals the bound 0.1
    assert Bounds(equals=Decimal("0.1")).accepts(0.1)
    assert Bounds(max=Decimal("0.3")).accepts(0.3)
    assert not Bounds(max=Decimal("0.3")).accepts(0.1 + 0.2)
    assert Bounds(max=10**400).accepts(1e308)  # a bound beyond the float range still works
    assert not Bounds(min=10**400).accepts(1e308)


def test_nan_and_infinity_are_never_accepted() -> None:
    for value in (float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")):
        assert not Bounds().accepts(value)
        assert not Bounds(min=0).accepts(value)


def test_bounds_for_json_and_people() -> None:
    bounds = Bounds(min=Decimal("0.5"), max=9007199254740993)
    assert bounds.as_dict() == {"min": 0.5, "max": 9007199254740993}
    assert type(bounds.as_dict()["max"]) is int
    assert Bounds(max=3600.0).as_dict() == {"max": 3600}
    assert bounds.describe() == "0.5..9,007,199,254,740,993"
    assert Bounds(equals=10**20).describe() == "= 100,000,000,000,000,000,000"
    assert plain(3.1e-06) == "0.0000031"
    assert plain(1.9e3) == "1,900"
    assert plain(9.97834e6) == "9,978,340" and plain(-1234.5) == "-1,234.5"
    assert plain(Decimal("60.75")) == "60.75"


def test_min_above_max_is_still_a_configuration_error(tmp_path: Path) -> None:
    base = {"name": "c", "type": "threshold", "sql": "SELECT 1"}
    for bounds in (
        {"min": 2, "max": 1},
        {"min": 1.5, "max": 1.25},
        # equal as floats, not as integers
        {"min": 9007199254740993, "max": 9007199254740992},
    ):
        with pytest.raises(ConfigError, match="greater than max"):
            load_checks(tmp_path, [{**base, **bounds}])
    (check,) = load_checks(tmp_path, [{**base, "min": 9007199254740993, "max": 9007199254740993}])
    assert check.fail == Bounds(min=9007199254740993, max=9007199254740993)


# -- judging ------------------------------------------------------------------------------------


@pytest.fixture
def threshold(tmp_path: Path) -> Check:
    (check,) = load_checks(
        tmp_path, [{"name": "c", "type": "threshold", "sql": "SELECT 1", "max": 9007199254740993}]
    )
    return check


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (float("nan"), "NaN"),
        (Decimal("NaN"), "NaN"),
        (Decimal("sNaN"), "NaN"),
        (float("inf"), "infinite"),
        (float("-inf"), "infinite"),
        (Decimal("Infinity"), "infinite"),
    ],
)
def test_non_finite_values_error_and_show_null(threshold: Check, value: Any, word: str) -> None:
    status, shown, message = threshold.judge(Measurement(value))
    assert (status, shown, message) == (Status.ERROR, None, f"value is {word}")
    on_null_pass = threshold
    on_null_pass.on_null = Status.PASS  # NaN is not NULL: on_null does not apply
    assert on_null_pass.judge(Measurement(value))[0] is Status.ERROR


def test_exact_values_are_judged_exactly(threshold: Check) -> None:
    status, shown, message = threshold.judge(Measurement(Decimal("9007199254740993")))
    assert (status, shown) == (Status.PASS, 9007199254740993)
    assert type(shown) is int
    status, shown, message = threshold.judge(Measurement(Decimal("9007199254740994")))
    assert (status, shown) == (Status.FAIL, 9007199254740994)
    assert message == "9,007,199,254,740,994, expected <= 9,007,199,254,740,993"
    status, shown, _ = threshold.judge(Measurement(Decimal("9007199254740993.5")))
    assert status is Status.FAIL and isinstance(shown, float)


def test_normalize_keeps_integers_exact_and_drops_non_finite() -> None:
    assert normalize(Decimal("12345678901234567890")) == 12345678901234567890
    assert type(normalize(Decimal("12345678901234567890"))) is int
    assert normalize(Decimal("1.25")) == 1.25
    assert normalize(Decimal("NaN")) is None
    assert normalize(float("inf")) is None
    assert normalize(True) == 1


def test_percentages_are_exact_for_ints_and_decimals() -> None:
    assert percent_difference(Decimal("1.10"), Decimal("1.00")) == 10  # floats: 10.000000000000009
    assert percent_difference(110, 100) == 10
    assert percent_difference(0, 0) == 0 and percent_difference(5, 0) == 100
    assert Decimal("33.3333333333") < percent(1, 3) < Decimal("33.3333333334")
    assert isinstance(percent_difference(1.1, 1.0), float)


def test_compare_and_change_error_on_nan_on_either_side(tmp_path: Path) -> None:
    compare, change = load_checks(
        tmp_path,
        [
            {"name": "cmp", "type": "compare", "table": "a", "to": {"table": "b"}},
            {"name": "chg", "type": "change", "table": "a", "max_change_percent": 5},
        ],
    )
    for this, ref, side in ((float("nan"), 1, "this table"), (1, Decimal("NaN"), "the reference")):
        m = compare._percent(this, ref)  # type: ignore[attr-defined]
        status, shown, message = compare.judge(m)
        assert (status, shown) == (Status.ERROR, None)
        assert message == f"value is NaN (the expression is NaN on {side})"
    assert change.judge(Measurement(float("nan")))[:2] == (Status.ERROR, None)
    status, shown, message = change.judge(Measurement(100), float("nan"))
    assert (status, shown) == (Status.ERROR, None) and "NaN" in message
    assert change.judge(Measurement(Decimal("105")), 100)[:2] == (Status.PASS, 5)
    assert change.judge(Measurement(Decimal("105.0001")), 100)[0] is Status.FAIL


def test_freshness_future_and_sentinel_rows_fail(tmp_path: Path) -> None:
    from dqcheck.sql import CLOCK, maximum

    (fresh,) = load_checks(
        tmp_path,
        [
            {
                "name": "f",
                "type": "freshness",
                "table": "t",
                "column": "updated_at",
                "max_age": "6h",
                "on_null": "pass",
            }
        ],
    )
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    def judge(newest: Any) -> tuple[Status, Any, str]:
        return fresh.judge(Measurement(fresh.compute({maximum("updated_at"): newest, CLOCK: now})))

    status, value, message = judge(datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc))
    assert (status, value) == (Status.FAIL, -3 * 86400)
    assert message.startswith("newest updated_at is 3d in the future (2026-12-07 12:00:00+00:00)")
    assert "hides the table's real age" in message
    assert judge(datetime(2026, 12, 4, 12, 4, tzinfo=timezone.utc))[:2] == (Status.PASS, 0)
    for infinity in (datetime.max.replace(tzinfo=timezone.utc), datetime.max, "infinity"):
        status, value, message = judge(infinity)
        assert (status, value) == (Status.FAIL, None)
        assert "newest updated_at is infinity" in message
    for minus in (datetime.min.replace(tzinfo=timezone.utc), "-infinity"):
        assert judge(minus)[:2] == (Status.FAIL, None)
    assert judge(None)[0] is Status.PASS  # empty: on_null, as before


# -- strict JSON --------------------------------------------------------------------------------


def test_json_report_is_strict_even_with_leftover_non_finite_numbers() -> None:
    now = datetime.now(timezone.utc)
    check = CheckResult(
        "s",
        "c",
        "threshold",
        None,
        Status.ERROR,
        value=float("nan"),
        fail_bounds=Bounds(max=Decimal("1.5")),
        rows=[{"a": float("inf"), "b": Decimal("NaN"), "c": Decimal("2.5"), "d": [float("nan")]}],
        duration_seconds=float("nan"),
        measure=float("nan"),
    )
    data = strict_json(json_report.render(RunResult([check], now, now)))
    (record,) = data["checks"]
    assert record["value"] is None
    assert record["rows"] == [{"a": None, "b": None, "c": 2.5, "d": [None]}]
    assert record["bounds"]["fail"] == {"max": 1.5}
    assert record["duration_seconds"] is None


def test_json_numbers_never_crash_the_report() -> None:
    assert json_number(Decimal("1e300")) == 10**300  # an exact int, every digit
    assert json_number(Decimal("1e5000")) is None  # too long for a JSON number: null
    assert json_number(Decimal("2.5")) == 2.5
    assert plain(Decimal("1e5000")) == "(a huge integer)"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_strict_parser_refuses_bare_non_finite_numbers(constant: str) -> None:
    with pytest.raises(ValueError, match=f"bare {constant}"):
        strict_json(f'{{"value": {constant}}}')


# -- where is always parenthesised ---------------------------------------------------------------


def _table_checks_from_cases() -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every check of every case file whose type takes a ``where``, with its variables."""
    out = []
    for type_name, cls in sorted(REGISTRY.items()):
        if "table" not in cls.fields:
            continue
        doc = yaml.safe_load((CASES / f"{type_name}.yml").read_text("utf-8"))
        for case in doc["cases"]:
            checks = case["check"] if isinstance(case["check"], list) else [case["check"]]
            variables = {k: str(v) for k, v in (case.get("vars") or {}).items()}
            for check in checks:
                if check["type"] == type_name:
                    table = case.get("table", doc["table"])["name"]
                    out.append((type_name, {"table": table, **check}, variables))
    return out


def test_every_where_is_parenthesised_in_every_check_type(tmp_path: Path) -> None:
    compiled: dict[str, int] = {}
    reflected: set[str] = set()
    for i, (type_name, check, variables) in enumerate(_table_checks_from_cases()):
        written = {**check, "name": f"c{i}", "where": OR_WHERE}
        if type_name == "compare" and "connection" not in written["to"]:
            written["to"] = {**written["to"], "where": OR_WHERE}
        path = tmp_path / f"s{i}.yml"
        path.write_text(yaml.safe_dump({"suite": "t", "checks": [written]}), "utf-8")
        the_plan = api.plan(api.load_suites([path], variables))
        (query,) = the_plan.queries
        sql = query.render(postgresql.dialect())
        if sql is None:
            reflected.add(type_name)  # schema: reflection, no SQL at all
            continue
        expected = 2 if type_name == "compare" and "connection" not in check["to"] else 1
        assert sql.count(f"({OR_WHERE})") == expected, f"{type_name}: {check}\n{sql}"
        compiled[type_name] = compiled.get(type_name, 0) + 1
    takes_where = {t for t, cls in REGISTRY.items() if "table" in cls.fields}
    assert set(compiled) | reflected == takes_where
    assert reflected <= {"schema"}
    # single- and multi-column duplicate_count both came through
    assert compiled["duplicate_count"] >= 2


@pytest.mark.postgres
def test_where_with_or_keeps_its_meaning_on_postgresql(pg_db: str, tmp_path: Path) -> None:
    pgserver.execute(
        pg_db,
        "CREATE TABLE users (id integer, email text, last text, status text)",
        "INSERT INTO users VALUES (1, 'a', 'l', 'y'), (2, 'a', 'l', 'y'), (3, 'a', 'l', 'z'),"
        " (4, 'b', 'r', 'x'), (5, 'b', 'r', 'x'), (6, NULL, 'r', 'x'), (7, NULL, 'r', 'x')",
        "CREATE TABLE staff (id integer, manager_id integer, status text)",
        "INSERT INTO staff VALUES (1, NULL, 'y'), (2, 1, 'y'), (3, 9, 'x'), (4, 8, 'z'),"
        " (5, NULL, 'x')",
    )
    checks = [
        {"name": "dups", "type": "duplicate_count", "table": "users", "columns": ["email", "last"]},
        {
            "name": "orphans",
            "type": "relationship",
            "table": "staff",
            "column": "manager_id",
            "to": {"table": "staff", "column": "id"},
        },
    ]
    path = tmp_path / "s.yml"
    written = [{**c, "where": OR_WHERE} for c in checks]
    path.write_text(yaml.safe_dump({"suite": "t", "checks": written}), "utf-8")
    result = api.run(api.plan(api.load_suites([path])), pg_db, jobs=1)
    values = {r.name: r.value for r in result.checks}
    # the same counts written by hand, the where in parentheses
    engine = sa.create_engine(pg_db)
    try:
        with engine.connect() as conn:
            dups = conn.exec_driver_sql(
                "SELECT count(*) - count(DISTINCT (email, last)) FROM users"
                f" WHERE email IS NOT NULL AND last IS NOT NULL AND ({OR_WHERE})"
            ).scalar()
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM staff c WHERE c.manager_id IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM staff p WHERE p.id = c.manager_id)"
                f" AND ({OR_WHERE})"
            ).scalar()
    finally:
        engine.dispose()
    assert (dups, orphans) == (2, 1)
    assert values == {"dups": 2, "orphans": 1}


# -- end to end on PostgreSQL: NaN, Infinity, sentinels, exact bounds, strict JSON ---------------

NAN_SUITE: list[dict[str, Any]] = [
    {"name": "nan_double", "type": "threshold", "sql": "SELECT 'NaN'::float8", "max": 1},
    {"name": "nan_numeric", "type": "threshold", "sql": "SELECT 'NaN'::numeric", "min": 0},
    {"name": "inf_double", "type": "threshold", "sql": "SELECT 'Infinity'::float8", "min": 0},
    {"name": "inf_numeric", "type": "threshold", "sql": "SELECT 'Infinity'::numeric", "min": 0},
    {"name": "avg_nan", "type": "aggregate", "table": "m", "expression": "avg(x)", "max": 10},
    {"name": "cmp_nan", "type": "compare", "table": "m", "expression": "sum(x)",
     "where": "id = 1", "to": {"table": "m"}},
    {"name": "fresh_inf", "type": "freshness", "table": "m", "column": "at", "max_age": "6h"},
    {"name": "rows_nan", "type": "failing_rows", "sql": "SELECT id, x FROM m WHERE x = 'NaN'"},
    {"name": "big_pass", "type": "threshold", "sql": "SELECT 9007199254740993::bigint",
     "max": 9007199254740993},
    {"name": "big_fail", "type": "threshold", "sql": "SELECT 9007199254740994::bigint",
     "max": 9007199254740993},
    {"name": "equals_fail", "type": "threshold", "sql": "SELECT 1000000001",
     "equals": 1000000000},
]  # fmt: skip


@pytest.mark.postgres
def test_nan_suite_ends_in_errors_and_strict_json(pg_db: str, tmp_path: Path) -> None:
    pgserver.execute(
        pg_db,
        "CREATE TABLE m (id integer, x double precision, at timestamptz)",
        "INSERT INTO m VALUES (1, 1.5, now() - interval '30 days'), (2, 'NaN', 'infinity')",
    )
    path = tmp_path / "nan.yml"
    path.write_text(yaml.safe_dump({"suite": "nan", "checks": NAN_SUITE}), "utf-8")
    result = invoke(["run", str(path), "--url", pg_db, "--format", "json"], ExitCode.ERROR)
    report = strict_json(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("nan_double", "nan_numeric", "avg_nan", "cmp_nan"):
        assert (checks[name]["status"], checks[name]["value"]) == ("error", None), checks[name]
        assert "value is NaN" in checks[name]["message"]
        assert "value is NaN" in checks[name]["error"]
    for name in ("inf_double", "inf_numeric"):
        assert (checks[name]["status"], checks[name]["value"]) == ("error", None), checks[name]
        assert checks[name]["message"] == "value is infinite"
    fresh = checks["fresh_inf"]
    assert (fresh["status"], fresh["value"]) == ("fail", None)
    assert "newest at is infinity" in fresh["message"]
    assert checks["rows_nan"]["status"] == "fail"
    assert checks["rows_nan"]["rows"] == [{"id": 2, "x": None}]
    assert (checks["big_pass"]["status"], checks["big_pass"]["value"]) == (
        "pass",
        9007199254740993,
    )
    assert checks["big_pass"]["bounds"]["fail"] == {"max": 9007199254740993}
    assert (checks["big_fail"]["status"], checks["big_fail"]["value"]) == (
        "fail",
        9007199254740994,
    )
    assert checks["equals_fail"]["status"] == "fail"
    assert report["summary"]["error"] == 6


@pytest.mark.postgres
def test_future_rows_fail_freshness_on_postgresql(pg_db: str, tmp_path: Path) -> None:
    pgserver.execute(
        pg_db,
        "CREATE TABLE e (at timestamptz, day date, naive timestamp)",
        "INSERT INTO e VALUES (now() - interval '30 days', current_date - 30,"
        " localtimestamp - interval '30 days'),"
        " (now() + interval '3 days', 'infinity', 'infinity')",
    )
    checks = [
        {"name": n, "type": "freshness", "table": "e", "column": n, "max_age": "6h"}
        for n in ("at", "day", "naive")
    ]
    path = tmp_path / "f.yml"
    path.write_text(yaml.safe_dump({"suite": "f", "checks": checks}), "utf-8")
    result = api.run(api.plan(api.load_suites([path])), pg_db, jobs=1)
    at, day, naive = result.checks
    assert at.status is Status.FAIL and "in the future" in at.message, at.message
    assert at.value is not None and math.isclose(at.value, -3 * 86400, abs_tol=120)
    for r in (day, naive):
        assert (r.status, r.value) == (Status.FAIL, None), r.message
        assert "is infinity" in r.message
