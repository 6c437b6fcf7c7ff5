"""SPEC section 7 against a real PostgreSQL (and SQLite): a suite cannot change data, and
neither can a command-line variable or a table/column name.

- Read-only: every write a suite's SQL attempts (``failing_rows`` and ``threshold`` SQL, an
  ``aggregate`` expression calling a function with side effects) ends in ``error`` (exit 3) and
  the data is byte-for-byte what it was; a second statement is a configuration error (exit 2).
  A suite must not be able to lift the read-only transaction either, in one statement or by
  leaving a setting behind on a pooled connection.
- Injection: hostile ``--var`` values are bound, so the query just compares the string;
  hostile ``table``/``column`` values are configuration errors before any query; a legitimate
  odd name (a space, upper case, unicode) works because it is quoted.

Every test runs the CLI in process and compares a fingerprint of the whole database (rows of
every table, the list of relations and functions) before and after.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click.testing
import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import psycopg2
import pytest
import yaml
from clitools import BASE_ENV, TRACEBACK, invoke, strict_json

# -- the database every PostgreSQL test reads -------------------------------------------------

HOSTILE_VALUES = [
    "x'; DROP TABLE t; --",
    "1) OR 1=1 --",
    "' OR '1'='1",
    "\\'; DELETE FROM t; --",
    "$$; DROP TABLE t; $$",
    "%s %(v)s {v} :v ?",
    "名前'); DELETE FROM t; -- 🧨",
    "e\u0301\u200b\u202e' OR 1=1 --",
    "x" * 5000 + "'; DROP TABLE t; --",
]

SETUP = """
CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE "Odd Name" ("Odd Col" integer, "MixedCase" text);
INSERT INTO "Odd Name" VALUES (1, 'a'), (2, 'b');
CREATE TABLE "données" ("clé" integer NOT NULL);
INSERT INTO "données" VALUES (1);
CREATE FUNCTION del_fn() RETURNS integer LANGUAGE plpgsql AS
    $$ BEGIN DELETE FROM t; RETURN 1; END $$;
CREATE FUNCTION upd_fn() RETURNS integer LANGUAGE plpgsql AS
    $$ BEGIN UPDATE t SET name = 'changed'; RETURN 1; END $$;
CREATE FUNCTION ins_fn() RETURNS integer LANGUAGE plpgsql AS
    $$ BEGIN INSERT INTO t VALUES (-1, 'inserted'); RETURN 1; END $$;
CREATE FUNCTION ddl_fn() RETURNS integer LANGUAGE plpgsql AS
    $$ BEGIN CREATE TABLE made_by_fn (x integer); RETURN 1; END $$;
"""
#: rows of t: a few plain names, then one row per hostile value (so a bound comparison finds it)
ROWS = [(i, f"name{i}") for i in range(1, 6)] + [
    (100 + i, value) for i, value in enumerate(HOSTILE_VALUES)
]
FINGERPRINT = """
SELECT
  (SELECT coalesce(string_agg(md5(id::text || ':' || name), ',' ORDER BY id), '') FROM t),
  (SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
  (SELECT string_agg(p.proname, ',' ORDER BY p.proname) FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'),
  (SELECT count(*) FROM "Odd Name"),
  (SELECT count(*) FROM "données")
"""


def _connect(url: str) -> Any:
    conn = psycopg2.connect(**pgserver._connect_kwargs(url))
    conn.autocommit = True
    return conn


def _sql(url: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def fingerprint(url: str) -> tuple[Any, ...]:
    return _sql(url, FINGERPRINT)[0]


@pytest.fixture(scope="module")
def safety_db(pg_url: str) -> Iterator[str]:
    """One database for the module; ``db`` restores its contents before each test."""
    name = f"dqcheck_safety_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(pg_url, name)
    _sql(url, SETUP)
    try:
        yield url
    finally:
        pgserver.drop_database(pg_url, name)


@pytest.fixture
def db(safety_db: str) -> Iterator[str]:
    """The safety database in its known state; the test asserts it is still so afterwards."""
    conn = _connect(safety_db)
    try:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS t2, made_by_fn")
            cur.execute("CREATE TABLE IF NOT EXISTS t (id integer PRIMARY KEY, name text NOT NULL)")
            cur.execute("TRUNCATE t")
            cur.executemany("INSERT INTO t VALUES (%s, %s)", ROWS)
    finally:
        conn.close()
    yield safety_db


# -- running the CLI ----------------------------------------------------------------------------


def cli(args: list[str], env: Mapping[str, str | None] | None = None) -> click.testing.Result:
    """``dqcheck ARGS`` in process, whatever its exit code (the test asserts it, after checking
    the data). A crash is re-raised; a traceback in the output fails the test."""
    from dqcheck.cli import cli as command

    result = click.testing.CliRunner().invoke(
        command,
        [str(a) for a in args],
        env={**BASE_ENV, **(env or {})},
        catch_exceptions=True,
        prog_name="dqcheck",
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        raise result.exception.with_traceback(result.exc_info[2])
    assert TRACEBACK not in result.output, result.output
    return result


def describe(result: click.testing.Result) -> str:
    return (
        f"exit {result.exit_code}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def write_suite(tmp_path: Path, checks: list[dict[str, Any]], name: str = "safety") -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(
        yaml.safe_dump({"suite": name, "checks": checks}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def run_suite(
    tmp_path: Path, url: str, checks: list[dict[str, Any]], *extra: str
) -> tuple[click.testing.Result, dict[str, Any] | None]:
    """Run the checks; returns the result and the JSON report (None when nothing ran)."""
    suite = write_suite(tmp_path, checks)
    result = cli(["run", str(suite), "--url", url, "--format", "json", "--jobs", "1", *extra])
    report = strict_json(result.stdout) if result.stdout.strip() else None
    return result, report


def statuses(report: dict[str, Any] | None) -> dict[str, str]:
    assert report is not None
    return {c["name"]: c["status"] for c in report["checks"]}


# -- 1. read-only -------------------------------------------------------------------------------

WRITES_IN_FAILING_ROWS = {
    "delete": "DELETE FROM t RETURNING *",
    "update": "UPDATE t SET name = 'x' RETURNING *",
    "insert": "INSERT INTO t VALUES (999, 'x') RETURNING *",
    "drop": "DROP TABLE t",
    "create": "CREATE TABLE t2 (id integer)",
    "truncate": "TRUNCATE t",
    "cte_delete": "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "function": "SELECT del_fn() AS n",
}

WRITES_IN_THRESHOLD = {
    "delete": "DELETE FROM t RETURNING 1",
    "update": "UPDATE t SET name = 'x' RETURNING 1",
    "insert": "INSERT INTO t VALUES (999, 'x') RETURNING 1",
    "drop": "DROP TABLE t",
    "create": "CREATE TABLE t2 AS SELECT 1 AS x",
    "truncate": "TRUNCATE t",
    "cte_delete": "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d",
    "cte_update": "WITH u AS (UPDATE t SET name = 'x' RETURNING 1) SELECT count(*) FROM u",
    "select_into": "SELECT 1 AS x INTO t2",
    "function_delete": "SELECT del_fn()",
    "function_ddl": "SELECT ddl_fn()",
    # (a DO body in a '...' string: dqcheck refuses a ';' inside $$...$$, see below)
    "do_block": "DO 'BEGIN DELETE FROM t; END'",
    # trying to lift read-only from inside the check's transaction
    "set_transaction_read_write": "SET TRANSACTION READ WRITE",
    "set_config_read_write": "SELECT length(set_config('transaction_read_only', 'off', true))",
    "do_read_write": "DO 'BEGIN SET TRANSACTION READ WRITE; DELETE FROM t; END'",
    "lock": "LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
}

WRITING_EXPRESSIONS = {
    "delete": "max(del_fn())",
    "update": "sum(upd_fn())",
    "insert": "min(ins_fn())",
    "ddl": "count(ddl_fn())",
}


@pytest.mark.parametrize("sql", WRITES_IN_FAILING_ROWS.values(), ids=list(WRITES_IN_FAILING_ROWS))
def test_a_write_in_failing_rows_ends_in_error(db: str, tmp_path: Path, sql: str) -> None:
    before = fingerprint(db)
    result, report = run_suite(tmp_path, db, [{"name": "w", "type": "failing_rows", "sql": sql}])
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"w": "error"}


@pytest.mark.parametrize("sql", WRITES_IN_THRESHOLD.values(), ids=list(WRITES_IN_THRESHOLD))
def test_a_write_in_threshold_ends_in_error(db: str, tmp_path: Path, sql: str) -> None:
    before = fingerprint(db)
    check = {"name": "w", "type": "threshold", "sql": sql, "min": 0}
    result, report = run_suite(tmp_path, db, [check])
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"w": "error"}


@pytest.mark.parametrize("expression", WRITING_EXPRESSIONS.values(), ids=list(WRITING_EXPRESSIONS))
def test_an_aggregate_calling_a_writing_function_ends_in_error(
    db: str, tmp_path: Path, expression: str
) -> None:
    before = fingerprint(db)
    checks = [
        {"name": "w", "type": "aggregate", "table": "t", "expression": expression, "min": 0},
        # a neighbour in the same scan still gets its value (the scan falls back check by check)
        {"name": "rows", "type": "row_count", "table": "t"},
    ]
    result, report = run_suite(tmp_path, db, checks)
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"w": "error", "rows": "pass"}
    assert "read-only transaction" in report["checks"][0]["message"]


def test_the_read_only_message_is_clear(db: str, tmp_path: Path) -> None:
    check = {"name": "w", "type": "threshold", "sql": "DELETE FROM t RETURNING 1", "min": 0}
    result, report = run_suite(tmp_path, db, [check])
    assert result.exit_code == 3, describe(result)
    assert report is not None
    message = report["checks"][0]["message"]
    assert "cannot execute DELETE in a read-only transaction" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("check_type", "sql"),
    [
        ("threshold", "select 1; delete from t"),
        ("threshold", "SELECT count(*) FROM t;\nDROP TABLE t;"),
        ("failing_rows", "select * from t; delete from t"),
        ("threshold", "select 1 /* ; */ ; delete from t -- ;"),
    ],
)
def test_a_second_statement_is_rejected_before_any_query(
    db: str, tmp_path: Path, check_type: str, sql: str
) -> None:
    before = fingerprint(db)
    check = {"name": "two", "type": check_type, "sql": sql, "min": 0}
    result, report = run_suite(tmp_path, db, [check])
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 2, describe(result)
    assert report is None, "nothing may run"
    assert "single SQL statement" in result.stderr
    assert "check 'two'" in result.stderr and "field 'sql'" in result.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT ';' AS semicolon",
        "SELECT 1 AS x -- trailing comment; with a semicolon",
        "SELECT count(*) FROM t;",
    ],
)
def test_a_semicolon_inside_one_statement_is_fine(db: str, tmp_path: Path, sql: str) -> None:
    result, report = run_suite(
        tmp_path, db, [{"name": "one", "type": "failing_rows", "sql": sql, "max": 1000}]
    )
    assert result.exit_code == 0, describe(result)
    assert statuses(report) == {"one": "pass"}


def test_a_semicolon_in_a_dollar_quoted_string_is_refused_to_be_safe(tmp_path: Path) -> None:
    # The cautious reading (no dollar quoting, as on SQLite and Redshift) sees a separator:
    # dqcheck refuses rather than guess which reading the server will use.
    path = tmp_path / "s.yml"
    path.write_text("checks:\n  - {name: d, type: threshold, sql: 'SELECT $t$;$t$', max: 1}\n")
    result = invoke(["validate", str(path)], 2)
    assert "single SQL statement" in result.stderr


# Ways around the read-only transaction found while writing these tests. Each one is a single
# check that PostgreSQL runs as several statements (psycopg2 sends the query text as is, and the
# server runs every statement in it): the second statement lifts read-only (SET TRANSACTION
# READ WRITE before any snapshot, or COMMIT then BEGIN READ WRITE) and the third writes.
ESCAPES = {
    # an E'' string with a backslash-escaped quote: the splitter thinks the rest is inside it
    "threshold_e_string": {
        "type": "threshold",
        "sql": "SET application_name = E'\\''; SET TRANSACTION READ WRITE; "
        "DELETE FROM t RETURNING 1; --'",
        "min": 0,
    },
    # `x$y$` is an identifier to PostgreSQL (`$` may follow the first character), not the
    # start of a dollar-quoted string
    "threshold_dollar_in_identifier": {
        "type": "threshold",
        "sql": "SET application_name = x$y$; SET TRANSACTION READ WRITE; "
        "DELETE FROM t RETURNING 1 -- $y$",
        "min": 0,
    },
    "threshold_commit_begin": {
        "type": "threshold",
        "sql": "SELECT E'\\''; COMMIT; BEGIN READ WRITE; DELETE FROM t RETURNING 1; --'",
        "min": 0,
    },
    "failing_rows_e_string": {
        "type": "failing_rows",
        "sql": "SELECT E'\\'' AS a) AS failing; COMMIT; BEGIN READ WRITE; DELETE FROM t; "
        "SELECT 0 AS dqcheck_total_rows__ FROM (SELECT 1 --'",
    },
    # `where` and `expression` are not checked for a second statement at all
    "where": {
        "type": "row_count",
        "table": "t",
        "where": "1=1; COMMIT; BEGIN READ WRITE; DELETE FROM t; SELECT 1 AS m0",
        "min": 0,
    },
    "expression": {
        "type": "aggregate",
        "table": "t",
        "expression": "1) AS m0 FROM t; COMMIT; BEGIN READ WRITE; DELETE FROM t; SELECT max(1",
        "min": 0,
    },
}


@pytest.mark.parametrize("check", ESCAPES.values(), ids=list(ESCAPES))
def test_a_hidden_second_statement_cannot_escape_read_only(
    db: str, tmp_path: Path, check: dict[str, Any]
) -> None:
    before = fingerprint(db)
    result, report = run_suite(tmp_path, db, [{"name": "escape", **check}])
    said = statuses(report) if report else result.stderr
    assert fingerprint(db) == before, f"the suite wrote (exit {result.exit_code}, {said})"
    # several statements are a configuration error (SPEC 7); at the very least not a pass
    assert result.exit_code == 2, describe(result)


def test_a_session_setting_left_behind_does_not_lift_read_only(db: str, tmp_path: Path) -> None:
    """A check may flip the session default off (set_config in a SELECT commits); the next
    check on the same pooled connection still runs READ ONLY."""
    before = fingerprint(db)
    checks = [
        {
            "name": "flip",
            "type": "threshold",
            "sql": "SELECT length(set_config('default_transaction_read_only', 'off', false))",
            "min": 0,
        },
        {
            "name": "still_read_only",
            "type": "threshold",
            "sql": "SELECT CASE WHEN current_setting('transaction_read_only') = 'on' "
            "THEN 1 ELSE 0 END",
            "equals": 1,
        },
        {
            "name": "write",
            "type": "threshold",
            "sql": "WITH d AS (DELETE FROM t RETURNING 1) SELECT count(*) FROM d",
            "min": 0,
        },
    ]
    result, report = run_suite(tmp_path, db, checks)
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"flip": "pass", "still_read_only": "pass", "write": "error"}


def test_a_database_default_of_read_write_is_still_read_only(db: str, tmp_path: Path) -> None:
    """The session is made read-only by dqcheck (the server default is read-write)."""
    check = {
        "name": "ro",
        "type": "threshold",
        "sql": "SELECT CASE WHEN current_setting('default_transaction_read_only') = 'on' "
        "AND current_setting('transaction_read_only') = 'on' THEN 1 ELSE 0 END",
        "equals": 1,
    }
    result, report = run_suite(tmp_path, db, [check])
    assert result.exit_code == 0, describe(result)
    assert statuses(report) == {"ro": "pass"}


# -- 1b. SQLite: PRAGMA query_only ------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 6)])
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t RETURNING 1",
        "INSERT INTO t VALUES (99, 'x') RETURNING 1",
        "UPDATE t SET name = 'x' RETURNING 1",
        "DROP TABLE t",
        "CREATE TABLE t2 (x)",
    ],
)
def test_sqlite_writes_end_in_error(sqlite_db: Path, tmp_path: Path, sql: str) -> None:
    before = digest(sqlite_db)
    check = {"name": "w", "type": "threshold", "sql": sql, "min": 0}
    result, report = run_suite(tmp_path, f"sqlite:///{sqlite_db}", [check])
    assert digest(sqlite_db) == before, "the file changed"
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"w": "error"}
    message = report["checks"][0]["message"]
    # refused by the authorizer when prepared, or by SQLite's read-only file when run
    assert "not authorized" in message or "readonly database" in message, message


def test_sqlite_a_check_cannot_turn_query_only_off_for_the_next(
    sqlite_db: Path, tmp_path: Path
) -> None:
    """``PRAGMA query_only = 0`` runs (its 'no rows' error comes after), and the pooled
    connection keeps the setting: the next check on it must still be read-only."""
    before = digest(sqlite_db)
    checks = [
        {"name": "off", "type": "threshold", "sql": "PRAGMA query_only = 0", "min": 0},
        {"name": "write", "type": "threshold", "sql": "DELETE FROM t RETURNING 1", "min": 0},
    ]
    result, report = run_suite(tmp_path, f"sqlite:///{sqlite_db}", checks)
    rows = sqlite3.connect(sqlite_db).execute("SELECT count(*) FROM t").fetchone()[0]
    assert digest(sqlite_db) == before, f"the file changed ({rows} rows left): {describe(result)}"
    assert statuses(report) == {"off": "error", "write": "error"}


# -- 2. injection: variables ----------------------------------------------------------------------


def _var_checks() -> list[dict[str, Any]]:
    return [
        {"name": "in_where", "type": "row_count", "table": "t", "where": "name = :v", "equals": 1},
        {
            "name": "in_threshold",
            "type": "threshold",
            "sql": "SELECT count(*) FROM t WHERE name = :v",
            "equals": 1,
        },
        {
            "name": "in_failing_rows",
            "type": "failing_rows",
            "sql": "SELECT id FROM t WHERE name = :v",
            "equals": 1,
        },
        {
            "name": "in_expression",
            "type": "aggregate",
            "table": "t",
            "expression": "sum(CASE WHEN name = :v THEN 1 ELSE 0 END)",
            "equals": 1,
        },
        {
            "name": "length",
            "type": "threshold",
            "sql": "SELECT length(CAST(:v AS text))",
            "min": 1,
        },
    ]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=[f"v{i}" for i in range(len(HOSTILE_VALUES))])
def test_a_hostile_variable_is_only_compared(db: str, tmp_path: Path, value: str) -> None:
    """Each hostile value is the name of exactly one row: a bound comparison finds that row,
    and nothing else happens."""
    before = fingerprint(db)
    result, report = run_suite(tmp_path, db, _var_checks(), "--var", f"v={value}")
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 0, describe(result)
    assert set(statuses(report).values()) == {"pass"}
    assert report is not None
    length = next(c for c in report["checks"] if c["name"] == "length")
    assert length["value"] == len(value), "the value reached the database unchanged"


@pytest.mark.parametrize(
    "value", ["' OR 1=1 --", "name9'); DROP TABLE t; --", "*"], ids=["or", "drop", "star"]
)
def test_a_hostile_variable_matching_nothing_counts_zero(
    db: str, tmp_path: Path, value: str
) -> None:
    before = fingerprint(db)
    checks = [
        {"name": "none", "type": "row_count", "table": "t", "where": "name = :v", "equals": 0},
        {
            "name": "none_sql",
            "type": "failing_rows",
            "sql": "SELECT * FROM t WHERE name = :v OR id = -1",
        },
    ]
    result, report = run_suite(tmp_path, db, checks, "--var", f"v={value}")
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 0, describe(result)
    assert statuses(report) == {"none": "pass", "none_sql": "pass"}


def test_a_nul_byte_in_a_variable_is_an_error_not_a_crash(db: str, tmp_path: Path) -> None:
    before = fingerprint(db)
    checks = [{"name": "nul", "type": "row_count", "table": "t", "where": "name = :v", "min": 0}]
    result, report = run_suite(tmp_path, db, checks, "--var", "v=a\x00'; DROP TABLE t; --")
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code in (2, 3), describe(result)
    if report is not None:
        assert statuses(report) == {"nul": "error"}


# -- 2. injection: identifiers --------------------------------------------------------------------

HOSTILE_NAMES = {
    "semicolon": "t; DROP TABLE t",
    "double_quote": 't"',
    "quoted": '"t"',
    "quote_escape": 't"; DROP TABLE t; --',
    "single_quote": "t'",
    "backtick": "`t`",
    "backslash": "t\\",
    "whitespace_only": "   ",
    "empty": "",
    "leading_space": " t",
    "too_long": "t" * 129,
    "newline": "t\nDROP TABLE t",
    "tab": "t\tx",
    "nul": "t\x00",
    "three_parts": "a.b.c",
    "empty_part": "public.",
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=list(HOSTILE_NAMES))
@pytest.mark.parametrize("field", ["table", "column"])
def test_a_hostile_identifier_is_a_configuration_error(
    db: str, tmp_path: Path, name: str, field: str
) -> None:
    if field == "column" and name in ("a.b.c", "public."):
        name = "a;b"  # a column name is one part: dots are legitimate there
    check: dict[str, Any] = {"name": "hostile", "type": "null_count", "table": "t", "column": "id"}
    check[field] = name
    before = fingerprint(db)
    result, report = run_suite(tmp_path, db, [check])
    assert fingerprint(db) == before, "the data changed"
    assert result.exit_code == 2, describe(result)
    assert report is None, "no query may run"
    assert f"field '{field}'" in result.stderr, result.stderr
    assert len(result.stderr) < 2000, "one short message, not the whole value"


def test_a_hostile_identifier_in_columns_and_to(db: str, tmp_path: Path) -> None:
    checks: list[dict[str, Any]] = [
        {"name": "dup", "type": "duplicate_count", "table": "t", "columns": ["id", "x;y"]},
        {"name": "schema", "type": "schema", "table": "t", "columns": {'id"': "integer"}},
    ]
    before = fingerprint(db)
    result, report = run_suite(tmp_path, db, checks)
    assert fingerprint(db) == before
    assert result.exit_code == 2, describe(result)
    assert report is None
    assert "check 'dup'" in result.stderr and "check 'schema'" in result.stderr


def test_an_identifier_of_128_characters_is_accepted_and_quoted(db: str, tmp_path: Path) -> None:
    """128 characters pass validation; PostgreSQL truncates names to 63 bytes, so the table
    (which does not exist) is an evaluation error, not a configuration error."""
    check = {"name": "long", "type": "row_count", "table": "t" * 128}
    result, report = run_suite(tmp_path, db, [check])
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"long": "error"}


def test_a_weird_but_valid_name_works_through_quoting(db: str, tmp_path: Path) -> None:
    checks = [
        {"name": "odd_rows", "type": "row_count", "table": "Odd Name", "equals": 2},
        {"name": "odd_schema_rows", "type": "row_count", "table": "public.Odd Name", "equals": 2},
        {"name": "odd_col", "type": "null_count", "table": "Odd Name", "column": "Odd Col"},
        {"name": "mixed", "type": "null_count", "table": "Odd Name", "column": "MixedCase"},
        {"name": "unicode", "type": "null_count", "table": "données", "column": "clé"},
        {"name": "dup", "type": "duplicate_count", "table": "Odd Name", "columns": ["Odd Col"]},
        {
            "name": "schema",
            "type": "schema",
            "table": "Odd Name",
            "columns": {"Odd Col": "integer", "MixedCase": "text"},
        },
    ]
    result, report = run_suite(tmp_path, db, checks)
    assert result.exit_code == 0, describe(result)
    assert set(statuses(report).values()) == {"pass"}


def test_names_are_case_sensitive(db: str, tmp_path: Path) -> None:
    """``odd name`` is not ``Odd Name``: quoted, so an error, never a pass on another table."""
    checks = [
        {"name": "lower", "type": "row_count", "table": "odd name"},
        {"name": "col", "type": "null_count", "table": "Odd Name", "column": "mixedcase"},
    ]
    result, report = run_suite(tmp_path, db, checks)
    assert result.exit_code == 3, describe(result)
    assert statuses(report) == {"lower": "error", "col": "error"}


def test_a_hostile_has_rows_table_is_a_configuration_error(db: str) -> None:
    before = fingerprint(db)
    result = cli(["has-rows", "t; DROP TABLE t", "--url", db])
    assert fingerprint(db) == before
    assert result.exit_code == 2, describe(result)
    result = cli(["has-rows", "t", "--url", db, "--where", "name = 'name1'"])
    assert result.exit_code == 0, describe(result)
