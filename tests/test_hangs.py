"""Never hang, never crash on the edges (the "trust" issue).

- a history database that accepts TCP and never answers: the run ends (exit 3, the ``change``
  checks in ``error``) within its own timeouts, and SIGTERM while it connects still gives 143;
- run-time configuration the server cannot take (``--timeout 25d``) or a history that is not a
  database URL: exit 2 before any connection;
- a 2 GiB suite file is refused without being read;
- four ``compare`` checks whose reference is the run's own database, with ``--jobs 1``;
- ``failing_rows`` samples of huge cells are cut;
- which connection failures are transient, from real driver exceptions.

Every wait is bounded: subprocesses run with ``timeout=``, polling loops have deadlines, and the
silent server is a thread closed at teardown. No assertion is on speed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import psycopg2
import pytest
from clitools import TRACEBACK, describe, invoke, reap, run_dqcheck, start_dqcheck, strict_json
from peers import SilentServer
from sqlalchemy.engine import make_url

from dqcheck.transient import is_transient

pytest_plugins = ["peers"]

DQCHECK = os.path.join(os.path.dirname(sys.executable), "dqcheck")
#: Bound of any single run here: far above dqcheck's own timeouts (connect 10 s, history 50 s).
RUN_BOUND = 120


@pytest.fixture
def shop(tmp_path: Path) -> tuple[str, Path]:
    """A SQLite database with ``orders`` and a suite with a ``change`` check on it."""
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
        conn.executemany("INSERT INTO orders VALUES (?)", [(i,) for i in range(10)])
    conn.close()
    suite = tmp_path / "shop.yml"
    suite.write_text(
        textwrap.dedent(
            """\
            suite: shop
            checks:
              - {name: rows, type: row_count, table: orders, min: 1}
              - {name: rows_change, type: change, table: orders, max_change_percent: 10}
            """
        )
    )
    return f"sqlite:///{db}", suite


def output(workdir: Path) -> str:
    out = (workdir / "stdout").read_text(errors="replace")
    err = (workdir / "stderr").read_text(errors="replace")
    return f"--- stdout ---\n{out}\n--- stderr ---\n{err}"


# -- a history that never answers -----------------------------------------------------------------


def test_a_silent_history_ends_the_change_checks_in_error(
    silent_server: SilentServer, shop: tuple[str, Path]
) -> None:
    db, suite = shop
    history = f"postgresql://u@127.0.0.1:{silent_server.port}/db"
    proc = run_dqcheck(
        ["run", str(suite), "--url", db, "--history", history, "--format", "json"],
        timeout=RUN_BOUND,
    )
    assert proc.returncode == 3, describe(proc)
    assert silent_server.accepted.is_set(), "dqcheck never tried the history"
    checks = {c["name"]: c for c in strict_json(proc.stdout)["checks"]}
    assert checks["rows"]["status"] == "pass", "a check that needs no history still runs"
    change = checks["rows_change"]
    assert change["status"] == "error"
    assert change["message"].startswith("cannot read the history"), change["message"]
    assert "timeout" in change["message"] or "no answer" in change["message"], change["message"]
    assert "could not write the history" in proc.stderr


def test_sigterm_while_connecting_to_a_silent_history(
    silent_server: SilentServer, shop: tuple[str, Path], tmp_path: Path
) -> None:
    db, suite = shop
    history = f"postgresql://u@127.0.0.1:{silent_server.port}/db"
    report = tmp_path / "report.json"
    proc = start_dqcheck(
        ["run", str(suite), "--url", db, "--history", history, "--json", str(report)], tmp_path
    )
    try:
        if not silent_server.accepted.wait(RUN_BOUND):
            pytest.fail(f"dqcheck never connected to the history\n{output(tmp_path)}")
        assert proc.poll() is None, output(tmp_path)
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=RUN_BOUND)
    finally:
        reap(proc)
    text = output(tmp_path)
    assert returncode == 143, text
    assert TRACEBACK not in text
    doc = strict_json(report.read_text())
    assert doc["exit_code"] == 143
    assert {c["status"] for c in doc["checks"]} == {"error"}


# -- configuration the server cannot take: exit 2 before any connection ---------------------------

UNREACHABLE = "postgresql://u@127.0.0.1:1/db"  # a connection attempt would be exit 3


def test_a_timeout_past_postgresql_limit_is_exit_2(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text("checks:\n  - {name: one, type: threshold, sql: SELECT 1, equals: 1}\n")
    result = invoke(["run", str(suite), "--url", UNREACHABLE, "--timeout", "25d"], 2)
    assert "--timeout 25d" in result.stderr
    assert "24d20h" in result.stderr, "the message names the maximum"
    invoke(["run", str(suite), "--url", UNREACHABLE, "--timeout", "24d", "--retries", "0"], 3)


def test_a_check_timeout_past_postgresql_limit_is_exit_2(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(
        "checks:\n  - {name: one, type: threshold, sql: SELECT 1, equals: 1, timeout: 30d}\n"
    )
    result = invoke(["run", str(suite), "--url", UNREACHABLE], 2)
    assert f"{suite}:2:" in result.stderr
    assert "check 'one'" in result.stderr and "field 'timeout'" in result.stderr


def test_a_long_timeout_is_fine_on_sqlite(shop: tuple[str, Path]) -> None:
    db, _ = shop
    suite = shop[1].with_name("rows.yml")
    suite.write_text("checks:\n  - {name: rows, type: row_count, table: orders, min: 1}\n")
    invoke(["run", str(suite), "--url", db, "--timeout", "30d"], 0)


@pytest.mark.parametrize("history", ["notaurl", "nosuchdialect://x/y"])
def test_a_history_that_is_not_a_database_url_is_exit_2(
    shop: tuple[str, Path], history: str
) -> None:
    db, suite = shop
    result = invoke(["run", str(suite), "--url", db, "--history", history], 2)
    assert "--history" in result.stderr
    result = invoke(["history", "--history", history], 2)
    assert "--history" in result.stderr


def test_a_history_url_from_the_config_is_checked_too(
    shop: tuple[str, Path], tmp_path: Path
) -> None:
    db, suite = shop
    config = tmp_path / "dqcheck.yml"
    config.write_text("history: {url: notaurl}\n")
    result = invoke(["run", str(suite), "--url", db, "--config", str(config)], 2)
    assert "history.url" in result.stderr


def test_the_api_checks_the_history_url_before_any_query(shop: tuple[str, Path]) -> None:
    from dqcheck import api
    from dqcheck.errors import ConfigError

    db, suite = shop
    with pytest.raises(ConfigError, match="--history"):
        api.run(
            api.plan(api.load_suites([suite])), db, monitoring=api.Monitoring(history="notaurl")
        )


# -- a huge suite file ----------------------------------------------------------------------------

MEASURE = """\
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=100)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(proc.returncode, peak_kib)
sys.stderr.write(proc.stderr)
"""


def test_a_2gb_suite_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    with big.open("wb") as f:
        f.truncate(2**31)  # sparse: no disk, and 2 GiB if read
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, DQCHECK, "validate", str(big)],
        capture_output=True,
        text=True,
        timeout=RUN_BOUND,
        env={**os.environ, "DQCHECK_DEBUG": "1"},
        check=False,
    )
    code, peak_kib = (int(x) for x in proc.stdout.split())
    assert code == 2, proc.stderr
    assert str(big) in proc.stderr and "1 MiB" in proc.stderr, proc.stderr
    assert TRACEBACK not in proc.stderr
    assert peak_kib < 200 * 1024, f"peak RSS {peak_kib} KiB: the file was read"


def test_a_suite_file_just_over_the_limit_is_refused(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text("checks: []\n" + "#" * (1024 * 1024))
    result = invoke(["validate", str(suite)], 2)
    assert "larger than 1 MiB" in result.stderr


# -- compare references on the run's own database -------------------------------------------------


@pytest.mark.postgres
def test_four_compares_on_one_url_with_one_job(pg_db: str, tmp_path: Path) -> None:
    from dqcheck.connections import Resolver

    pgserver.execute(
        pg_db,
        "CREATE TABLE orders (id int)",
        "CREATE TABLE copy (id int)",
        "INSERT INTO orders SELECT g FROM generate_series(1, 10) g",
        "INSERT INTO copy SELECT g FROM generate_series(1, 10) g",
    )
    env = {"AIRFLOW_CONN_REF": pg_db}
    # the reference resolves to the very URL of the checks: one engine, one pool
    own = Resolver(pg_db, env={}).resolve(None).url
    assert Resolver(env=env).lookup("ref", "to.connection").url == own
    checks = "".join(
        f"  - {{name: c{i}, type: compare, table: orders, to: {{table: copy, connection: ref}}}}\n"
        for i in range(4)
    )
    suite = tmp_path / "s.yml"
    suite.write_text("checks:\n" + checks)
    args = ["run", str(suite), "--url", pg_db, "--jobs", "1", "--format", "json"]
    result = invoke(args, 0, env=env)
    doc = strict_json(result.stdout)
    assert [c["status"] for c in doc["checks"]] == ["pass"] * 4, doc


# -- failing_rows samples -------------------------------------------------------------------------


def test_failing_rows_samples_are_cut(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE big (id INTEGER, body TEXT, raw BLOB)")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
            "INSERT INTO big SELECT i, printf('%.*c', 5000000, 'x'), zeroblob(1000000) FROM n"
        )
    conn.close()
    suite = tmp_path / "s.yml"
    suite.write_text("checks:\n  - {name: bad, type: failing_rows, sql: SELECT * FROM big}\n")
    report = tmp_path / "report.json"
    result = invoke(
        ["run", str(suite), "--url", f"sqlite:///{db}", "--json", str(report), "--format", "json"],
        1,
    )
    assert len(result.stdout) < 100_000
    assert report.stat().st_size < 100_000
    (check,) = strict_json(report.read_text())["checks"]
    assert check["value"] == 10, "every failing row is counted"
    rows = check["rows"]
    assert 1 <= len(rows) <= 5
    for row in rows:
        assert isinstance(row["id"], int)
        for cell in row.values():
            assert len(str(cell)) <= 200
        assert row["body"].startswith("xxx") and row["body"].endswith("…")
    assert len(check["message"]) < 2000


def test_cut_keeps_small_values() -> None:
    from dqcheck.checks.failing_rows import cut

    assert cut("abc") == "abc"
    assert cut(None) is None
    assert cut(12) == 12
    assert cut(1.5) == 1.5
    assert cut(True) is True
    assert len(cut("é" * 1000)) == 200
    assert len(cut(10**1000)) == 200


# -- transient or not: real driver exceptions -----------------------------------------------------


def connect_error(url: str) -> BaseException:
    """The exception psycopg2 raises connecting to ``url``."""
    kwargs = pgserver._connect_kwargs(url)
    kwargs.setdefault("connect_timeout", 2)
    try:
        psycopg2.connect(**kwargs).close()
    except psycopg2.Error as exc:
        error: BaseException = exc
        return error
    pytest.fail(f"connected to {url}")


def test_refused_is_transient() -> None:
    url = f"postgresql://u@127.0.0.1:{pgserver.free_port()}/db"
    exc = connect_error(url)
    assert getattr(exc, "pgcode", None) is None  # psycopg2 gives no SQLSTATE here
    assert is_transient(exc, make_url(url))


def test_an_unknown_host_name_is_not_transient() -> None:
    url = "postgresql://u@nohost.invalid:5432/db"
    exc = connect_error(url)
    assert not is_transient(exc, make_url(url)), "a typo in the host name is never retried"


@pytest.mark.parametrize("hang_up", [False, True], ids=["silent", "hangs_up"])
def test_a_server_that_does_not_answer_is_transient(hang_up: bool) -> None:
    server = SilentServer(hang_up=hang_up)
    try:
        url = f"postgresql://u@127.0.0.1:{server.port}/db"
        exc = connect_error(url)
        assert is_transient(exc, make_url(url))
    finally:
        server.close()


@pytest.mark.postgres
def test_a_terminated_backend_is_transient_and_sql_errors_are_not(pg_db: str) -> None:
    """``pg_terminate_backend`` (57P01, admin shutdown): psycopg2 with this libpq reports it as
    "server closed the connection unexpectedly" without a SQLSTATE (checked: also when another
    session terminates it mid-query), so it is recognised as a lost connection."""
    from sqlalchemy.exc import DBAPIError

    url = make_url(pg_db)
    conn = psycopg2.connect(**pgserver._connect_kwargs(pg_db))
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.Error) as missing:
            cur.execute("SELECT * FROM no_such_table")
        conn.rollback()
        assert missing.value.pgcode == "42P01"
        assert not is_transient(missing.value, url)
        with conn.cursor() as cur, pytest.raises(psycopg2.OperationalError) as killed:
            cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        if killed.value.pgcode is not None:  # a libpq that keeps the server's FATAL
            assert killed.value.pgcode == "57P01"
        assert is_transient(killed.value, url)
        wrapped = DBAPIError.instance("SELECT 1", None, killed.value, psycopg2.Error)
        assert is_transient(wrapped, url), "the SQLAlchemy wrapper is looked through"
    finally:
        conn.close()


@pytest.mark.postgres
def test_a_missing_database_is_not_transient(pg_db: str) -> None:
    url = make_url(pg_db).set(database="no_such_db_here")
    exc = connect_error(url.render_as_string(hide_password=False))
    assert not is_transient(exc, url)


def test_a_locked_sqlite_database_is_transient(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            other.execute("INSERT INTO t VALUES (1)")
        assert is_transient(locked.value)
        holder.execute("COMMIT")
        with pytest.raises(sqlite3.OperationalError) as broken:
            other.execute("SELECT * FROM no_such_table")
        assert not is_transient(broken.value)
    finally:
        holder.close()
        other.close()


def test_other_errors_are_not_transient() -> None:
    class OperationalError(Exception):
        pgcode: Any = None

    assert not is_transient(ValueError("connection refused"))
    assert not is_transient(RuntimeError("too many clients"))
    e = OperationalError("x")
    e.pgcode = "53300"
    assert is_transient(e)
    e.pgcode = "28P01"  # invalid password
    assert not is_transient(e)
    e.pgcode = "08006"
    assert is_transient(e)
