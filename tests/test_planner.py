"""The adaptive planner (SPEC 2.3): ``plan: fastest`` and ``plan: single_scan``.

- every check-type case gives the same values under both plans, on SQLite and PostgreSQL;
- on real PostgreSQL (statements counted with pg_stat_statements): a PRIMARY KEY column's
  ``duplicate_count`` and a NOT NULL column's ``null_count`` are answered from the catalog
  without a statement reading the table; ``single_scan`` sends one statement per (table,
  where); ``fastest`` sends the distinct count and the main scan as two statements;
- engines that do not enforce constraints (Redshift) are planned as one scan;
- a catalog that says nothing (a view) or cannot be read falls back to scanning;
- ``--plan`` beats the suite's ``plan:``; a bad value is exit 2 in one line.

No test asserts a duration (``make bench`` measures speed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from casefiles import case_params, run_case
from clitools import invoke, run_json
from pgserver import count_statements, execute, recorded_statements
from test_check_types import empty_postgresql, pg_cases_db  # noqa: F401 (a fixture)

from dqcheck import api
from dqcheck.planner import FASTEST, PLANS, SINGLE_SCAN, choose

# -- every case, both plans -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "file_table", "case"), list(case_params(("sqlite", "postgresql")))
)
def test_every_case_gives_the_same_values_under_both_plans(
    backend: str,
    file_table: dict[str, Any],
    case: dict[str, Any],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    for plan in PLANS:
        folder = tmp_path / plan
        folder.mkdir()
        if backend == "postgresql":
            url = str(request.getfixturevalue("pg_cases_db"))
            empty_postgresql(url)
        else:
            sqlite3.connect(folder / "data.db").close()
            url = f"sqlite:///{folder / 'data.db'}"
        run_case(url, file_table, case, folder, plan=plan)


# -- PostgreSQL, statements counted ----------------------------------------------------------

TABLE = "plan_orders"
SETUP = f"""
CREATE TABLE {TABLE} (
    id integer CONSTRAINT plan_orders_pk PRIMARY KEY,
    code text,
    email text,
    status text NOT NULL
);
CREATE UNIQUE INDEX plan_orders_code_key ON {TABLE} (code);
INSERT INTO {TABLE}
SELECT g, 'c' || g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'u' || (g % 40) END,
       (ARRAY['new', 'paid'])[1 + g % 2]
FROM generate_series(1, 300) AS g;
CREATE VIEW plan_view AS SELECT * FROM {TABLE};
"""
CHECKS: list[dict[str, Any]] = [
    {"name": "rows", "type": "row_count", "table": TABLE},
    {"name": "id_dups", "type": "duplicate_count", "table": TABLE, "column": "id"},
    {"name": "code_dups", "type": "duplicate_count", "table": TABLE, "column": "code"},
    {"name": "status_nulls", "type": "null_count", "table": TABLE, "column": "status"},
    {"name": "status_pct", "type": "null_percent", "table": TABLE, "column": "status"} | {"max": 0},
    {"name": "email_dups", "type": "duplicate_count", "table": TABLE, "column": "email"}
    | {"max": 1000},
    {"name": "email_nulls", "type": "null_count", "table": TABLE, "column": "email"}
    | {"max": 1000},
]
EXPECTED = {
    "rows": 300,
    "id_dups": 0,
    "code_dups": 0,
    "status_nulls": 0,
    "status_pct": 0,
    "email_dups": 240 - 32,  # 240 non-NULL emails, 32 distinct (g % 40, g not a multiple of 5)
    "email_nulls": 60,
}


@pytest.fixture
def db(pg_db: str) -> str:
    count_statements(pg_db)
    execute(pg_db, SETUP)
    return pg_db


def write_suite(folder: Path, checks: list[dict[str, Any]], **extra: Any) -> Path:
    path = folder / "suite.yml"
    path.write_text(yaml.safe_dump({"suite": "p", **extra, "checks": checks}), "utf-8")
    return path


def reading(url: str, table: str) -> list[tuple[str, int]]:
    """(statement, calls) of this database's statements that name ``table``, past the
    transaction and timeout statements around them."""
    condition = "position(:table in query) > 0 AND query !~* '^\\s*(SET|SHOW|BEGIN|COMMIT)'"
    return recorded_statements(url, condition, table=table)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


def test_fastest_answers_constrained_columns_without_reading_the_table(
    db: str, tmp_path: Path
) -> None:
    checks = [c for c in CHECKS if c["name"] in ("id_dups", "code_dups", "status_nulls")]
    checks.append(CHECKS[4])  # status_pct
    path = write_suite(tmp_path, checks)
    execute(db, "SELECT pg_stat_statements_reset()")

    report = by_name(run_json([path, "--url", db]))

    assert reading(db, TABLE) == [], "the constraints answered: no statement reads the table"
    assert report["id_dups"]["message"] == "guaranteed by constraint plan_orders_pk"
    assert report["code_dups"]["message"] == "guaranteed by constraint plan_orders_code_key"
    assert report["status_nulls"]["message"] == "guaranteed by NOT NULL on column status"
    for name, check in report.items():
        assert (check["status"], check["value"]) == ("pass", 0), name
        assert check["sql"] == f"-- from the catalog, no scan: {check['message']}", name


def test_single_scan_sends_one_statement_per_table_and_where(db: str, tmp_path: Path) -> None:
    where = {"where": "status = 'paid'"}
    checks = CHECKS + [{**c, "name": c["name"] + "_paid", **where} for c in CHECKS]
    path = write_suite(tmp_path, checks, plan="single_scan")
    execute(db, "SELECT pg_stat_statements_reset()")

    report = by_name(run_json([path, "--url", db]))

    statements = reading(db, TABLE)
    assert len(statements) == 2, "one statement without the where, one with it"
    assert [calls for _, calls in statements] == [1, 1], statements
    for name, value in EXPECTED.items():
        assert report[name]["value"] == value, report[name]
        assert report[name]["sql"], report[name]
        assert "guaranteed" not in report[name]["message"], report[name]
    assert report["rows_paid"]["value"] == 150


def test_fastest_splits_the_distinct_count_from_the_main_scan(db: str, tmp_path: Path) -> None:
    path = write_suite(tmp_path, CHECKS)
    execute(db, "SELECT pg_stat_statements_reset()")

    report = by_name(run_json([path, "--url", db]))

    statements = reading(db, TABLE)
    assert sum(calls for _, calls in statements) == 2, statements
    distinct = [q for q, _ in statements if "DISTINCT" in q.upper()]
    assert len(distinct) == 1 and "email" in distinct[0], statements
    for name, value in EXPECTED.items():
        assert report[name]["value"] == value, report[name]
    single = by_name(run_json([path, "--url", db, "--plan", "single_scan"]))
    assert {n: c["value"] for n, c in single.items()} == {n: c["value"] for n, c in report.items()}


def test_a_view_is_scanned(db: str, tmp_path: Path) -> None:
    checks = [
        {"name": "id_dups", "type": "duplicate_count", "table": "plan_view", "column": "id"},
        {"name": "nulls", "type": "null_count", "table": "plan_view", "column": "status"},
    ]
    path = write_suite(tmp_path, checks, plan="fastest")
    execute(db, "SELECT pg_stat_statements_reset()")

    report = by_name(run_json([path, "--url", db]))

    assert sum(calls for _, calls in reading(db, "plan_view")) == 2
    for check in report.values():
        assert (check["status"], check["value"]) == ("pass", 0), check
        assert "guaranteed" not in check["message"], check


def test_a_where_is_still_planned_by_the_database(db: str, tmp_path: Path) -> None:
    """A constraint answers for any filter, but a broken filter is an error, not a pass."""
    checks = [
        {"name": "ok", "type": "null_count", "table": TABLE, "column": "status"}
        | {"where": "id > 10"},
        {"name": "broken", "type": "null_count", "table": TABLE, "column": "status"}
        | {"where": "no_such_column > 10"},
    ]
    path = write_suite(tmp_path, checks)

    report = by_name(run_json([path, "--url", db], 3))

    assert (report["ok"]["status"], report["ok"]["value"]) == ("pass", 0)
    assert report["ok"]["message"] == "guaranteed by NOT NULL on column status"
    assert report["broken"]["status"] == "error"
    assert "no_such_column" in report["broken"]["error"]


# -- SQLite: a catalog read that fails ------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL, x text)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, "n", None) for i in range(1, 51)])
    conn.commit()
    conn.close()
    yield f"sqlite:///{path}"


SQLITE_CHECKS: list[dict[str, Any]] = [
    {"name": "id_dups", "type": "duplicate_count", "table": "t", "column": "id"},
    {"name": "name_nulls", "type": "null_count", "table": "t", "column": "name"},
    {"name": "x_nulls", "type": "null_count", "table": "t", "column": "x", "max": 100},
]


def test_sqlite_constraints_answer(sqlite_db: str, tmp_path: Path) -> None:
    report = by_name(run_json([write_suite(tmp_path, SQLITE_CHECKS), "--url", sqlite_db]))
    assert report["id_dups"]["message"].startswith("guaranteed by constraint")
    assert report["name_nulls"]["message"] == "guaranteed by NOT NULL on column name"
    assert (report["x_nulls"]["value"], report["x_nulls"]["message"]) == (50, "")


def test_a_catalog_read_that_fails_falls_back_to_scanning(
    sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dqcheck.runner

    calls: list[Any] = []

    def unreadable(conn: Any, ref: Any) -> Any:
        calls.append(ref)
        raise PermissionError("permission denied for the catalog")

    monkeypatch.setattr(dqcheck.runner, "read_facts", unreadable)
    path = write_suite(tmp_path, SQLITE_CHECKS)
    result = api.run([path], sqlite_db)

    assert len(calls) == 1, "read once per table, however many queries ask"
    values = {r.name: (r.status.value, r.value, r.message) for r in result.checks}
    assert values == {
        "id_dups": ("pass", 0, ""),
        "name_nulls": ("pass", 0, ""),
        "x_nulls": ("pass", 50, ""),
    }
    assert all(r.sql for r in result.checks), "each value came from a statement"


# -- choosing the plan -----------------------------------------------------------------------


def test_engines_that_do_not_enforce_constraints_get_one_scan(tmp_path: Path) -> None:
    path = write_suite(tmp_path, CHECKS)
    for url in (
        "redshift+psycopg2://u@cluster.abc.eu-west-1.redshift.amazonaws.com:5439/dev",
        "postgresql://u@cluster.abc.eu-west-1.redshift.amazonaws.com:5439/dev",
    ):
        dry = api.dry_run([path], url=url)
        assert len(dry.queries) == 1, dry
        (query,) = dry.queries
        # the primary key's and the NOT NULL column's metrics are in the one SELECT
        assert query.sql is not None and query.sql.count("count(DISTINCT") == 3, query.sql
        assert "count(DISTINCT id)" in query.sql and "count(status)" in query.sql
        assert query.plan is not None and query.plan.startswith("single_scan (default on redshift")
    forced = choose(FASTEST, None, "redshift+psycopg2://u@h:5439/dev")
    assert forced.fastest and not forced.constraints
    assert choose(None, None, "snowflake://u@acct/db").plan == SINGLE_SCAN
    assert choose(None, None, "postgresql://u@h/db").constraints


def dry_plans(*args: str | Path) -> list[str]:
    out = invoke(["run", *args, "--dry-run"], 0).stdout
    return [
        ln.removeprefix("--   plan: ") for ln in out.splitlines() if ln.startswith("--   plan:")
    ]


def test_the_flag_beats_the_suite_which_beats_the_engine(tmp_path: Path) -> None:
    path = write_suite(tmp_path, CHECKS, plan="single_scan")
    url = "postgresql://u@localhost/db"
    assert dry_plans(path, "--url", url) == [
        "single_scan (the suite's plan:): one statement for this table and filter"
    ]
    plans = dry_plans(path, "--url", url, "--plan", "fastest")
    # the main scan, then a distinct count each for id, code and email
    assert len(plans) == 4 and all(p.startswith("fastest (--plan)") for p in plans), plans
    assert "COUNT(DISTINCT email) in its own statement" in plans[3]
    assert all("constraints are read from the catalog at run time" in p for p in plans)
    path.write_text(yaml.safe_dump({"suite": "p", "checks": CHECKS}), "utf-8")
    assert dry_plans(path, "--url", url)[0].startswith("fastest (default on postgresql)")
    assert dry_plans(path, "--url", "sqlite:///x.db", "--plan", "single_scan")[0].startswith(
        "single_scan (--plan)"
    )


def test_a_bad_plan_is_a_configuration_error_in_one_line(tmp_path: Path) -> None:
    path = write_suite(tmp_path, CHECKS, plan="fastes")
    err = invoke(["run", path, "--url", "sqlite:///x.db"], 2).stderr.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0] and "plan" in err[0] and "did you mean 'fastest'" in err[0]
    path = write_suite(tmp_path, CHECKS)
    for extra in ([], ["--dry-run"]):
        err = invoke(["run", path, "--url", "sqlite:///x.db", "--plan", "quick", *extra], 2)
        lines = err.stderr.strip().splitlines()
        assert len(lines) == 1 and "--plan" in lines[0] and "single_scan" in lines[0], lines
