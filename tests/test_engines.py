"""DuckDB and MariaDB as real engines of dqcheck (SPEC 7 and 10): the throwaway MariaDB server
itself; sessions that cannot write and one statement per check, with the data unchanged
whatever a suite's SQL tries; the per-query timeout; SIGTERM cancelling the query on the server;
a URL whose driver is missing; Airflow connection types."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mariadbserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
import sqlalchemy as sa
import yaml
from clitools import TRACEBACK, invoke, reap, start_dqcheck, strict_json

from dqcheck import guard
from dqcheck.connections import from_airflow
from dqcheck.engines import create_engine

ENGINES = ("duckdb", "mysql")


# -- the throwaway MariaDB server ---------------------------------------------------------------


def test_mariadb_fixture_is_a_real_server_with_its_own_database(mariadb_url: str) -> None:
    url = sa.make_url(mariadb_url)
    assert url.get_backend_name() == "mysql" and url.password, "a user with a password"
    assert url.host == "127.0.0.1", "loopback only"
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT VERSION()").scalar_one()
            database = conn.exec_driver_sql("SELECT DATABASE()").scalar_one()
    finally:
        engine.dispose()
    assert "MariaDB" in version or version[:1].isdigit(), version
    assert database == url.database
    # the user may make (and drop) databases of its own for tests
    name = f"dqcheck_fx_{uuid.uuid4().hex[:8]}"
    other = mariadbserver.create_database(mariadb_url, name)
    try:
        mariadbserver.execute(other, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)")
    finally:
        mariadbserver.drop_database(mariadb_url, name)


# -- a database per engine with one table ---------------------------------------------------------


@pytest.fixture
def mysql_db(mariadb_url: str) -> Iterator[str]:
    name = f"dqcheck_eng_{uuid.uuid4().hex[:10]}"
    url = mariadbserver.create_database(mariadb_url, name)
    try:
        yield url
    finally:
        mariadbserver.drop_database(mariadb_url, name)


def make_table(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id integer, name varchar(20))")
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    finally:
        engine.dispose()


def fingerprint(url: str) -> tuple[Any, ...]:
    """The tables and the rows of t: what a write would change."""
    engine = sa.create_engine(url)
    try:
        tables = sorted(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, name FROM t ORDER BY id").all()
    finally:
        engine.dispose()
    return tuple(tables), tuple(map(tuple, rows))


@pytest.fixture(params=ENGINES)
def engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database on DuckDB (a file) or MariaDB, with table t of three rows."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'data.duckdb'}"
    else:
        url = str(request.getfixturevalue("mysql_db"))
    make_table(url)
    return url


def write_suite(folder: Path, checks: list[dict[str, Any]]) -> Path:
    path = folder / "suite.yml"
    path.write_text(yaml.safe_dump({"suite": "engines", "checks": checks}), "utf-8")
    return path


def run(suite: Path, url: str, code: int, *extra: str) -> dict[str, Any]:
    result = invoke(["run", suite, "--url", url, "--format", "json", *extra], code)
    report = strict_json(result.stdout)
    assert isinstance(report, dict)
    return report


# -- read-only and one statement ----------------------------------------------------------------

WRITES = {
    "insert": "INSERT INTO t VALUES (9, 'x')",
    "update": "UPDATE t SET name = 'x'",
    "delete": "DELETE FROM t",
    "create": "CREATE TABLE t2 (id integer)",
    "drop": "DROP TABLE t",
}
DUCKDB_WRITES = {
    "copy_to": "COPY t TO '{folder}/out.csv'",
    "attach": "ATTACH '{folder}/other.duckdb' AS other",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
    "read_file": "SELECT * FROM read_csv('/etc/passwd')",
}


@pytest.mark.parametrize("slot", ["threshold", "failing_rows"])
def test_writes_end_in_error_and_change_nothing(engine_db: str, slot: str, tmp_path: Path) -> None:
    backend = sa.make_url(engine_db).get_backend_name()
    writes = dict(WRITES)
    if backend == "duckdb":
        writes |= {k: v.format(folder=tmp_path) for k, v in DUCKDB_WRITES.items()}
    if backend == "mysql":  # a check that opens the session for writing, before the others
        writes = {"read_write": "SET SESSION TRANSACTION READ WRITE", **writes}
    before = fingerprint(engine_db)
    checks = [{"name": name, "type": slot, "sql": sql} for name, sql in writes.items()]
    if slot == "threshold":
        for c in checks:
            c["min"] = 0
    report = run(write_suite(tmp_path, checks), engine_db, 3, "--jobs", "1")
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses == dict.fromkeys(writes, "error"), report["checks"]
    assert fingerprint(engine_db) == before
    assert (
        sorted(p.name for p in tmp_path.iterdir())
        == ["data.duckdb", "suite.yml"][backend != "duckdb" :]
    ), "no file written"


def test_a_second_statement_is_refused_at_load_time(engine_db: str, tmp_path: Path) -> None:
    """The load-time net: a ';' followed by more SQL is configuration (exit 2)."""
    before = fingerprint(engine_db)
    suite = write_suite(
        tmp_path, [{"name": "two", "type": "threshold", "sql": "SELECT 1; DELETE FROM t", "min": 0}]
    )
    result = invoke(["run", suite, "--url", engine_db], 2)
    assert "two" in result.stderr and len(result.stderr.strip().splitlines()) >= 1
    assert fingerprint(engine_db) == before


def test_a_second_statement_is_refused_at_the_cursor(engine_db: str) -> None:
    """The net below it, without the load-time scanner: DuckDB's parser (the guard) or the
    MariaDB server (PyMySQL never enables multi-statements) refuses the text; nothing ran."""
    import pymysql

    before = fingerprint(engine_db)
    engine = create_engine(engine_db)
    try:
        with engine.connect() as conn:
            with pytest.raises((guard.StatementRefused, sa.exc.ProgrammingError)) as caught:
                conn.execute(sa.text("SELECT 1; DELETE FROM t")).all()
            conn.rollback()
            assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == 3
    finally:
        engine.dispose()
    if isinstance(caught.value, sa.exc.ProgrammingError):
        assert isinstance(caught.value.orig, pymysql.err.ProgrammingError)
        assert caught.value.orig.args[0] == 1064  # a syntax error at the ';'
    else:
        assert "2 statements" in str(caught.value)
    assert fingerprint(engine_db) == before


def test_the_duckdb_guard_reads_with_duckdbs_parser() -> None:
    guard.check_duckdb("WITH a AS (SELECT 1 AS x) SELECT x FROM a WHERE x = $1")
    guard.check_duckdb("FROM t")  # DuckDB's own shorthand is a SELECT too
    for sql, words in [
        ("SELECT 1; SELECT 2", "2 statements"),
        ("SELECT 1 -- x\n; DELETE FROM t", "2 statements"),
        ("PRAGMA version", "not a SELECT"),
        ("CREATE TEMP TABLE x AS SELECT 1", "not a SELECT"),
        ("SELEC 1", "cannot read"),
    ]:
        with pytest.raises(guard.StatementRefused, match=words):
            guard.check_duckdb(sql)


def test_duckdb_opens_read_only_without_external_access(tmp_path: Path) -> None:
    from dqcheck.errors import EvaluationError

    url = f"duckdb:///{tmp_path / 'data.duckdb'}"
    make_table(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            settings = dict(
                conn.execute(
                    sa.text(
                        "SELECT name, value FROM duckdb_settings() WHERE name IN "
                        "('enable_external_access', 'lock_configuration')"
                    )
                ).all()
            )
            assert settings == {"enable_external_access": "false", "lock_configuration": "true"}
    finally:
        engine.dispose()
    with pytest.raises(EvaluationError, match="not found"):
        create_engine(f"duckdb:///{tmp_path / 'missing.duckdb'}")
    assert not (tmp_path / "missing.duckdb").exists(), "never created by dqcheck"


# -- timeouts -----------------------------------------------------------------------------------

SLOW = {
    "duckdb": "SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range < b.range",
    "mysql": "SELECT SLEEP(30)",
}


def test_a_slow_query_past_the_timeout_ends_in_error(engine_db: str, tmp_path: Path) -> None:
    """MariaDB: the server's max_statement_time; DuckDB (no statement timeout): the runner's
    client-side deadline interrupts it. Either way the check says it timed out."""
    backend = sa.make_url(engine_db).get_backend_name()
    suite = write_suite(
        tmp_path,
        [
            {"name": "slow", "type": "threshold", "sql": SLOW[backend], "min": 0},
            {"name": "quick", "type": "row_count", "table": "t"},
        ],
    )
    report = run(suite, engine_db, 3, "--timeout", "1s")
    slow, quick = report["checks"]
    assert slow["status"] == "error" and "timed out" in slow["error"], slow
    assert quick["status"] == "pass", quick


# -- SIGTERM on MariaDB -------------------------------------------------------------------------

SLEEPING = (
    "SELECT id FROM information_schema.processlist "
    "WHERE id <> CONNECTION_ID() AND info LIKE 'SELECT SLEEP(60)%%'"
)


def sleeping(url: str) -> list[int]:
    conn = mariadbserver.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(SLEEPING)
            return [int(row[0]) for row in cur.fetchall()]
    finally:
        conn.close()


def test_sigterm_exits_143_and_kills_the_query_on_the_server(mysql_db: str, tmp_path: Path) -> None:
    make_table(mysql_db)
    suite = write_suite(
        tmp_path, [{"name": "slow", "type": "threshold", "sql": "SELECT SLEEP(60)", "min": 0}]
    )
    proc = start_dqcheck(["run", suite, "--url", mysql_db, "--timeout", "10m"], tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not sleeping(mysql_db):
            assert proc.poll() is None, (tmp_path / "stderr").read_text()
            if time.monotonic() > deadline:
                pytest.fail("the SLEEP(60) query never showed up in the processlist")
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        reap(proc)
    stderr = (tmp_path / "stderr").read_text()
    assert code == 143, stderr
    assert TRACEBACK not in stderr
    left = sleeping(mysql_db)
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = sleeping(mysql_db)
    assert left == [], "the query still runs on the server"


# -- a URL whose driver is missing --------------------------------------------------------------

BLOCKED = {
    "snowflake": ("snowflake://u:p@acct/db", ["snowflake", "snowflake.sqlalchemy"]),
    "duckdb": ("duckdb:///x.duckdb", ["duckdb", "duckdb_engine"]),
    "mysql": ("mysql+pymysql://u:p@127.0.0.1/db", ["pymysql"]),
}


@pytest.mark.parametrize("extra", sorted(BLOCKED))
def test_a_missing_driver_names_the_extra(extra: str, tmp_path: Path) -> None:
    """The driver made unimportable (None in sys.modules, as when it is not installed): exit
    2 before any query, one line naming ``pip install 'dqcheck[<extra>]'``."""
    url, modules = BLOCKED[extra]
    suite = write_suite(tmp_path, [{"name": "n", "type": "row_count", "table": "t"}])
    code = (
        "import sys\n"
        f"for name in {modules!r}: sys.modules[name] = None\n"
        f"sys.argv = ['dqcheck', 'run', {str(suite)!r}, '--url', {url!r}]\n"
        "from dqcheck.cli import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DQCHECK_URL", "DQCHECK_DEBUG")}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"pip install 'dqcheck[{extra}]'" in lines[0], lines[0]
    assert ":p@" not in lines[0], "the password is masked"


# -- Airflow connection types -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("airflow", "url"),
    [
        ("mysql://u:pw@db.example:3306/shop", "mysql+pymysql://u:pw@db.example:3306/shop"),
        ("mssql://u:pw@db.example:1433/shop", "mssql+pyodbc://u:pw@db.example:1433/shop"),
        ("trino://u@trino.example:8080/hive", "trino://u@trino.example:8080/hive"),
        ('{"conn_type": "duckdb", "host": "/data/w.duckdb"}', "duckdb:////data/w.duckdb"),
        (
            '{"conn_type": "snowflake", "login": "u", "password": "pw", "schema": "public",'
            ' "extra": {"account": "acct", "warehouse": "wh", "database": "db", "role": "r"}}',
            "snowflake://u:pw@acct/db?role=r&warehouse=wh",
        ),
        (
            '{"conn_type": "google_cloud_platform", "schema": "ds",'
            ' "extra": {"extra__google_cloud_platform__project": "proj"}}',
            "bigquery://proj/ds",
        ),
        ("gcpbigquery://?__extra__=%7B%22project%22%3A+%22proj%22%7D", "bigquery://proj"),
        (
            '{"conn_type": "databricks", "host": "dbc.example", "password": "tok",'
            ' "extra": {"http_path": "/sql/1.0/w"}}',
            "databricks://token:tok@dbc.example?http_path=%2Fsql%2F1.0%2Fw",
        ),
    ],
)
def test_airflow_connection_types_become_sqlalchemy_urls(airflow: str, url: str) -> None:
    assert from_airflow(airflow) == url
