"""``dqcheck init``: profile a small shop (one scan per table) on PostgreSQL and SQLite, write a
suite that validates and passes on the same data, and fails on each planted defect."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
import yaml
from clitools import invoke, run_json

from dqcheck.fields import TableRef
from dqcheck.init import clean_max_age, null_percent_ceiling, row_count_floor

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 40
STATUSES = ("paid", "placed", "shipped")


@dataclass
class Shop:
    """A shop database: its URL, the schema holding customers and orders, and a way to change
    its data (autocommit)."""

    url: str
    schema: str
    execute: Callable[..., None]

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"


def _rows() -> list[tuple[Any, ...]]:
    """orders: id, customer_id (repeats), order_ref (unique, not declared so), status, channel
    (nullable, no NULLs), note (nullable, a quarter NULL), amount, updated_at, created_at."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = []
    for i in range(1, ORDERS + 1):
        stamp = now - timedelta(minutes=30 + i)
        note = None if i % 4 == 0 else ("gift" if i % 2 else "rush")
        rows.append(
            (
                i,
                1 + i % 10,
                f"R{i:04d}",
                STATUSES[i % 3],
                "web" if i % 2 else "shop",
                note,
                f"{i * 1.5:.2f}",
                stamp,
                stamp - timedelta(days=1),
            )
        )
    return rows


CUSTOMERS = [(i, f"c{i}@example.com", f"name {i % 6}") for i in range(1, 11)]


@pytest.fixture
def pg_shop(pg_db: str) -> Shop:
    pgserver.execute(
        pg_db,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.customers (id int PRIMARY KEY, email text NOT NULL UNIQUE,"
        " name varchar(50) NOT NULL)",
        "CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL,"
        " order_ref text NOT NULL, status varchar(20) NOT NULL, channel text, note text,"
        " amount numeric(10,2), updated_at timestamptz NOT NULL, created_at timestamp)",
    )
    for c in CUSTOMERS:
        pgserver.execute(pg_db, "INSERT INTO shop.customers VALUES (%s, %s, %s)", params=c)
    for row in _rows():
        pgserver.execute(
            pg_db, "INSERT INTO shop.orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", params=row
        )
    return Shop(pg_db, "shop", lambda *s: pgserver.execute(pg_db, *s))


def _sqlite_shop(path: Path) -> Shop:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
            " name VARCHAR(50) NOT NULL);"
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
            " order_ref TEXT NOT NULL, status VARCHAR(20) NOT NULL, channel TEXT, note TEXT,"
            " amount NUMERIC(10, 2), updated_at TIMESTAMP NOT NULL, created_at DATETIME);"
        )
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?)", CUSTOMERS)
        text = "%Y-%m-%d %H:%M:%S"  # SQLite keeps timestamps as text, in UTC
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r[:6], float(r[6]), r[7].strftime(text), r[8].strftime(text)) for r in _rows()],
        )
    conn.close()

    def execute(*statements: str) -> None:
        with sqlite3.connect(path) as conn:
            for statement in statements:
                conn.execute(statement)
        conn.close()

    return Shop(f"sqlite:///{path}", "main", execute)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_shop")
    else:
        yield _sqlite_shop(tmp_path / "shop.db")


def _init(shop: Shop, out: Path, *extra: str) -> dict[str, Any]:
    invoke(["init", "--schema", shop.schema, "--url", shop.url, "--output", out, *extra], 0)
    suite = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert isinstance(suite, dict)
    return suite


def _failing(shop: Shop, out: Path) -> set[str]:
    report = run_json([out, "--url", shop.url], 1)
    assert not [c for c in report["checks"] if c["status"] == "error"], report["checks"]
    return {c["name"] for c in report["checks"] if c["status"] == "fail"}


# -- the whole loop: init, validate, run, plant defects --------------------------------------------


def test_init_profiles_a_schema_into_a_suite_that_passes(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "shop.yml"
    suite = _init(shop, out)
    assert suite["suite"] == shop.schema and "connection" not in suite
    checks = {c["name"]: c for c in suite["checks"]}
    assert {n: c["type"] for n, c in checks.items()} == {
        "customers_row_count": "row_count",
        "customers_schema": "schema",
        "orders_row_count": "row_count",
        "orders_channel_not_null": "null_count",
        "orders_amount_not_null": "null_count",
        "orders_created_at_not_null": "null_count",
        "orders_channel_accepted_values": "accepted_values",
        "orders_note_null_percent": "null_percent",
        "orders_note_accepted_values": "accepted_values",
        "orders_order_ref_unique": "duplicate_count",
        "orders_status_accepted_values": "accepted_values",
        "orders_freshness": "freshness",
        "orders_schema": "schema",
    }  # no null checks on NOT NULL columns, no duplicate check on id or the UNIQUE email
    assert checks["orders_row_count"]["min"] == ORDERS // 2
    assert checks["orders_status_accepted_values"]["values"] == list(STATUSES)
    assert checks["orders_note_null_percent"]["max"] == 39  # 25% × 1.5 + 1, rounded up
    fresh = checks["orders_freshness"]
    assert (fresh["column"], fresh["max_age"]) == ("updated_at", "2h")  # 31 minutes old
    assert list(checks["orders_schema"]["columns"]) == [
        "id", "customer_id", "order_ref", "status", "channel", "note", "amount", "updated_at",
        "created_at",
    ]  # fmt: skip
    assert checks["orders_schema"]["columns"]["status"] == "character varying(20)"
    text = out.read_text(encoding="utf-8")
    assert "# Starter suite written by `dqcheck init --schema" in text
    assert f"# -- {shop.table('orders')}: {ORDERS} rows" in text
    assert "# NOT NULL, enforced by the database (no null check): id, customer_id" in text
    assert shop.url not in text and "sqlite:" not in text and "postgresql:" not in text

    invoke(["validate", out], 0)
    report = run_json([out, "--url", shop.url], 0)
    assert {c["status"] for c in report["checks"]} == {"pass"}, report["checks"]
    assert len(report["checks"]) == len(checks)


def test_each_planted_defect_fails_its_check(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "shop.yml"
    _init(shop, out)
    orders = shop.table("orders")
    stamp = "CURRENT_TIMESTAMP"
    insert = (
        f"INSERT INTO {orders} (id, customer_id, order_ref, status, channel, note, amount,"
        f" updated_at, created_at) VALUES (999, 1, {{ref}}, {{status}}, {{channel}}, 'gift', 1,"
        f" {stamp}, {stamp})"
    )
    defects = {
        "orders_channel_not_null": insert.format(ref="'R9999'", status="'paid'", channel="NULL"),
        "orders_order_ref_unique": insert.format(ref="'R0001'", status="'paid'", channel="'web'"),
        "orders_status_accepted_values": insert.format(
            ref="'R9999'", status="'lost'", channel="'web'"
        ),
    }
    for check, plant in defects.items():
        shop.execute(plant)
        try:
            assert _failing(shop, out) == {check}
        finally:
            shop.execute(f"DELETE FROM {orders} WHERE id = 999")
    run_json([out, "--url", shop.url], 0)  # and clean again


# -- options ---------------------------------------------------------------------------------------


@pytest.fixture
def lite(tmp_path: Path) -> Shop:
    return _sqlite_shop(tmp_path / "shop.db")


def test_conn_id_is_written_as_the_suites_connection(lite: Shop, tmp_path: Path) -> None:
    env = {"AIRFLOW_CONN_SHOP_DB": lite.url}
    out = tmp_path / "shop.yml"
    args = ["init", "--table", "orders", "--conn-id", "shop_db", "--output", out]
    invoke(args, 0, env=env)
    suite = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert suite["connection"] == "shop_db"
    assert "sqlite" not in out.read_text(encoding="utf-8")
    report = run_json([out], 0, env=env)  # the suite finds its database by itself
    assert {c["status"] for c in report["checks"]} == {"pass"}


def test_an_existing_output_needs_force(lite: Shop, tmp_path: Path) -> None:
    out = tmp_path / "shop.yml"
    out.write_text("# my edited suite\n", encoding="utf-8")
    args = ["init", "--table", "orders", "--url", lite.url, "--output", out]
    result = invoke(args, 2)
    assert str(out) in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "# my edited suite\n"
    invoke([*args, "--force"], 0)
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["suite"] == "orders"


def test_tables_repeated_share_one_suite(lite: Shop, tmp_path: Path) -> None:
    result = invoke(
        ["init", "--table", "orders", "--table", "main.customers", "--url", lite.url], 0
    )
    suite = yaml.safe_load(result.stdout)  # stdout by default
    assert suite["suite"] == "starter"
    assert {c["table"] for c in suite["checks"]} == {"orders", "main.customers"}
    names = [c["name"] for c in suite["checks"]]
    assert len(names) == len(set(names))
    assert "orders_row_count" in names and "customers_row_count" in names
    assert "--table orders --table main.customers" in result.stdout


@pytest.mark.parametrize(
    "args",
    [[], ["--table", "orders", "--schema", "main"]],
    ids=["neither", "both"],
)
def test_exactly_one_of_table_and_schema(lite: Shop, args: list[str]) -> None:
    result = invoke(["init", *args, "--url", lite.url], 2)
    assert "--table" in result.stderr and "--schema" in result.stderr


def test_a_missing_table_is_a_clear_error(lite: Shop) -> None:
    result = invoke(["init", "--table", "orders", "--table", "nope", "--url", lite.url], 3)
    assert "table nope does not exist" in result.stderr


def test_an_implausible_table_name_is_exit_2(lite: Shop) -> None:
    result = invoke(["init", "--table", "lines; drop table x", "--url", lite.url], 2)
    assert "--table" in result.stderr


@pytest.mark.postgres
def test_a_missing_schema_is_a_clear_error(pg_db: str) -> None:
    result = invoke(["init", "--schema", "nope", "--url", pg_db], 3)
    assert "schema nope has no tables" in result.stderr


@pytest.mark.postgres
def test_same_table_name_in_two_schemas(pg_shop: Shop) -> None:
    pg_shop.execute("CREATE TABLE public.orders (id int)", "INSERT INTO public.orders VALUES (1)")
    args = ["init", "--table", "shop.orders", "--table", "public.orders", "--url", pg_shop.url]
    names = [c["name"] for c in yaml.safe_load(invoke(args, 0).stdout)["checks"]]
    assert "shop_orders_row_count" in names and "public_orders_row_count" in names


def test_an_empty_table_gets_a_suite_that_passes(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT, at TIMESTAMP)")
    conn.close()
    out = tmp_path / "t.yml"
    invoke(["init", "--table", "t", "--url", f"sqlite:///{db}", "--output", out], 0)
    types = [c["type"] for c in yaml.safe_load(out.read_text(encoding="utf-8"))["checks"]]
    assert types == ["row_count", "schema"]
    run_json([out, "--url", f"sqlite:///{db}"], 0)


# -- the profile itself ----------------------------------------------------------------------------


def test_one_scan_and_one_values_query_per_table(lite: Shop) -> None:
    """Apart from reflection (PRAGMA) and the clock, exactly two statements read the table."""
    import sqlalchemy
    from sqlalchemy import event

    from dqcheck.profile import profile_table

    engine = sqlalchemy.create_engine(lite.url)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with engine.connect() as conn:
        p = profile_table(conn, TableRef("orders"))
    engine.dispose()
    reads = [s for s in sent if "FROM orders" in s]
    assert len(reads) == 2, sent
    assert "count(DISTINCT orders.order_ref)" in reads[0]
    assert "ORDER BY" in reads[1]
    assert p.rows == ORDERS
    by_name = {c.name: c for c in p.columns}
    assert (by_name["note"].nulls, by_name["note"].distinct) == (10, 2)
    assert by_name["status"].values == list(STATUSES)
    assert by_name["amount"].minimum == 1.5 and by_name["amount"].maximum == 60


def test_bounds_with_headroom() -> None:
    assert [row_count_floor(n) for n in (0, 1, 2, 3, 1500)] == [1, 1, 1, 1, 750]
    assert null_percent_ceiling(1, 400) == 2  # 0.25% → 1.375 → 2
    assert null_percent_ceiling(10, 40) == 39
    assert null_percent_ceiling(40, 40) == 100
    assert null_percent_ceiling(70, 100) == 100  # 106 capped
    assert [clean_max_age(s) for s in (0, 60, 1800, 3 * 3600, 5 * 3600, 20 * 3600)] == [
        "1h", "1h", "1h", "6h", "12h", "2d",
    ]  # fmt: skip
    assert clean_max_age(400 * 86400) == "800d"


def test_the_demo_database_gives_a_suite_that_validates(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    build = [sys.executable, str(ROOT / "demo" / "make_demo_db.py"), "--output", str(db)]
    subprocess.run(build, check=True, capture_output=True)
    url = f"sqlite:///{db}"
    result = invoke(["init", "--table", "orders", "--table", "customers", "--url", url], 0)
    out = tmp_path / "demo.yml"
    out.write_text(result.stdout, encoding="utf-8")
    invoke(["validate", out], 0)
    checks = {c["name"]: c for c in yaml.safe_load(result.stdout)["checks"]}
    assert checks["orders_freshness"]["column"] == "updated_at"
    assert checks["orders_customer_id_null_percent"]["max"] == 2  # 4 of 1500 NULL
    assert "customers_email_unique" not in checks  # the demo's duplicate emails
    assert set(checks["orders_status_accepted_values"]["values"]) >= {"paid", "shipped"}
