"""The SQL dqcheck emits for PostgreSQL also runs on Redshift (SPEC section 2.3): every check
type's statements are compiled, searched for constructs Redshift lacks, and parsed with sqlglot's
``redshift`` dialect; with sqlalchemy-redshift installed, the ``redshift`` dialect's SQL is checked
the same way and, as a smoke test, a suite runs through that dialect against PostgreSQL.

sqlglot and sqlalchemy-redshift come with the dev extras, so every test here always runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import invoke, strict_json
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.engine import Dialect, make_url

from dqcheck import api
from dqcheck.checks import REGISTRY
from dqcheck.plan import Query

# One example of every check type, each with a `where` or a variable where it takes one, so that
# bound parameters appear in the SQL. A new check type must get an example here.
EXAMPLES: dict[str, list[str]] = {
    "row_count": [
        "{name: rc, type: row_count, table: shop.orders, where: 'created_at >= :ds'}",
        "{name: rc_all, type: row_count, table: orders}",
    ],
    "null_count": [
        "{name: nc, type: null_count, table: shop.orders, column: customer_id,"
        " where: 'created_at >= :ds'}",
    ],
    "null_percent": [
        "{name: np, type: null_percent, table: shop.orders, column: email, max: 5,"
        " where: 'created_at >= :ds'}",
    ],
    "duplicate_count": [
        "{name: dup_one, type: duplicate_count, table: shop.orders, column: id,"
        " where: 'created_at >= :ds'}",
        "{name: dup_pair, type: duplicate_count, table: shop.order_items,"
        " columns: [order_id, sku], where: 'qty > 0'}",
    ],
    "accepted_values": [
        "{name: av, type: accepted_values, table: shop.orders, column: status,"
        " values: [paid, \"o'k\", new], where: 'created_at >= :ds'}",
        "{name: av_num, type: accepted_values, table: orders, column: qty, values: [1, 2, 3]}",
    ],
    "aggregate": [
        "{name: ag, type: aggregate, table: shop.orders, expression: 'avg(amount)', min: 1,"
        " where: 'created_at >= :ds'}",
    ],
    "freshness": [
        "{name: fr, type: freshness, table: shop.orders, column: updated_at, max_age: 6h,"
        " where: 'created_at >= :ds'}",
        "{name: fr_all, type: freshness, table: orders, column: updated_at, max_age: 1d}",
    ],
    "schema": [
        "{name: sc, type: schema, table: shop.orders, columns: {id: int, status: varchar}}",
    ],
    "failing_rows": [
        "{name: fw, type: failing_rows,"
        " sql: 'SELECT id FROM shop.orders WHERE status = :st AND created_at >= :ds'}",
    ],
    "threshold": [
        "{name: th, type: threshold, sql: 'SELECT count(*) FROM shop.orders WHERE status = :st',"
        " max: 10}",
    ],
    "change": [
        "{name: ch, type: change, table: shop.orders, expression: 'sum(amount)',"
        " where: 'created_at >= :ds', max_change_percent: 10}",
    ],
    "anomaly": [
        "{name: an, type: anomaly, table: shop.orders, expression: 'sum(amount)',"
        " where: 'created_at >= :ds', by: weekday, sensitivity: 4, warn: {sensitivity: 3}}",
    ],
    "compare": [
        "{name: cmp, type: compare, table: shop.orders, expression: 'sum(amount)',"
        " to: {table: shop.orders_copy, where: 'created_at >= :ds'}, max_diff_percent: 1}",
    ],
    "relationship": [
        "{name: rel, type: relationship, table: shop.orders, column: customer_id,"
        " to: {table: shop.customers, column: id}, where: 'created_at >= :ds'}",
    ],
}
VARS = {"ds": "2026-01-01", "st": "pa'id"}

FORBIDDEN = {
    "aggregate FILTER clause": re.compile(r"\bFILTER\s*\(", re.I),
    "IS DISTINCT FROM": re.compile(r"\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b", re.I),
    "COUNT(DISTINCT (a, b)) row constructor": re.compile(r"COUNT\s*\(\s*DISTINCT\s*\(", re.I),
    ":: cast": re.compile(r"::"),
    "NOW()": re.compile(r"\bNOW\s*\(", re.I),
}
# Redshift documents these date functions as leader-node only: a query that reads a table
# (every dqcheck query) fails with them.
LEADER_NODE_ONLY = {
    name: re.compile(rf"\b{name}\b", re.I)
    for name in ("CURRENT_TIMESTAMP", "CURRENT_TIME", "LOCALTIME", "NOW", "AGE", "ISFINITE")
}
PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)\b")


def suite_text() -> str:
    lines = ["suite: all_types", "vars:"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in VARS.items()]
    lines.append("checks:")
    lines += [f"  - {example}" for examples in EXAMPLES.values() for example in examples]
    return "\n".join(lines) + "\n"


@pytest.fixture
def plan(tmp_path: Path) -> Any:
    path = tmp_path / "all_types.yml"
    path.write_text(suite_text(), encoding="utf-8")
    return api.plan(api.load_suites([path]))


def pg_dialect() -> Dialect:
    return pg_psycopg2.dialect()  # type: ignore[no-untyped-call]


def redshift_dialect() -> Dialect:
    import sqlalchemy_redshift.dialect as rs

    return rs.RedshiftDialect_psycopg2()  # type: ignore[no-any-return]


def statements(plan: Any, dialect: Dialect) -> Iterator[tuple[Query, str, dict[str, Any]]]:
    """(query, SQL text with :name placeholders, parameters) of every query that has SQL."""
    for query in plan.queries:
        sql = query.render(dialect)
        if sql is None:  # schema: reads the catalogue by reflection
            assert all(c.type == "schema" for c in query.checks)
            continue
        yield query, sql, query.params(dialect)


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, params: dict[str, Any]) -> str:
    """``sql`` with each ``:name`` replaced by its parameter as a SQL literal."""
    names = set(PLACEHOLDER.findall(sql))
    assert names <= set(params), f"placeholders without a value: {names - set(params)}\n{sql}"
    return PLACEHOLDER.sub(lambda m: literal(params[m.group(1)]), sql)


# -- coverage of the examples ---------------------------------------------------------------------


def test_every_check_type_has_an_example() -> None:
    missing = sorted(set(REGISTRY) - set(EXAMPLES))
    assert not missing, f"add an example of {missing} to EXAMPLES"
    assert not set(EXAMPLES) - set(REGISTRY)


def test_every_check_is_answered_by_one_query(plan: Any) -> None:
    answered = [c.id for q in plan.queries for c in q.checks]
    assert sorted(answered) == sorted(c.id for c in plan.checks)
    assert len(set(answered)) == len(answered)
    assert {c.type for c in plan.checks} == set(REGISTRY)


# -- PostgreSQL dialect: the SQL that also goes to Redshift without sqlalchemy-redshift ----------


@pytest.mark.parametrize("construct", list(FORBIDDEN))
def test_postgres_sql_has_no_construct_redshift_lacks(plan: Any, construct: str) -> None:
    for query, sql, _ in statements(plan, pg_dialect()):
        assert not FORBIDDEN[construct].search(sql), f"{query.describe()}:\n{sql}"


def test_postgres_sql_counts_with_count_case(plan: Any) -> None:
    # SPEC 2.3 asks for SUM(CASE WHEN ... THEN 1 ELSE 0 END); COUNT(CASE WHEN ... THEN 1 END)
    # is just as Redshift-safe (no FILTER), is 0 rather than NULL on no rows, and is cheaper.
    scans = [sql for q, sql, _ in statements(plan, pg_dialect()) if q.is_scan]
    assert scans
    conditional = [s for s in scans if "CASE WHEN" in s.upper()]
    assert conditional  # accepted-values counts
    for sql in conditional:
        assert re.search(r"count\(CASE WHEN .* THEN 1 END\)", sql, re.I | re.S), sql


def test_postgres_sql_has_no_leader_node_only_function(plan: Any) -> None:
    """Without sqlalchemy-redshift, Redshift gets the PostgreSQL dialect's SQL (SPEC 3)."""
    for query, sql, _ in statements(plan, pg_dialect()):
        used = [name for name, pattern in LEADER_NODE_ONLY.items() if pattern.search(sql)]
        assert not used, f"{query.describe()} uses {used}, leader-node only on Redshift:\n{sql}"


def test_postgres_sql_binds_variables(plan: Any) -> None:
    for query, sql, params in statements(plan, pg_dialect()):
        assert "pa'id" not in sql and "2026-01-01" not in sql, sql
        for check in query.checks:
            if check.where and ":ds" in check.where:
                assert "2026-01-01" in params.values(), (sql, params)


def test_postgres_sql_parses_as_redshift(plan: Any) -> None:
    import sqlglot
    from sqlglot import exp

    for query, sql, params in statements(plan, pg_dialect()):
        text = inline(sql, params)
        parsed = [e for e in sqlglot.parse(text, read="redshift") if e is not None]
        assert len(parsed) == 1, f"{query.describe()}: one statement expected\n{text}"
        tree = parsed[0]
        assert isinstance(tree, exp.Select) or tree.find(exp.Select), text
        assert not list(tree.find_all(exp.Filter)), f"FILTER clause in\n{text}"
        # And it survives a Redshift round trip (generate and re-parse).
        sqlglot.parse_one(tree.sql(dialect="redshift"), read="redshift")


# -- sqlalchemy-redshift's dialect ----------------------------------------------------------------


def test_redshift_dialect_sql(plan: Any) -> None:
    dialect = redshift_dialect()
    texts = list(statements(plan, dialect))
    assert texts
    for query, sql, _ in texts:
        for construct, pattern in FORBIDDEN.items():
            assert not pattern.search(sql), f"{construct} in {query.describe()}:\n{sql}"
        for name, pattern in LEADER_NODE_ONLY.items():
            assert not pattern.search(sql), f"{name} in {query.describe()}:\n{sql}"


def test_redshift_freshness_scans_max_and_reads_the_clock_apart(plan: Any) -> None:
    # CURRENT_TIMESTAMP/GETDATE/NOW are leader-node functions on Redshift: a scan that reads
    # a table cannot call them. The scan reads MAX(column); the clock is a separate SELECT.
    dialect = redshift_dialect()
    freshness = [
        (q, sql)
        for q, sql, _ in statements(plan, dialect)
        if any(c.type == "freshness" for c in q.checks)
    ]
    assert len(freshness) == 2
    for _, sql in freshness:
        assert "max(updated_at)" in sql
        for function in ("GETDATE", "CURRENT_TIMESTAMP", "NOW(", "SYSDATE", "EXTRACT(EPOCH"):
            assert function not in sql.upper()


def test_redshift_dialect_sql_parses_as_redshift(plan: Any) -> None:
    dialect = redshift_dialect()
    import sqlglot

    for query, sql, params in statements(plan, dialect):
        text = inline(sql, params)
        parsed = [e for e in sqlglot.parse(text, read="redshift") if e is not None]
        assert len(parsed) == 1, f"{query.describe()}\n{text}"


# -- smoke test: sqlalchemy-redshift's dialect against PostgreSQL --------------------------------

# Checks whose SQL is the same on PostgreSQL and Redshift. Left out on purpose: schema (the
# dialect reflects columns from Redshift's catalogue, e.g. SVV_ views).
SMOKE = """\
suite: smoke
vars: {ds: "2026-01-02"}
checks:
  - {name: rows, type: row_count, table: shop.orders, equals: 3}
  - {name: recent, type: row_count, table: shop.orders, where: "created_at >= :ds", equals: 2}
  - {name: customer_nulls, type: null_count, table: shop.orders, column: customer_id, max: 1}
  - {name: email_null_pct, type: null_percent, table: shop.orders, column: email, max: 50}
  - {name: id_unique, type: duplicate_count, table: shop.orders, column: id}
  - {name: pair_unique, type: duplicate_count, table: shop.orders, columns: [id, status]}
  - {name: status_ok, type: accepted_values, table: shop.orders, column: status,
     values: [paid, new]}
  - {name: avg_amount, type: aggregate, table: shop.orders, expression: avg(amount), min: 10}
  - {name: big, type: threshold, sql: "SELECT count(*) FROM shop.orders WHERE amount > 25",
     equals: 1}
  - {name: orphans, type: failing_rows, sql: "SELECT id FROM shop.orders WHERE customer_id IS NULL",
     max: 1}
  - {name: fresh, type: freshness, table: shop.orders, column: created_at, max_age: 36500d}
"""
SMOKE_VALUES = {
    "rows": 3,
    "recent": 2,
    "customer_nulls": 1,
    "email_null_pct": pytest.approx(100 / 3),
    "id_unique": 0,
    "pair_unique": 0,
    "status_ok": 0,
    "avg_amount": pytest.approx(20),
    "big": 1,
    "orphans": 1,
    "fresh": pytest.approx(0, abs=1e12),
}


def _execute(url: str, *statements: str) -> None:
    pgserver.execute(url, *statements)


@pytest.mark.postgres
def test_redshift_dialect_runs_a_suite_on_postgres(tmp_path: Path, pg_db: str) -> None:
    _execute(
        pg_db,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.orders (id integer, customer_id integer, email text, status text,"
        " amount numeric(10, 2), created_at date)",
        "INSERT INTO shop.orders VALUES"
        " (1, 10, NULL, 'paid', 10.00, '2026-01-01'),"
        " (2, NULL, 'b@example.com', 'new', 20.00, '2026-01-02'),"
        " (3, 12, 'c@example.com', 'paid', 30.00, '2026-01-03')",
    )
    # sqlalchemy-redshift asks for SSL (verify-full) by default; the test server has none.
    url = (
        make_url(pg_db)
        .set(drivername="redshift+psycopg2", query={"sslmode": "disable"})
        .render_as_string(hide_password=False)
    )
    suite = tmp_path / "smoke.yml"
    suite.write_text(SMOKE, encoding="utf-8")

    ping = invoke(["ping", "--url", url], 0)
    assert "redshift" in ping.stdout and "PostgreSQL" in ping.stdout

    result = invoke(["run", suite, "--url", url, "--format", "json"], 0)
    report = strict_json(result.stdout)
    assert report["connection"].startswith("redshift+psycopg2://")
    values = {c["name"]: c["value"] for c in report["checks"]}
    assert values == SMOKE_VALUES
    assert all(c["status"] == "pass" for c in report["checks"]), report["checks"]
