"""The case-file harness (STYLE 12): every check type tested from data, one YAML case file per
type in ``tests/cases/``. The parametrised tests are in test_check_types.py; this module loads
the files, builds a case's table in an empty database, runs the case's checks through
``dqcheck.api`` and asserts the result, whatever the engine: it takes a SQLAlchemy URL and reads
what differs by engine from the URL's dialect.

A case file::

    table:                          # the table its cases use, created in an empty database
      name: orders                  # or schema.Name; quoted as an identifier
      columns: {id: integer, email: text, updated_at: timestamptz}
    cases:
      - name: nulls_fail            # unique in the file
        backends: [postgresql]      # optional; default every backend of BACKENDS
        table: {...}                # optional; replaces the file's table for this case
        rows: [[1, "a@x", now-1h]]  # or {repeat: 12, row: ["{i}", null, now]}; now±N[smhd] is UTC
        vars: {ds: "2026-01-02"}    # optional; passed like --var
        previous: 120               # optional; the measure a stored earlier run had (change)
        check: {type: null_count, column: email}   # name and table are filled in
        expect: {status: fail, value: 1}

``check`` may also be a list with ``expect`` a list of the same length: the checks run in one
suite, so scan checks on the same table share one query. ``expect`` keys: ``status`` (required),
``value`` (``null`` for NULL), ``tolerance`` (absolute, default 120 for freshness), ``samples``
(number of failing_rows samples), ``sample_keys``, ``message`` and ``error`` (substrings).

Besides the literal ``value``, the harness computes the value itself from ``rows`` where it can
(counts, percent, duplicates, freshness without ``where``) and asserts that too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from dqcheck import api
from dqcheck.results import CheckResult

CASES = Path(__file__).parent / "cases"
#: The backend names a case's ``backends`` may list: SQLAlchemy's backend names of the URLs.
BACKENDS = ("sqlite", "postgresql", "duckdb", "mysql")
NOW = re.compile(r"now(?:([+-])(\d+)([smhd]))?")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Column types a backend spells differently, by backend name. SQLite has no time zones:
#: timestamps are ISO strings in UTC, declared as plain timestamp. MariaDB: no timestamptz
#: (DATETIME holds the UTC value; the test server's zone is UTC), a VARCHAR needs a length,
#: and NUMERIC/DECIMAL without one has no fraction digits. DuckDB: NUMERIC without a
#: precision keeps only 3 fraction digits.
MYSQL_DECIMAL = "decimal(38,10)"
TYPE_ALIASES = {
    "sqlite": {"timestamptz": "timestamp"},
    "mysql": {
        "timestamptz": "datetime",
        "varchar": "varchar(255)",
        "numeric": MYSQL_DECIMAL,
        "decimal": MYSQL_DECIMAL,
    },
    "duckdb": {"numeric": "decimal(38,10)", "decimal": "decimal(38,10)"},
}
FRESHNESS_TOLERANCE = 120.0
EXPECT_KEYS = {"status", "value", "tolerance", "samples", "sample_keys", "message", "error"}
CASE_KEYS = {"name", "backends", "table", "rows", "vars", "previous", "check", "expect"}


def load_case_files() -> dict[str, dict[str, Any]]:
    """Every case file by its stem (the check type it covers)."""
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted(CASES.glob("*.yml"))}


def case_params(backends: tuple[str, ...] = BACKENDS) -> Iterator[Any]:
    """``pytest.param(backend, file_table, case)`` for every case on each of ``backends`` it
    does not exclude, with ids ``<type>-<case>-<backend>``."""
    for stem, doc in load_case_files().items():
        for case in doc["cases"]:
            for backend in case.get("backends", BACKENDS):
                if backend in backends:
                    case_id = f"{stem}-{case['name']}-{backend}"
                    yield pytest.param(backend, doc["table"], case, id=case_id)


def pairs_of(case: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The case's (check, expect) pairs: one, or one per check of a list."""
    checks, expects = case["check"], case["expect"]
    if isinstance(checks, dict):
        return [(checks, expects)]
    assert len(checks) == len(expects), f"{case['name']}: one expect per check"
    return list(zip(checks, expects, strict=True))


# -- rows ------------------------------------------------------------------------------------


def expand_rows(rows: Any) -> list[list[Any]]:
    """``rows`` as written: a list of rows, or ``{repeat: N, row: [...]}`` with ``{i}`` = 1..N."""
    if isinstance(rows, dict):
        return [
            [i if c == "{i}" else c.format(i=i) if isinstance(c, str) else c for c in rows["row"]]
            for i in range(1, rows["repeat"] + 1)
        ]
    return [list(r) for r in rows or []]


def resolve(cell: Any, now: datetime) -> Any:
    """``now``, ``now-7h``, ``now+2d`` → an aware UTC datetime; anything else as is."""
    m = NOW.fullmatch(cell) if isinstance(cell, str) else None
    if m is None:
        return cell
    sign, amount, unit = m.groups()
    offset = timedelta(seconds=int(amount) * UNITS[unit]) if amount else timedelta()
    return now - offset if sign == "-" else now + offset


def backend_of(url: str) -> str:
    """SQLAlchemy's backend name of ``url``: ``sqlite``, ``postgresql``, ..."""
    return sa.make_url(url).get_backend_name()


def db_value(cell: Any, backend: str) -> Any:
    """A cell as inserted on ``backend`` (SQLite: a datetime as UTC text; MariaDB: a naive
    UTC datetime, which PyMySQL would otherwise write without converting its zone)."""
    if isinstance(cell, datetime) and backend == "sqlite":
        return cell.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(cell, datetime) and backend == "mysql" and cell.tzinfo is not None:
        return cell.astimezone(timezone.utc).replace(tzinfo=None)
    return cell


def create_table(url: str, spec: dict[str, Any], rows: list[list[Any]]) -> None:
    """Plain DDL, identifiers quoted by the dialect; rows inserted with bound parameters."""
    backend = backend_of(url)
    schema, _, name = spec["name"].rpartition(".")
    columns: dict[str, str] = spec["columns"]
    aliases = TYPE_ALIASES.get(backend, {})
    engine = sa.create_engine(url)
    try:
        q = engine.dialect.identifier_preparer
        full = f"{q.quote_schema(schema)}.{q.quote(name)}" if schema else q.quote(name)
        ddl = ", ".join(f"{q.quote(c)} {aliases.get(t, t)}" for c, t in columns.items())
        with engine.begin() as conn:
            if schema:
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {q.quote_schema(schema)}")
            conn.exec_driver_sql(f"CREATE TABLE {full} ({ddl})")
            if rows:
                table = sa.table(name, *(sa.column(c) for c in columns), schema=schema or None)
                records = [
                    {c: db_value(v, backend) for c, v in zip(columns, r, strict=True)} for r in rows
                ]
                conn.execute(sa.insert(table), records)
    finally:
        engine.dispose()


# -- expected values, computed here from the rows ----------------------------------------------

UNKNOWN = object()


def expected_value(check: dict[str, Any], columns: list[str], rows: list[list[Any]]) -> Any:
    """The value the check must measure, from the rows in Python; UNKNOWN when SQL decides
    (``where``, expressions, queries, schema) or the check names a column the table lacks."""
    kind = check["type"]
    names = check.get("columns") if kind == "duplicate_count" else None
    names = names or ([check["column"]] if "column" in check else [])
    if "where" in check or "table" in check or not set(names) <= set(columns):
        return UNKNOWN
    cols = [[r[columns.index(n)] for r in rows] for n in names]
    if kind == "row_count":
        return len(rows)
    if kind == "null_count":
        return sum(v is None for v in cols[0])
    if kind == "null_percent":
        return 100.0 * sum(v is None for v in cols[0]) / len(rows) if rows else 0.0
    if kind == "duplicate_count":
        keys = [k for k in zip(*cols, strict=True) if None not in k]
        return len(keys) - len(set(keys))
    if kind == "accepted_values":
        return sum(v is not None and v not in check["values"] for v in cols[0])
    if kind == "freshness":
        stamps = [v for v in cols[0] if v is not None]
        if any(isinstance(v, str) for v in stamps):  # 'infinity', '-infinity': SQL decides
            return UNKNOWN
        return (datetime.now(timezone.utc) - max(stamps)).total_seconds() if stamps else None
    return UNKNOWN


# -- running a case --------------------------------------------------------------------------


def run_case(
    url: str,
    file_table: dict[str, Any],
    case: dict[str, Any],
    folder: Path,
    plan: str | None = None,
) -> None:
    """Build the case's table in the empty database at ``url``, run its checks through
    ``dqcheck.api`` (suite file and history in ``folder``; ``plan``: ``--plan``) and assert
    every result."""
    spec = case.get("table", file_table)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = [[resolve(c, now) for c in r] for r in expand_rows(case.get("rows"))]
    create_table(url, spec, rows)

    pairs = pairs_of(case)
    checks = []
    for i, (check, _) in enumerate(pairs):
        name = case["name"] if len(pairs) == 1 else f"{case['name']}_{i}"
        written = {"name": name, **check}
        if "sql" not in check:
            written.setdefault("table", spec["name"])
        checks.append(written)
    suite = folder / "suite.yml"
    suite.write_text(yaml.safe_dump({"suite": "cases", "checks": checks}), "utf-8")
    variables = {k: str(v) for k, v in (case.get("vars") or {}).items()}
    history = f"sqlite:///{folder / 'history.db'}"
    if "previous" in case:
        seed_history(history, [c["name"] for c in checks], case["previous"])
    checks_plan = api.plan(api.load_suites([suite], variables))
    monitoring = api.Monitoring(history=history)
    result = api.run(checks_plan, url, jobs=2, monitoring=monitoring, plan=plan)

    assert [r.name for r in result.checks] == [c["name"] for c in checks]
    for r, (check, expect) in zip(result.checks, pairs, strict=True):
        assert_result(r, check, expect, list(spec["columns"]), rows)


def seed_history(url: str, names: list[str], measure: float) -> None:
    """A stored earlier run in which each check measured ``measure`` (for ``change``)."""
    from dqcheck.monitor.history import History
    from dqcheck.results import RunResult, Status

    now = datetime.now(timezone.utc)
    earlier = [
        CheckResult("cases", name, "change", None, Status.PASS, measure=measure) for name in names
    ]
    store = History(url)
    try:
        store.append(RunResult(earlier, now, now))
    finally:
        store.close()


def assert_result(
    r: CheckResult,
    check: dict[str, Any],
    expect: dict[str, Any],
    columns: list[str],
    rows: list[list[Any]],
) -> None:
    seen = f"{r.name}: {r.status.value} value={r.value!r} message={r.message!r} error={r.error!r}"
    assert r.status.value == expect["status"], seen
    default_tolerance = FRESHNESS_TOLERANCE if check["type"] == "freshness" else 1e-6
    tolerance = expect.get("tolerance", default_tolerance)
    if expect["status"] == "error":
        assert r.error, f"an error result says why in .error; {seen}"
        assert "value" in expect or r.value is None, seen
    if "value" in expect:
        assert_value(r.value, expect["value"], tolerance, seen)
    computed = UNKNOWN if expect["status"] == "error" else expected_value(check, columns, rows)
    if computed is not UNKNOWN:
        assert_value(r.value, computed, tolerance, f"computed from rows; {seen}")
    if "samples" in expect:
        assert r.rows is not None, seen
        assert len(r.rows) == expect["samples"], seen
    if "sample_keys" in expect:
        assert r.rows, seen
        assert all(list(row) == expect["sample_keys"] for row in r.rows), r.rows
    if "message" in expect:
        assert expect["message"].lower() in r.message.lower(), seen
    if "error" in expect:
        assert expect["error"].lower() in (r.error or "").lower(), seen


def assert_value(actual: Any, expected: Any, tolerance: float, seen: str) -> None:
    if expected is None or isinstance(expected, str):
        assert actual == expected, seen
    else:
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), seen
        assert actual == pytest.approx(expected, abs=tolerance, rel=1e-9), seen
