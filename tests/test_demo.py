"""The demo: demo/make_demo_db.py builds a shop database with deliberate defects, and the
example suites in checks/ find exactly those defects (what `make demo` shows)."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from clitools import invoke, run_dqcheck, run_json, strict_json

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "demo" / "make_demo_db.py"
CHECKS = ROOT / "checks"

# What the demo run must show: every check of checks/ and how it ends on the demo data.
EXPECTED = {
    "customers.customers_has_rows": "pass",
    "customers.customers_email_not_null": "pass",
    "customers.customers_email_unique": "warn",
    "customers.customers_country_mostly_known": "pass",
    "customers.customers_created_in_past": "pass",
    "customers.customers_schema": "pass",
    "orders.orders_has_rows": "pass",
    "orders.orders_id_unique": "pass",
    "orders.orders_customer_id_not_null": "fail",
    "orders.orders_customer_exists": "fail",
    "orders.order_items_one_line_per_product": "pass",
    "orders.orders_status_accepted": "fail",
    "orders.orders_currency_accepted": "pass",
    "orders.orders_amount_not_negative": "pass",
    "orders.orders_amount_avg": "pass",
    "orders.orders_amount_matches_items": "pass",
    "orders.orders_cancelled_percent": "pass",
    "orders.orders_fresh": "warn",
    "orders.orders_schema": "pass",
}
ACCEPTED_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")


def load_builder() -> ModuleType:
    """demo/make_demo_db.py as a module (demo/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("make_demo_db", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo_db"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def query(db: Path, sql: str, *params: Any) -> Any:
    """The single value of ``sql`` on the demo database."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()[0]


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def defects(db: Path) -> dict[str, int]:
    """The deliberate defects, counted with plain SQL."""
    accepted = ", ".join(f"'{s}'" for s in ACCEPTED_STATUSES)
    return {
        "null_customer_id": query(db, "SELECT count(*) FROM orders WHERE customer_id IS NULL"),
        "orphan_orders": query(
            db,
            "SELECT count(*) FROM orders WHERE customer_id IS NOT NULL"
            " AND customer_id NOT IN (SELECT id FROM customers)",
        ),
        "bad_status": query(db, f"SELECT count(*) FROM orders WHERE status NOT IN ({accepted})"),
        "duplicate_emails": query(db, "SELECT count(email) - count(DISTINCT email) FROM customers"),
        "null_country": query(db, "SELECT count(*) FROM customers WHERE country IS NULL"),
    }


def row_counts(db: Path) -> dict[str, int]:
    return {
        t: query(db, f"SELECT count(*) FROM {t}") for t in ("customers", "orders", "order_items")
    }


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built by running the script as `make demo` does."""
    db = tmp_path_factory.mktemp("demo") / "sub" / "demo.db"
    proc = subprocess.run(
        [sys.executable, str(BUILDER), "--output", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert db.is_file()
    assert f"wrote {db}" in proc.stdout
    return db


@pytest.fixture(scope="module")
def report(demo_db: Path) -> dict[str, Any]:
    """The JSON report of the demo run (which exits 1), plus its start time under "_ran_at"."""
    before = datetime.now(timezone.utc)
    data = run_json([CHECKS, "--url", f"sqlite:///{demo_db}"], 1)
    data["_ran_at"] = before
    return data


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{c['suite']}.{c['name']}": c for c in report["checks"]}


# -- the database ---------------------------------------------------------------------------------


def test_builder_writes_the_documented_data_and_defects(demo_db: Path) -> None:
    builder = load_builder()
    counts = row_counts(demo_db)
    assert counts["customers"] == builder.CUSTOMERS
    assert counts["orders"] == builder.ORDERS
    assert builder.ORDERS <= counts["order_items"] <= 4 * builder.ORDERS
    assert defects(demo_db) == {
        "null_customer_id": builder.NULL_CUSTOMER_ORDERS,
        "orphan_orders": builder.ORPHAN_ORDERS,
        "bad_status": len(builder.BAD_STATUSES),
        "duplicate_emails": builder.DUPLICATE_EMAILS,
        "null_country": builder.NULL_COUNTRIES,
    }
    # Timestamps are UTC text; the newest update is 3h old (freshness warns at 2h, fails at 6h).
    newest = parse_ts(query(demo_db, "SELECT max(updated_at) FROM orders"))
    age = datetime.now(timezone.utc) - newest
    assert timedelta(hours=3) <= age < timedelta(hours=3, minutes=10)
    assert query(demo_db, "SELECT count(*) FROM orders WHERE updated_at < created_at") == 0


def test_builder_is_deterministic(tmp_path: Path) -> None:
    """Same seed, same data: only the timestamps move with the time of the build."""
    builder = load_builder()
    first_now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    second_now = first_now + timedelta(days=40, hours=5, seconds=7)
    a = builder.build(tmp_path / "a.db", now=first_now)
    b = builder.build(tmp_path / "b.db", now=second_now)
    assert row_counts(tmp_path / "a.db") == row_counts(tmp_path / "b.db")
    assert defects(tmp_path / "a.db") == defects(tmp_path / "b.db")

    def relative(rows: list[tuple[Any, ...]], now: datetime, at: int) -> list[tuple[Any, ...]]:
        """Rows with the timestamps (columns ``at`` and later) replaced by their age at now."""
        return [(*row[:at], *(now - parse_ts(v) for v in row[at:])) for row in rows]

    assert relative(a.customers, first_now, 4) == relative(b.customers, second_now, 4)
    assert relative(a.orders, first_now, 5) == relative(b.orders, second_now, 5)
    assert a.order_items == b.order_items
    # and a rebuild over an existing file replaces it
    builder.build(tmp_path / "a.db", now=second_now)
    assert row_counts(tmp_path / "a.db") == row_counts(tmp_path / "b.db")
    assert not list(tmp_path.glob("*.partial"))


def test_another_seed_gives_other_data_with_the_same_defects(tmp_path: Path) -> None:
    builder = load_builder()
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    a = builder.build(tmp_path / "a.db", now=now)
    b = builder.build(tmp_path / "b.db", now=now, seed=1)
    assert a.orders != b.orders
    assert defects(tmp_path / "a.db") == defects(tmp_path / "b.db")


# -- the suites -----------------------------------------------------------------------------------


def test_suites_validate() -> None:
    result = invoke(["validate", CHECKS], 0)
    assert result.stdout.strip() == f"ok: 2 suites, {len(EXPECTED)} checks"


def test_demo_run_exits_1_with_pass_warn_and_fail(report: dict[str, Any]) -> None:
    # the process's exit code 1 is asserted by run_json in the fixture
    assert report["exit_code"] == 1
    assert report["status"] == "fail"
    statuses = {c["status"] for c in report["checks"]}
    assert statuses == {"pass", "warn", "fail"}
    assert report["summary"] == {
        "total": len(EXPECTED),
        "pass": list(EXPECTED.values()).count("pass"),
        "warn": list(EXPECTED.values()).count("warn"),
        "fail": list(EXPECTED.values()).count("fail"),
        "error": 0,
    }
    assert {name: c["status"] for name, c in by_name(report).items()} == EXPECTED


def test_demo_failures_are_the_deliberate_defects(report: dict[str, Any], demo_db: Path) -> None:
    checks = by_name(report)
    found = defects(demo_db)
    assert checks["orders.orders_customer_id_not_null"]["value"] == found["null_customer_id"]
    assert checks["orders.orders_status_accepted"]["value"] == found["bad_status"]
    assert checks["customers.customers_email_unique"]["value"] == found["duplicate_emails"]

    orphans = checks["orders.orders_customer_exists"]
    assert orphans["value"] == found["orphan_orders"]
    orphan_ids = {
        row[0]
        for row in sqlite3.connect(demo_db).execute(
            "SELECT id FROM orders WHERE customer_id NOT IN (SELECT id FROM customers)"
        )
    }
    assert {row["id"] for row in orphans["rows"]} == orphan_ids


def test_demo_passing_values_match_the_data(report: dict[str, Any], demo_db: Path) -> None:
    checks = by_name(report)
    assert checks["orders.orders_has_rows"]["value"] == query(
        demo_db, "SELECT count(*) FROM orders"
    )
    assert checks["customers.customers_has_rows"]["value"] == query(
        demo_db, "SELECT count(*) FROM customers"
    )
    assert checks["orders.orders_amount_avg"]["value"] == pytest.approx(
        query(demo_db, "SELECT avg(amount) FROM orders")
    )
    assert checks["orders.orders_amount_not_negative"]["value"] == pytest.approx(
        query(demo_db, "SELECT min(amount) FROM orders")
    )
    nulls = query(demo_db, "SELECT count(*) FROM customers WHERE country IS NULL")
    rows = query(demo_db, "SELECT count(*) FROM customers")
    assert checks["customers.customers_country_mostly_known"]["value"] == pytest.approx(
        100 * nulls / rows
    )
    cancelled = query(demo_db, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert checks["orders.orders_cancelled_percent"]["value"] == pytest.approx(
        100 * cancelled / query(demo_db, "SELECT count(*) FROM orders")
    )
    for name in ("customers.customers_schema", "orders.orders_schema"):
        assert checks[name]["value"] == 0, checks[name]["message"]


def test_demo_freshness_warns_at_about_three_hours(report: dict[str, Any], demo_db: Path) -> None:
    fresh = by_name(report)["orders.orders_fresh"]
    newest = parse_ts(query(demo_db, "SELECT max(updated_at) FROM orders"))
    expected = (report["_ran_at"] - newest).total_seconds()
    assert fresh["status"] == "warn"
    assert fresh["value"] == pytest.approx(expected, abs=60)
    assert fresh["bounds"] == {"fail": {"max": 6 * 3600}, "warn": {"max": 2 * 3600}}


def test_demo_text_report_shows_the_table(demo_db: Path) -> None:
    args = ["run", CHECKS, "--url", f"sqlite:///{demo_db}", "--explain-exit"]
    result = invoke(args, 1, env={"NO_COLOR": "1"})
    lines = result.stdout.splitlines()
    for name, status in EXPECTED.items():
        assert any(line.split()[:2] == [status.upper(), name] for line in lines), name
    counts = [list(EXPECTED.values()).count(s) for s in ("pass", "warn", "fail")]
    summary = "{} checks: {} pass, {} warn, {} fail, 0 error".format(len(EXPECTED), *counts)
    assert any(line.startswith(summary) for line in lines), result.stdout
    assert "exit code 1: at least one check failed" in result.stdout


def test_ds_variable_narrows_the_dated_checks(demo_db: Path) -> None:
    ds = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%d")
    args = [CHECKS, "--url", f"sqlite:///{demo_db}", "--var", f"ds={ds}", "--select", "*_has_rows"]
    checks = by_name(run_json(args))
    for table in ("orders", "customers"):
        recent = query(demo_db, f"SELECT count(*) FROM {table} WHERE created_at >= ?", ds)
        assert 0 < recent < query(demo_db, f"SELECT count(*) FROM {table}")
        assert checks[f"{table}.{table}_has_rows"]["value"] == recent


# -- portability ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_demo_suites_give_the_same_results_on_postgresql(pg_db: str) -> None:
    """The suites' SQL is portable: on PostgreSQL, the same data ends the same way."""
    from sqlalchemy import create_engine

    builder = load_builder()
    data = builder.generate(datetime.now(timezone.utc))
    # UTC timestamps as timestamptz, so ages do not depend on the server's time zone.
    ddl = builder.SCHEMA.replace("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")

    engine = create_engine(pg_db)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(ddl)
            conn.exec_driver_sql(
                "INSERT INTO customers VALUES (%s, %s, %s, %s, %s)",
                [(*c[:4], c[4] + "+00") for c in data.customers],
            )
            conn.exec_driver_sql(
                "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(*o[:5], o[5] + "+00", o[6] + "+00") for o in data.orders],
            )
            conn.exec_driver_sql(
                "INSERT INTO order_items VALUES (%s, %s, %s, %s, %s)", data.order_items
            )
    finally:
        engine.dispose()
    report = run_json([CHECKS, "--url", pg_db], 1)
    statuses = {name: c["status"] for name, c in by_name(report).items()}
    assert statuses == EXPECTED, [c["message"] or c["error"] for c in report["checks"]]


def test_demo_gives_the_same_statuses_on_duckdb(tmp_path: Path) -> None:
    """`make demo ENGINE=duckdb`: the builder writes a DuckDB file; every check ends as on
    SQLite but the two schema checks, and samples are shown. The schema checks read DuckDB's
    own catalog and fail for a real difference: DuckDB stores CHAR(2) and TEXT as VARCHAR."""
    db = tmp_path / "demo.duckdb"
    proc = subprocess.run(
        [sys.executable, str(BUILDER), "--engine", "duckdb", "--output", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    ran = run_dqcheck(["run", CHECKS, "--url", f"duckdb:///{db}", "--format", "json"])
    report = strict_json(ran.stdout)
    statuses = {name: c["status"] for name, c in by_name(report).items()}
    schema = {n for n in EXPECTED if n.endswith("_schema")}
    others = {n: s for n, s in statuses.items() if n not in schema}
    assert others == {n: s for n, s in EXPECTED.items() if n not in schema}, report["checks"]
    for name in schema:
        check = by_name(report)[name]
        assert check["status"] == "fail" and "is character varying, expected " in check["message"]
    assert ran.returncode == 1, ran.stderr  # what `make demo ENGINE=duckdb` expects
    failed = [c for c in report["checks"] if c["status"] in ("fail", "warn")]
    row_level = {"accepted_values", "duplicate_count", "null_count", "relationship", "failing_rows"}
    assert failed and all(c["samples"] for c in failed if c["type"] in row_level), failed
