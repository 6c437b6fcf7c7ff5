"""Performance contract of SPEC 2.3 and issue 4, against real PostgreSQL.

- one statement per (connection, table, where, bound variables) group, counted on the server
  with ``pg_stat_statements`` (``calls``), and ``--dry-run`` printing the same grouping;
- a broken expression in a group leaves the other checks of the group with correct values;
- ``--timeout`` and a per-check ``timeout:`` end a long query in ``error`` and leave nothing
  running on the server;
- ``--jobs 4`` returns results in suite order, equal to ``--jobs 1``;
- very large groups are split into scans of at most ``MAX_METRICS_PER_SCAN`` distinct metrics.

Expected values are computed here with plain SQL, independently of dqcheck. No test asserts a
duration (``make bench`` measures speed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from clitools import describe, invoke, run_dqcheck, run_json, strict_json
from pgserver import count_statements, recorded_statements
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

pytestmark = pytest.mark.postgres

TABLE = "perf_orders"
ROWS = 2000

# id 1..2000; customer_id NULL every 10th row, email NULL every 7th row and repeating,
# four statuses, the newest row a minute old.
SETUP = f"""
CREATE TABLE {TABLE} (
    id integer PRIMARY KEY,
    customer_id integer,
    email text,
    amount numeric(10, 2),
    status text,
    created_at timestamptz NOT NULL
);
INSERT INTO {TABLE}
SELECT g,
       CASE WHEN g % 10 = 0 THEN NULL ELSE g % 97 END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'u' || (g % 300) || '@example.com' END,
       (g % 500) + 0.25,
       (ARRAY['new', 'paid', 'shipped', 'refunded'])[1 + g % 4],
       now() - make_interval(mins => g)
FROM generate_series(1, {ROWS}) AS g;
ANALYZE {TABLE};
"""

# The 11 aggregate-family checks of the 12-check suite (the twelfth is THRESHOLD).
CORE_CHECKS: list[dict[str, Any]] = [
    {"name": "rows_any", "type": "row_count", "table": TABLE, "min": 1},
    {"name": "rows_range", "type": "row_count", "table": TABLE, "min": 1000, "max": 1000000},
    {"name": "email_nulls", "type": "null_count", "table": TABLE, "column": "email", "max": 1000},
    {
        "name": "customer_nulls",
        "type": "null_count",
        "table": TABLE,
        "column": "customer_id",
        "max": 1000,
    },
    {"name": "email_dups", "type": "duplicate_count", "table": TABLE, "column": "email"},
    {"name": "customer_dups", "type": "duplicate_count", "table": TABLE, "column": "customer_id"},
    {"name": "amount_min", "type": "aggregate", "table": TABLE, "expression": "min(amount)"},
    {"name": "amount_max", "type": "aggregate", "table": TABLE, "expression": "max(amount)"},
    {"name": "amount_avg", "type": "aggregate", "table": TABLE, "expression": "avg(amount)"},
    {
        "name": "status_ok",
        "type": "accepted_values",
        "table": TABLE,
        "column": "status",
        "values": ["new", "paid", "shipped"],
    },
    {"name": "fresh", "type": "freshness", "table": TABLE, "column": "created_at", "max_age": "1h"},
]
for _check in CORE_CHECKS:  # generous bounds: every check passes, the run exits 0
    if _check["type"] in ("duplicate_count", "accepted_values"):
        _check["max"] = 5000
    elif _check["type"] == "aggregate":
        _check.update({"min": -1e9, "max": 1e9})

THRESHOLD = {
    "name": "big_orders",
    "type": "threshold",
    "sql": f"SELECT count(*) AS big_orders FROM {TABLE} WHERE amount > 400",
    "max": ROWS,
}

# Ten more aggregate-family checks on the same table and filter.
MORE_CHECKS: list[dict[str, Any]] = [
    {"name": "email_null_pct", "type": "null_percent", "table": TABLE, "column": "email"},
    {"name": "cust_null_pct", "type": "null_percent", "table": TABLE, "column": "customer_id"},
    {"name": "amount_sum", "type": "aggregate", "table": TABLE, "expression": "sum(amount)"},
    {"name": "email_count", "type": "aggregate", "table": TABLE, "expression": "count(email)"},
    {"name": "id_max", "type": "aggregate", "table": TABLE, "expression": "max(id)"},
    {"name": "id_min", "type": "aggregate", "table": TABLE, "expression": "min(id)"},
    {
        "name": "statuses",
        "type": "aggregate",
        "table": TABLE,
        "expression": "count(DISTINCT status)",
    },
    {"name": "id_dups", "type": "duplicate_count", "table": TABLE, "column": "id"},
    {"name": "amount_nulls", "type": "null_count", "table": TABLE, "column": "amount"},
    {
        "name": "status_any",
        "type": "accepted_values",
        "table": TABLE,
        "column": "status",
        "values": ["new", "paid", "shipped", "refunded"],
    },
]
for _check in MORE_CHECKS:
    if _check["type"] in ("null_percent", "aggregate"):
        _check.update({"min": -1e9, "max": 1e9})

# Independent SQL for each value (never dqcheck's own formulas where another exists).
EXPECTED_SQL = {
    "rows_any": f"SELECT count(*) FROM {TABLE}",
    "rows_range": f"SELECT count(*) FROM {TABLE}",
    "email_nulls": f"SELECT count(*) FROM {TABLE} WHERE email IS NULL",
    "customer_nulls": f"SELECT count(*) FROM {TABLE} WHERE customer_id IS NULL",
    "email_dups": (
        f"SELECT COALESCE(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {TABLE}"
        " WHERE email IS NOT NULL GROUP BY email) g"
    ),
    "customer_dups": (
        f"SELECT COALESCE(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {TABLE}"
        " WHERE customer_id IS NOT NULL GROUP BY customer_id) g"
    ),
    "amount_min": f"SELECT min(amount) FROM {TABLE}",
    "amount_max": f"SELECT max(amount) FROM {TABLE}",
    "amount_avg": f"SELECT avg(amount) FROM {TABLE}",
    "status_ok": (
        f"SELECT count(*) FROM {TABLE} WHERE status IS NOT NULL"
        " AND status NOT IN ('new', 'paid', 'shipped')"
    ),
    "big_orders": f"SELECT count(*) FROM {TABLE} WHERE amount > 400",
    "email_null_pct": (
        f"SELECT 100.0 * count(*) FILTER (WHERE email IS NULL) / count(*) FROM {TABLE}"
    ),
    "cust_null_pct": (
        f"SELECT 100.0 * count(*) FILTER (WHERE customer_id IS NULL) / count(*) FROM {TABLE}"
    ),
    "amount_sum": f"SELECT sum(amount) FROM {TABLE}",
    "email_count": f"SELECT count(*) FROM {TABLE} WHERE email IS NOT NULL",
    "id_max": f"SELECT max(id) FROM {TABLE}",
    "id_min": f"SELECT min(id) FROM {TABLE}",
    "statuses": f"SELECT count(*) FROM (SELECT DISTINCT status FROM {TABLE}) s",
    "id_dups": "SELECT 0",
    "amount_nulls": f"SELECT count(*) FROM {TABLE} WHERE amount IS NULL",
    "status_any": "SELECT 0",
}

# Utility statements (transactions, SET LOCAL statement_timeout...): never a check's scan.
UTILITY = r"^\s*(SET|RESET|BEGIN|START|COMMIT|ROLLBACK|SHOW|SAVEPOINT|RELEASE)\b"


# -- helpers --------------------------------------------------------------------------------------


def execute(url: str, sql: str) -> None:
    """Run SQL as written (no parameters, so ``%`` is the modulo operator)."""
    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(sql)
            cur.close()
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def scalar(engine: Engine, sql: str) -> Any:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(sql)
        row = cur.fetchone()
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return row[0] if row else None


def expected_values(url: str, names: Sequence[str]) -> dict[str, float]:
    engine = create_engine(url)
    try:
        return {name: float(scalar(engine, EXPECTED_SQL[name])) for name in names}
    finally:
        engine.dispose()


def write_suite(tmp_path: Path, name: str, checks: Sequence[dict[str, Any]], **extra: Any) -> Path:
    path = tmp_path / f"{name}.yml"
    doc = {"suite": name, **extra, "checks": list(checks)}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def reset_statements(url: str) -> None:
    execute(url, "SELECT pg_stat_statements_reset()")


def statements_on(url: str, table: str) -> list[tuple[str, int]]:
    """(normalised query, calls) of every statement of this database that names ``table``."""
    condition = "position(:table in query) > 0 AND query !~* :utility"
    return recorded_statements(url, condition, table=table, utility=UTILITY)


def calls_on(url: str, table: str) -> int:
    """Statements run on ``table`` since the last reset (constants are normalised, so equal
    statements with different values are one entry: count ``calls``, not entries)."""
    return sum(calls for _, calls in statements_on(url, table))


def shown(statements: list[tuple[str, int]]) -> str:
    return "\n".join(f"{calls} x {query}" for query, calls in statements) or "(none)"


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


def dry_run_groups(paths: Sequence[Path], *extra: str) -> list[list[str]]:
    """The checks each ``-- query N`` of ``--dry-run`` answers, as check ids, in order."""
    out = invoke(["run", *[str(p) for p in paths], "--dry-run", *extra], 0).stdout
    lines = out.splitlines()
    groups: list[list[str]] = []
    for i, line in enumerate(lines):
        if line.startswith("-- query "):
            answers = lines[i + 1]
            assert answers.startswith("--   answers: "), out
            groups.append(answers.removeprefix("--   answers: ").split(", "))
    assert out.startswith(f"-- {len(groups)} quer"), out
    return groups


def assert_values(report: dict[str, Any], expected: dict[str, float]) -> None:
    checks = by_name(report)
    for name, value in expected.items():
        assert checks[name]["value"] == pytest.approx(value), (name, checks[name])


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def db(pg_db: str) -> str:
    """A fresh database with ``perf_orders`` and ``pg_stat_statements``."""
    count_statements(pg_db)
    execute(pg_db, SETUP)
    return pg_db


# -- 1. one statement per group -------------------------------------------------------------------


@pytest.mark.parametrize("more", [0, 10], ids=["11_checks", "21_checks"])
def test_one_statement_reads_the_table_for_all_aggregate_checks(
    db: str, tmp_path: Path, more: int
) -> None:
    checks = CORE_CHECKS + MORE_CHECKS[:more]
    # single_scan: the promise of SPEC 2.3 (fastest may split COUNT(DISTINCT) off: test_planner)
    path = write_suite(tmp_path, "orders", [*checks, THRESHOLD], plan="single_scan")
    names = [c["name"] for c in checks if c["type"] != "freshness"] + ["big_orders"]
    expected = expected_values(db, names)

    reset_statements(db)
    report = run_json([path, "--url", db])
    statements = statements_on(db, TABLE)

    assert report["summary"] == {
        "total": len(checks) + 1,
        "pass": len(checks) + 1,
        "warn": 0,
        "fail": 0,
        "error": 0,
    }, report
    assert_values(report, expected)
    assert 60 <= by_name(report)["fresh"]["value"] < 3600
    threshold = [(q, c) for q, c in statements if "big_orders" in q]
    scans = [(q, c) for q, c in statements if "big_orders" not in q]
    assert sum(c for _, c in threshold) == 1, shown(statements)
    assert sum(c for _, c in scans) == 1, shown(statements)
    # dqcheck says the same before connecting: one scan answering every aggregate check
    groups = dry_run_groups([path], "--url", db)
    assert groups == [[f"orders.{c['name']}" for c in checks], ["orders.big_orders"]]


def test_one_statement_per_distinct_where(db: str, tmp_path: Path) -> None:
    paid, new = "status = 'paid'", "status = 'new'"
    checks: list[dict[str, Any]] = [
        {"name": "all_rows", "type": "row_count", "table": TABLE},
        {"name": "paid_rows", "type": "row_count", "table": TABLE, "where": paid},
        {"name": "new_rows", "type": "row_count", "table": TABLE, "where": new},
        {"name": "all_email_nulls", "type": "null_count", "table": TABLE}
        | {"column": "email", "max": 1000},
        {"name": "paid_max", "type": "aggregate", "table": TABLE, "where": paid}
        | {"expression": "max(amount)", "max": 1000},
        {"name": "paid_email_nulls", "type": "null_count", "table": TABLE, "where": paid}
        | {"column": "email", "max": 1000},
    ]
    path = write_suite(tmp_path, "w", checks)
    engine = create_engine(db)
    try:
        expected = {
            "all_rows": ROWS,
            "paid_rows": scalar(engine, f"SELECT count(*) FROM {TABLE} WHERE {paid}"),
            "new_rows": scalar(engine, f"SELECT count(*) FROM {TABLE} WHERE {new}"),
            "paid_max": float(scalar(engine, f"SELECT max(amount) FROM {TABLE} WHERE {paid}")),
            "paid_email_nulls": scalar(
                engine, f"SELECT count(*) FROM {TABLE} WHERE {paid} AND email IS NULL"
            ),
        }
    finally:
        engine.dispose()

    reset_statements(db)
    report = run_json([path, "--url", db])
    statements = statements_on(db, TABLE)

    assert_values(report, expected)
    assert calls_on(db, TABLE) == 3, shown(statements)  # no where, paid, new
    groups = dry_run_groups([path])
    assert sorted(map(sorted, groups)) == sorted(
        [
            ["w.all_email_nulls", "w.all_rows"],
            ["w.paid_email_nulls", "w.paid_max", "w.paid_rows"],
            ["w.new_rows"],
        ]
    )


@pytest.mark.parametrize(
    ("first", "second", "cli_var", "statements"),
    [
        ({"min_id": "100"}, {"min_id": "1500"}, None, 2),
        ({"min_id": "100", "unused": "a"}, {"min_id": "100", "unused": "b"}, None, 1),
        ({"min_id": "100"}, {"min_id": "1500"}, "min_id=700", 1),
    ],
    ids=["different_values", "same_value", "same_value_from_var_flag"],
)
def test_bound_variables_of_a_shared_where_split_groups(
    db: str,
    tmp_path: Path,
    first: dict[str, str],
    second: dict[str, str],
    cli_var: str | None,
    statements: int,
) -> None:
    def checks() -> list[dict[str, Any]]:
        where = "id > :min_id"
        return [
            {"name": "rows", "type": "row_count", "table": TABLE, "where": where},
            {"name": "email_nulls", "type": "null_count", "table": TABLE, "where": where}
            | {"column": "email", "max": 1000},
        ]

    paths = [
        write_suite(tmp_path, "one", checks(), vars=first),
        write_suite(tmp_path, "two", checks(), vars=second),
    ]
    extra = ["--var", cli_var] if cli_var else []

    reset_statements(db)
    report = run_json([*paths, "--url", db, *extra])
    seen = statements_on(db, TABLE)

    assert calls_on(db, TABLE) == statements, shown(seen)
    assert len(dry_run_groups(paths, *extra)) == statements
    engine = create_engine(db)
    try:
        for check in report["checks"]:
            suite_vars = first if check["suite"] == "one" else second
            min_id = int(cli_var.split("=")[1]) if cli_var else int(suite_vars["min_id"])
            if check["name"] == "rows":
                sql = f"SELECT count(*) FROM {TABLE} WHERE id > {min_id}"
            else:
                sql = f"SELECT count(*) FROM {TABLE} WHERE id > {min_id} AND email IS NULL"
            assert check["value"] == scalar(engine, sql), check
    finally:
        engine.dispose()


def test_two_tables_two_statements_and_dry_run_shows_the_same(db: str, tmp_path: Path) -> None:
    other = "perf_customers"
    execute(
        db,
        f"CREATE TABLE {other} AS SELECT g AS id, CASE WHEN g % 3 = 0 THEN NULL"
        " ELSE 'n' || g END AS name FROM generate_series(1, 300) g",
    )
    checks: list[dict[str, Any]] = [  # interleaved: grouping must not depend on adjacency
        {"name": "orders_rows", "type": "row_count", "table": TABLE},
        {"name": "customers_rows", "type": "row_count", "table": other},
        {"name": "orders_email_nulls", "type": "null_count", "table": TABLE}
        | {"column": "email", "max": 1000},
        {"name": "customers_name_nulls", "type": "null_count", "table": other}
        | {"column": "name", "max": 1000},
        {"name": "orders_avg", "type": "aggregate", "table": TABLE}
        | {"expression": "avg(amount)", "min": 0, "max": 1000},
    ]
    path = write_suite(tmp_path, "two", checks)
    expected = expected_values(db, ["email_nulls", "amount_avg"])

    reset_statements(db)
    report = run_json([path, "--url", db])
    on_orders, on_customers = statements_on(db, TABLE), statements_on(db, other)

    assert calls_on(db, TABLE) == 1, shown(on_orders)
    assert calls_on(db, other) == 1, shown(on_customers)
    assert all(other not in q for q, _ in on_orders), shown(on_orders)
    assert_values(
        report,
        {
            "orders_rows": ROWS,
            "customers_rows": 300,
            "orders_email_nulls": expected["email_nulls"],
            "customers_name_nulls": 100,
            "orders_avg": expected["amount_avg"],
        },
    )
    assert dry_run_groups([path], "--url", db) == [
        ["two.orders_rows", "two.orders_email_nulls", "two.orders_avg"],
        ["two.customers_rows", "two.customers_name_nulls"],
    ]


def test_suite_connection_names_do_not_split_a_scan_when_url_overrides_them(
    db: str, tmp_path: Path
) -> None:
    """--url overrides every suite's ``connection:`` (SPEC 3), so both suites read the same
    connection, table and where: one SELECT (SPEC 2.3)."""
    checks = [{"name": "rows", "type": "row_count", "table": TABLE}]
    paths = [
        write_suite(tmp_path, "one", checks, connection="warehouse"),
        write_suite(tmp_path, "two", checks),
    ]

    reset_statements(db)
    report = run_json([*paths, "--url", db])
    statements = statements_on(db, TABLE)

    assert [c["value"] for c in report["checks"]] == [ROWS, ROWS]
    assert calls_on(db, TABLE) == 1, shown(statements)
    assert len(dry_run_groups(paths, "--url", db)) == 1


# -- 2. a broken expression only breaks its own check ---------------------------------------------


def test_a_broken_expression_leaves_its_group_neighbours_correct(db: str, tmp_path: Path) -> None:
    broken: dict[str, Any] = {"name": "broken", "type": "aggregate", "table": TABLE}
    broken |= {"expression": "avg(no_such_column)", "min": 0}
    by = {c["name"]: c for c in CORE_CHECKS}
    checks = [by["rows_any"], by["email_nulls"], broken, by["email_dups"], by["amount_max"]]
    path = write_suite(tmp_path, "g", checks, plan="single_scan")
    assert len(dry_run_groups([path])) == 1  # the five share one scan
    expected = expected_values(db, ["rows_any", "email_nulls", "email_dups", "amount_max"])

    report = run_json([path, "--url", db], expected_code=3)

    assert [c["name"] for c in report["checks"]] == [c["name"] for c in checks]
    results = by_name(report)
    assert results["broken"]["status"] == "error", results["broken"]
    assert results["broken"]["value"] is None
    assert "no_such_column" in results["broken"]["error"], results["broken"]
    for name, value in expected.items():
        assert results[name]["status"] == "pass", results[name]
        assert results[name]["error"] is None, results[name]
        assert results[name]["value"] == pytest.approx(value), results[name]
    assert report["summary"]["error"] == 1


# -- 3. timeouts ----------------------------------------------------------------------------------


SLEEPY = {
    "name": "sleepy",
    "type": "threshold",
    "sql": "SELECT 1 FROM (SELECT pg_sleep(10)) s",
    "max": 1,
}


def sleeping_queries(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT query FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state <> 'idle' AND position('pg_sleep(10)' in query) > 0"
            ).all()
    finally:
        engine.dispose()
    return [str(r[0]) for r in rows]


@pytest.mark.parametrize(
    ("own_timeout", "run_timeout"),
    [(None, "1s"), ("1s", "10m")],
    ids=["run_timeout", "check_timeout_overrides_run_timeout"],
)
def test_timeout_ends_a_long_query_in_error_and_leaves_nothing_running(
    db: str, tmp_path: Path, own_timeout: str | None, run_timeout: str
) -> None:
    sleepy = dict(SLEEPY, **({"timeout": own_timeout} if own_timeout else {}))
    by = {c["name"]: c for c in CORE_CHECKS}
    checks = [by["rows_any"], sleepy, by["email_nulls"], THRESHOLD]
    path = write_suite(tmp_path, "t", checks)

    # Hang guard only: with the timeout working this returns after about one second.
    proc = run_dqcheck(
        ["run", str(path), "--url", db, "--timeout", run_timeout, "--format", "json"], timeout=30
    )

    assert proc.returncode == 3, describe(proc)
    results = by_name(strict_json(proc.stdout))
    assert results["sleepy"]["status"] == "error", results["sleepy"]
    assert "timed out" in results["sleepy"]["error"], results["sleepy"]
    assert "timed out" in results["sleepy"]["message"], results["sleepy"]
    for name in ("rows_any", "email_nulls", "big_orders"):
        assert results[name]["status"] == "pass", results[name]
    left: list[str] = []
    for _ in range(50):  # bounded poll: a cancelled backend may take a moment to go
        left = sleeping_queries(db)
        if not left:
            break
        time.sleep(0.1)
    assert left == [], "queries still running on the server after dqcheck exited"


def test_a_neighbours_own_timeout_does_not_lift_the_run_timeout(db: str, tmp_path: Path) -> None:
    """``lenient`` and ``strict`` share one scan; only ``lenient`` has its own (long) timeout.
    ``strict`` has none, so ``--timeout 1s`` is its limit: its query must not run for seconds."""
    slow = "pg_sleep(0.001)::text = ''"  # at least 1 ms per row: a scan of 2 s or more
    checks: list[dict[str, Any]] = [
        {"name": "lenient", "type": "row_count", "table": TABLE, "where": slow, "timeout": "10m"},
        {"name": "strict", "type": "null_count", "table": TABLE, "where": slow}
        | {"column": "email", "max": ROWS},
    ]
    path = write_suite(tmp_path, "mixed", checks)

    proc = run_dqcheck(
        ["run", str(path), "--url", db, "--timeout", "1s", "--format", "json"], timeout=30
    )

    strict = by_name(strict_json(proc.stdout))["strict"]
    ran = f"{strict['status']} (value {strict['value']}) after {strict['duration_seconds']:.1f}s"
    assert strict["status"] == "error", f"--timeout 1s, yet the query ran on: {ran}"
    assert "timed out" in strict["error"], strict
    assert proc.returncode == 3, describe(proc)


# -- 4. concurrency -------------------------------------------------------------------------------


def test_jobs_4_returns_suite_order_and_the_values_of_jobs_1(db: str, tmp_path: Path) -> None:
    tables = {f"perf_t{i}": 100 * (i + 1) for i in range(4)}
    for name, rows in tables.items():
        execute(
            db,
            f"CREATE TABLE {name} AS SELECT g AS id, CASE WHEN g % 4 = 0 THEN NULL"
            f" ELSE g % 13 END AS v FROM generate_series(1, {rows}) g",
        )
    # The first check in suite order is the slowest, so completion order differs from it.
    checks: list[dict[str, Any]] = [
        {
            "name": "slow_first",
            "type": "threshold",
            "sql": "SELECT n FROM (SELECT count(*) AS n FROM perf_t0) a, (SELECT pg_sleep(0.5)) b",
            "min": 0,
        }
    ]
    for kind in ("row_count", "null_count", "aggregate", "duplicate_count"):
        for name in reversed(tables):
            check: dict[str, Any] = {"name": f"{kind}_{name}", "type": kind, "table": name}
            if kind == "null_count":
                check |= {"column": "v", "max": 1000}
            elif kind == "aggregate":
                check |= {"expression": "sum(v)", "min": 0}
            elif kind == "duplicate_count":
                check |= {"column": "v", "max": 1000}
            checks.append(check)
    checks.append(
        {"name": "t2_count", "type": "threshold", "sql": "SELECT count(*) FROM perf_t2", "min": 1}
    )
    path = write_suite(tmp_path, "many", checks, plan="single_scan")
    assert len(dry_run_groups([path])) == 4 + 2

    parallel = run_json([path, "--url", db, "--jobs", "4"])
    serial = run_json([path, "--url", db, "--jobs", "1"])

    order = [c["name"] for c in checks]
    assert [c["name"] for c in parallel["checks"]] == order
    assert [c["name"] for c in serial["checks"]] == order

    def outcome(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
        return [(c["name"], c["status"], c["value"]) for c in report["checks"]]

    assert outcome(parallel) == outcome(serial)
    values = by_name(parallel)
    for name, rows in tables.items():
        assert values[f"row_count_{name}"]["value"] == rows
        assert values[f"null_count_{name}"]["value"] == rows // 4
    assert values["slow_first"]["value"] == 100
    assert all(c["status"] == "pass" for c in parallel["checks"]), outcome(parallel)


# -- 5. very large groups are split ---------------------------------------------------------------


def test_a_very_large_group_is_split_by_distinct_metrics_and_every_check_is_right(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dqcheck import api
    from dqcheck import plan as planning

    wide, rows, columns, total = "perf_wide", 1000, 30, 450
    # column c<i> is NULL in its first 3*i rows
    cols = ", ".join(f"CASE WHEN g > {3 * i} THEN g END AS c{i}" for i in range(columns))
    execute(db, f"CREATE TABLE {wide} AS SELECT g AS id, {cols} FROM generate_series(1, {rows}) g")
    checks: list[dict[str, Any]] = []
    expected: dict[str, int] = {}
    for k in range(total):
        check: dict[str, Any]
        if k % 3 == 0:
            check = {"name": f"rows_{k}", "type": "row_count", "table": wide, "min": k % 7}
            expected[check["name"]] = rows
        else:
            i = k % columns
            check = {"name": f"nulls_{k}", "type": "null_count", "table": wide}
            check |= {"column": f"c{i}", "max": 3 * i}
            expected[check["name"]] = 3 * i
        checks.append(check)
    path = write_suite(tmp_path, "wide", checks)

    # 450 checks ask for 21 distinct metrics (count(*) and 20 null counts): one scan.
    distinct = 1 + len({k % columns for k in range(total) if k % 3})
    plan = api.plan(api.load_suites([path]))
    assert len(plan.queries) == 1
    assert len(plan.queries[0].metric_keys()) == distinct
    assert len(dry_run_groups([path])) == 1
    reset_statements(db)
    report = run_json([path, "--url", db])
    assert calls_on(db, wide) == 1, shown(statements_on(db, wide))
    assert {c["name"]: c["value"] for c in report["checks"]} == expected
    assert report["summary"]["pass"] == total

    # Past the per-statement metric limit, the group is split; every value stays right.
    monkeypatch.setattr(planning, "MAX_METRICS_PER_SCAN", 10)
    plan = api.plan(api.load_suites([path]))
    assert len(plan.queries) >= math.ceil(distinct / 10)
    assert all(q.is_scan and len(q.metric_keys()) <= 10 for q in plan.queries)
    assert sorted(c.id for q in plan.queries for c in q.checks) == sorted(
        f"wide.{c['name']}" for c in checks
    )
    result = api.run(plan, db)
    assert {c.name: c.value for c in result.checks} == expected
