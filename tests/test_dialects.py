"""The dialect matrix (SPEC 10): every check type, its samples query and a grouped plan, compiled
with the SQLAlchemy dialect of each warehouse and parsed by sqlglot in that warehouse's dialect;
and the SQL of a few representative checks pinned per dialect as golden files.

Compile only: no database and no DBAPI is needed (SQL Server's dialect is built without
pyodbc). Each statement is compiled as ``--dry-run`` shows it (``Query.render``: ``:name``
placeholders, values bound apart), then, to be parsed, its placeholders are replaced by the
values written as literals *of that dialect* (sqlglot writes them: ``'o\\'k'`` on BigQuery,
``'o''k'`` elsewhere). A statement passes when sqlglot reads exactly one statement, a SELECT,
with nothing that writes, that survives a round trip in the dialect, and with none of the
constructs the engine lacks (``HAZARDS``: sqlglot's parsers are lenient, e.g. its T-SQL parser
reads ``LIMIT``, which SQL Server refuses).

Golden files: ``tests/golden/sql/<dialect>/<name>.sql``, compared exactly (lines without
trailing blanks); after an intended change regenerate them with
``DQCHECK_REGENERATE_GOLDEN=1 pytest tests/test_dialects.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Dialect, make_url
from test_redshift_sql import EXAMPLES, FORBIDDEN, VARS  # tests/ is on sys.path

from dqcheck import api
from dqcheck.checks import REGISTRY
from dqcheck.checks.base import Answer, Check
from dqcheck.fields import TableRef
from dqcheck.plan import Query, grouped_distinct, make_plan
from dqcheck.sql import clock_statement, where_clause

#: dqcheck's name of an engine: (SQLAlchemy URL of its dialect, sqlglot's name of its dialect).
ENGINES: dict[str, tuple[str, str]] = {
    "redshift": ("redshift+psycopg2://", "redshift"),
    "snowflake": ("snowflake://", "snowflake"),
    "bigquery": ("bigquery://", "bigquery"),
    "trino": ("trino://", "trino"),
    "databricks": ("databricks://", "databricks"),
    "mssql": ("mssql+pyodbc://", "tsql"),
    "mysql": ("mysql+pymysql://", "mysql"),
    "duckdb": ("duckdb://", "duckdb"),
    "postgresql": ("postgresql+psycopg2://", "postgres"),
    "sqlite": ("sqlite://", "sqlite"),
}

# Examples of check types that tests/test_redshift_sql.py's EXAMPLES does not have (yet).
EXTRA_EXAMPLES: dict[str, list[str]] = {
    "anomaly": [
        "{name: dl_anomaly, type: anomaly, table: shop.orders, expression: 'sum(amount)',"
        " where: 'created_at >= :ds'}",
    ],
}

_ANY = re.compile(r".")
_BACKTICK = re.compile(r"`")
_DOUBLE_QUOTE = re.compile(r'"')
#: Constructs each engine lacks, searched in the SQL as rendered (placeholders, no literals).
HAZARDS: dict[str, dict[str, re.Pattern[str]]] = {
    "all": {
        **FORBIDDEN,
        "COUNT(DISTINCT a, b) of several columns": re.compile(
            r"COUNT\s*\(\s*DISTINCT\s+[^()]*,", re.I
        ),
    },
    # ` quotes identifiers, " quotes strings (MySQL without ANSI_QUOTES, BigQuery, Databricks)
    "bigquery": {'" quotes': _DOUBLE_QUOTE},
    "databricks": {'" quotes': _DOUBLE_QUOTE},
    "mysql": {'" quotes': _DOUBLE_QUOTE},
    # SQL Server: TOP, not LIMIT; [x] quotes (" only with QUOTED_IDENTIFIER ON)
    "tsql": {
        "LIMIT": re.compile(r"\bLIMIT\b", re.I),
        "` quotes": _BACKTICK,
        '" quotes': _DOUBLE_QUOTE,
        "CURRENT_TIMESTAMP without offset": re.compile(r"\bCURRENT_TIMESTAMP\b", re.I),
    },
    **{name: {"` quotes": _BACKTICK} for name in ("redshift", "postgres", "snowflake", "trino")},
    **{name: {"` quotes": _BACKTICK} for name in ("duckdb", "sqlite")},
}
assert not set(HAZARDS) - {"all"} - {glot for _, glot in ENGINES.values()}

PLACEHOLDER = re.compile(r"(?<![:\w]):`?(\w+)`?")  # Databricks writes :`name`


def examples() -> dict[str, list[str]]:
    return {**EXTRA_EXAMPLES, **EXAMPLES}


def write_suite(path: Path, name: str, checks: list[str]) -> Path:
    lines = [f"suite: {name}", "vars:", *(f'  {k}: "{v}"' for k, v in VARS.items()), "checks:"]
    path.write_text("\n".join([*lines, *(f"  - {c}" for c in checks)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> list[Check]:
    every = [example for group in examples().values() for example in group]
    path = write_suite(tmp_path_factory.mktemp("dialects") / "all.yml", "all_types", every)
    return list(api.plan(api.load_suites([path])).checks)


@cache
def dialect_of(engine: str) -> Dialect:
    """The engine's SQLAlchemy dialect, built without its DBAPI (nothing connects)."""
    url, _ = ENGINES[engine]
    return make_url(url).get_dialect()()  # type: ignore[no-any-return]


def render(stmt: Any, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """``stmt`` compiled as ``Query.render`` shows SQL (``:name`` placeholders), a ``LIMIT`` or
    ``TOP`` that the dialect renders at execution time written in."""
    named = type(dialect)(paramstyle="named")  # type: ignore[call-arg]
    compiled = stmt.compile(dialect=named, compile_kwargs={"render_postcompile": True})
    return str(compiled).strip(), dict(compiled.params)


def glot_literal(value: Any, glot: str) -> str:
    from sqlglot import exp

    if isinstance(value, bool):
        node: exp.Expression = exp.Boolean(this=value)
    elif isinstance(value, (int, float)):
        node = exp.Literal.number(value)
    else:
        node = exp.Literal.string(str(value))
    return node.sql(dialect=glot)


def inline(sql: str, params: dict[str, Any], glot: str) -> str:
    names = set(PLACEHOLDER.findall(sql))
    assert names <= set(params), f"placeholders without a value: {names - set(params)}\n{sql}"
    return PLACEHOLDER.sub(lambda m: glot_literal(params[m.group(1)], glot), sql)


def statements_of(checks: list[Check], dialect: Dialect) -> Iterator[tuple[str, str, dict]]:
    """(what, SQL, parameters) of every statement ``checks`` run: their plan's queries (as
    ``Query.render`` shows them) and their samples queries."""
    for query in make_plan(checks).queries:
        sql = query.render(dialect)
        if sql is not None:
            yield query.describe(), sql, query.params(dialect)
    for check in checks:
        ask = check.sample_ask(5)
        if ask is not None and ask.answer is Answer.PRIMARY_KEY:
            ask = check.sample_ask(5, ("id",))
        if ask is not None:
            yield (f"samples of {check.id}", *render(ask.statement, dialect))


def problems(sql: str, params: dict[str, Any], glot: str) -> list[str]:
    """What is wrong with ``sql`` for the engine sqlglot calls ``glot`` (nothing: [])."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    found = [
        f"{construct} ({pattern.pattern})"
        for group in ("all", glot)
        for construct, pattern in HAZARDS.get(group, {}).items()
        if pattern.search(sql)
    ]
    found += [f"the value {v!r} is pasted" for v in VARS.values() if v in sql]
    text = inline(sql, params, glot)
    try:
        trees = [t for t in sqlglot.parse(text, read=glot) if t is not None]
    except ParseError as exc:
        return [*found, f"sqlglot cannot parse it: {str(exc).splitlines()[0]}"]
    if len(trees) != 1:
        return [*found, f"{len(trees)} statements"]
    (tree,) = trees
    if not isinstance(tree, exp.Select):
        found.append(f"not a SELECT but {type(tree).__name__}")
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Command)
    found += [f"writes: {type(node).__name__}" for node in tree.find_all(*writes)]
    try:
        sqlglot.parse_one(tree.sql(dialect=glot), read=glot)
    except ParseError as exc:
        found.append(f"no round trip: {str(exc).splitlines()[0]}")
    return found


# -- the matrix -----------------------------------------------------------------------------------


def test_every_check_type_has_an_example(checks: list[Check]) -> None:
    missing = sorted(set(REGISTRY) - {c.type for c in checks})
    assert not missing, f"add an example of {missing} to EXAMPLES in tests/test_redshift_sql.py"


def test_dialects_are_built_without_a_dbapi() -> None:
    for engine, (url, _) in ENGINES.items():
        assert dialect_of(engine).name in url.split("+")[0].split(":")[0], engine


@pytest.mark.parametrize("check_type", sorted(REGISTRY))
@pytest.mark.parametrize("engine", list(ENGINES))
def test_check_type_compiles_and_parses(checks: list[Check], engine: str, check_type: str) -> None:
    """Each statement of each example of the type, and its samples query."""
    typed = [c for c in checks if c.type == check_type]
    assert typed, f"no example of {check_type}"
    _, glot = ENGINES[engine]
    seen = 0
    for what, sql, params in statements_of(typed, dialect_of(engine)):
        seen += 1
        assert not problems(sql, params, glot), (what, sql, problems(sql, params, glot))
    # schema reads the catalogue by reflection: the only type without SQL
    assert seen or check_type == "schema", f"{check_type} compiled to no statement"


@pytest.mark.parametrize("engine", list(ENGINES))
def test_grouped_plan_is_one_select_per_table_and_filter(checks: list[Check], engine: str) -> None:
    plan = make_plan(checks)
    scans = [q for q in plan.queries if q.is_scan and q.where]
    assert len(scans) == 1, [q.describe() for q in scans]
    (scan,) = scans
    assert len({c.type for c in scan.checks}) >= 7, [c.type for c in scan.checks]
    _, glot = ENGINES[engine]
    sql = scan.render(dialect_of(engine))
    assert sql is not None
    assert not problems(sql, scan.params(dialect_of(engine)), glot), sql
    assert sql.count("SELECT") == 1 and "GROUP BY" not in sql  # one scan, no subquery


@pytest.mark.parametrize("engine", list(ENGINES))
def test_split_distinct_count_and_clock_parse(engine: str) -> None:
    """The other statements a run sends: a distinct count split off by ``plan: fastest``, and
    the database clock read beside a freshness scan."""
    dialect, (_, glot) = dialect_of(engine), ENGINES[engine]
    where = where_clause("created_at >= :ds", {"ds": VARS["ds"]})
    distinct, _ = grouped_distinct(TableRef(schema="shop", name="orders"), where, "id")
    for stmt in (distinct, clock_statement()):
        sql, params = render(stmt, dialect)
        assert not problems(sql, params, glot), sql


def test_hazards_are_caught() -> None:
    """The matrix can fail: a LIMIT on SQL Server, a quote of another engine, a multi-column
    COUNT(DISTINCT), a second statement, a write."""
    assert problems("SELECT a FROM t LIMIT 5", {}, "tsql")
    assert problems('SELECT "a" FROM t', {}, "bigquery")
    assert problems("SELECT count(DISTINCT a, b) FROM t", {}, "mysql")
    assert problems("SELECT 1; SELECT 2", {}, "postgres")
    assert problems("DELETE FROM t", {}, "postgres")
    assert problems("SELECT a FROM t WHERE b = :x", {"x": VARS["st"]}, "postgres") == []
    assert not problems("SELECT TOP 5 a FROM t", {}, "tsql")


# -- identifiers ----------------------------------------------------------------------------------


def test_names_are_case_sensitive_as_written_and_lower_case_is_the_engines_default() -> None:
    """``orders`` is the engine's unquoted (case-insensitive) name: ORDERS on Snowflake;
    ``Orders`` is quoted as written (see ``dqcheck.dialects``)."""
    from sqlalchemy import func, select

    from dqcheck.sql import table_of

    def sql(engine: str, schema: str, name: str) -> str:
        stmt = select(func.count()).select_from(table_of(TableRef(schema=schema, name=name)))
        return render(stmt, dialect_of(engine))[0]

    assert "FROM shop.orders" in sql("snowflake", "shop", "orders")
    assert 'FROM "Shop"."Orders"' in sql("snowflake", "Shop", "Orders")
    assert 'FROM shop."ORDERS"' in sql("snowflake", "shop", "ORDERS")
    assert "FROM [Shop].[Orders]" in sql("mssql", "Shop", "Orders")
    assert "FROM `Shop`.`Orders`" in sql("bigquery", "Shop", "Orders")
    assert 'FROM "Shop"."Orders"' in sql("trino", "Shop", "Orders")


# -- golden files ---------------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "sql"
GOLDEN_CHECKS = [
    "{name: rows, type: row_count, table: shop.orders, where: 'created_at >= :ds'}",
    "{name: customer_nulls, type: null_count, table: shop.orders, column: customer_id,"
    " where: 'created_at >= :ds'}",
    "{name: id_unique, type: duplicate_count, table: shop.orders, column: id,"
    " where: 'created_at >= :ds'}",
    "{name: status_known, type: accepted_values, table: shop.orders, column: status,"
    " values: [paid, new, \"o'k\"], where: 'created_at >= :ds'}",
    "{name: avg_amount, type: aggregate, table: shop.orders, expression: avg(amount), min: 1,"
    " where: 'created_at >= :ds'}",
    "{name: fresh, type: freshness, table: shop.orders, column: updated_at, max_age: 6h,"
    " where: 'created_at >= :ds'}",
    "{name: line_unique, type: duplicate_count, table: shop.order_items, columns: [order_id, sku]}",
    "{name: refunds, type: failing_rows,"
    " sql: 'SELECT id, amount FROM shop.orders WHERE amount < 0 AND created_at >= :ds'}",
]


@pytest.fixture(scope="module")
def golden_checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Check]:
    path = write_suite(tmp_path_factory.mktemp("golden") / "g.yml", "golden", GOLDEN_CHECKS)
    return {c.name: c for c in api.plan(api.load_suites([path])).checks}


def golden_statements(checks: dict[str, Check], dialect: Dialect) -> dict[str, str]:
    """The pinned SQL of each representative statement, by file name."""

    def only(*names: str) -> Query:
        (query,) = make_plan([checks[n] for n in names]).queries
        return query

    def text(query: Query) -> str:
        sql = query.render(dialect)
        assert sql is not None
        return sql

    def sample(name: str) -> str:
        ask = checks[name].sample_ask(5)
        assert ask is not None
        return render(ask.statement, dialect)[0]

    scanned = ("rows", "customer_nulls", "id_unique", "status_known", "avg_amount", "fresh")
    return {
        "grouped_scan": text(only(*scanned)),
        "duplicate_count_columns": text(only("line_unique")),
        "duplicate_count_columns_samples": sample("line_unique"),
        "freshness": text(only("fresh")),
        "clock": render(clock_statement(), dialect)[0],
        "accepted_values": text(only("status_known")),
        "accepted_values_samples": sample("status_known"),
        "failing_rows": text(only("refunds")),
    }


def _lines(sql: str) -> str:
    return "\n".join(line.rstrip() for line in sql.splitlines()) + "\n"


@pytest.mark.parametrize("engine", list(ENGINES))
def test_golden_sql(golden_checks: dict[str, Check], engine: str) -> None:
    folder = GOLDEN / engine
    pinned = golden_statements(golden_checks, dialect_of(engine))
    if os.environ.get("DQCHECK_REGENERATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in set(folder.glob("*.sql")) - {folder / f"{n}.sql" for n in pinned}:
            stale.unlink()
        for name, sql in pinned.items():
            (folder / f"{name}.sql").write_text(_lines(sql), encoding="utf-8")
    assert sorted(p.stem for p in folder.glob("*.sql")) == sorted(pinned)
    for name, sql in pinned.items():
        assert _lines(sql) == (folder / f"{name}.sql").read_text(encoding="utf-8"), name


def test_golden_engines_are_the_matrix() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(ENGINES)
