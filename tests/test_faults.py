"""The database going away, killed connections and connection retries, against real
PostgreSQL servers and the installed ``dqcheck``.

- a dedicated server stopped (``pg_ctl stop -m immediate``) while a query runs: exit 3, the
  affected checks ``error`` with a clear one-line message, no traceback, no hang;
- dqcheck's backend killed with ``pg_terminate_backend``: that check ``error``, the others run;
- retries: a server that comes up on the port during the retry window is reached; no retries
  against a dead port is a quick ``could not connect``; errors that are not transient (missing
  database, missing role, a role that may not log in) are not retried.

Every wait is bounded (``proc.wait(timeout=...)``, bounded polling loops).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import psycopg2
import pytest
from clitools import BASE_ENV, TRACEBACK, describe, reap, run_dqcheck, strict_json

pytestmark = pytest.mark.postgres

DQCHECK = os.path.join(os.path.dirname(sys.executable), "dqcheck")
SLEEP_SQL = "SELECT 1 FROM (SELECT pg_sleep(60)) s"
DQCHECK_SLEEPING = """
SELECT pid FROM pg_stat_activity
WHERE application_name = 'dqcheck' AND state = 'active' AND query LIKE '%%pg_sleep(60)%%'
  AND pid <> pg_backend_pid()
"""
SUITE = """\
suite: faults
checks:
  - name: quick
    type: threshold
    sql: SELECT 1
    equals: 1
  - name: sleepy
    type: threshold
    sql: "{sleep}"
    equals: 1
  - name: after
    type: threshold
    sql: SELECT 2
    equals: 2
"""
ONE_CHECK = """\
suite: one
checks:
  - name: one
    type: threshold
    sql: SELECT 1
    equals: 1
"""


def needs_local_server() -> None:
    if pgserver.find_pg_bin_dir() is None:
        pgserver.unavailable("fault tests need local PostgreSQL server binaries (initdb/pg_ctl)")


@pytest.fixture
def dedicated_server() -> Iterator[pgserver.PgServer]:
    """A throwaway server of our own, free to be stopped mid-run."""
    needs_local_server()
    server = pgserver.PgServer(source="local")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def connect(url: str) -> Any:
    conn = psycopg2.connect(**pgserver._connect_kwargs(url))
    conn.autocommit = True
    return conn


def dqcheck_backends(url: str) -> list[int]:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(DQCHECK_SLEEPING)
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def start(args: list[str], workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **BASE_ENV}
    return subprocess.Popen(
        [DQCHECK, *args],
        stdin=subprocess.DEVNULL,
        stdout=(workdir / "stdout").open("wb"),
        stderr=(workdir / "stderr").open("wb"),
        env={k: v for k, v in env.items() if v is not None},
        cwd=workdir,
    )


def output(workdir: Path) -> str:
    out = (workdir / "stdout").read_text(errors="replace")
    err = (workdir / "stderr").read_text(errors="replace")
    return f"--- stdout ---\n{out}\n--- stderr ---\n{err}"


def finish(proc: subprocess.Popen[bytes], timeout: float) -> int:
    """The exit code; a process still running after ``timeout`` is a hang."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"dqcheck hung: still running after {timeout}s")


def wait_for_query(url: str, proc: subprocess.Popen[bytes], workdir: Path) -> list[int]:
    deadline = time.monotonic() + 30
    while True:
        pids = dqcheck_backends(url)
        if pids:
            return pids
        if proc.poll() is not None:
            pytest.fail(f"dqcheck exited {proc.returncode} before its query ran\n{output(workdir)}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the pg_sleep query never showed up in pg_stat_activity")
        time.sleep(0.05)


def assert_clear(message: str) -> None:
    """A message a person can act on: one line, no Python internals."""
    assert message.strip()
    assert "\n" not in message
    assert TRACEBACK not in message
    assert not re.match(r"[A-Z]\w*(Error|Exception)\b", message), f"a Python class leads: {message}"


def run_faults_suite(url: str, workdir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path]:
    suite = workdir / "faults.yml"
    suite.write_text(SUITE.format(sleep=SLEEP_SQL))
    report = workdir / "report.json"
    args = ["run", str(suite), "--url", url, "--jobs", "1", "--json", str(report), *extra]
    return start(args, workdir), report


# -- the database goes away -------------------------------------------------------------------


def test_server_stopped_mid_run(dedicated_server: pgserver.PgServer, tmp_path: Path) -> None:
    url = dedicated_server.url
    assert url is not None
    proc, report = run_faults_suite(url, tmp_path, "--retries", "1")
    try:
        wait_for_query(url, proc, tmp_path)
        dedicated_server.stop()  # pg_ctl stop -m immediate, while pg_sleep(60) runs
        code = finish(proc, timeout=45)
    finally:
        reap(proc)
    text = output(tmp_path)
    assert code == 3, text
    assert TRACEBACK not in text
    doc = strict_json(report.read_text())
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["quick"]["status"] == "pass"
    assert checks["sleepy"]["status"] == "error", "the query the server dropped"
    assert checks["after"]["status"] == "error", "the server is gone: never a pass"
    assert_clear(checks["sleepy"]["message"])
    assert any(
        s in checks["sleepy"]["message"]
        for s in ("server closed the connection", "terminating connection", "shutdown")
    ), checks["sleepy"]["message"]
    assert_clear(checks["after"]["message"])
    assert "could not connect" in checks["after"]["message"]
    assert doc["exit_code"] == 3


def test_backend_terminated_mid_query(pg_db: str, tmp_path: Path) -> None:
    proc, report = run_faults_suite(pg_db, tmp_path)
    try:
        pids = wait_for_query(pg_db, proc, tmp_path)
        conn = connect(pg_db)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
        finally:
            conn.close()
        code = finish(proc, timeout=30)
    finally:
        reap(proc)
    text = output(tmp_path)
    assert code == 3, text
    assert TRACEBACK not in text
    doc = strict_json(report.read_text())
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["sleepy"]["status"] == "error"
    message = checks["sleepy"]["message"]
    assert_clear(message)
    # libpq reports the FATAL notice or only the closed socket, depending on timing
    assert any(
        s in message
        for s in ("terminating connection due to administrator command", "server closed the")
    ), message
    # only the killed query is affected: the next check gets a fresh connection
    assert checks["quick"]["status"] == "pass"
    assert checks["after"]["status"] == "pass"


def test_statement_timeout_cancels_on_the_server(pg_db: str, tmp_path: Path) -> None:
    """A query past --timeout is cancelled by the server (statement_timeout): error, exit 3."""
    suite = tmp_path / "slow.yml"
    suite.write_text(SUITE.format(sleep=SLEEP_SQL))
    proc = run_dqcheck(
        ["run", suite, "--url", pg_db, "--timeout", "1s", "--format", "json"], timeout=30
    )
    assert proc.returncode == 3, describe(proc)
    checks = {c["name"]: c for c in strict_json(proc.stdout)["checks"]}
    assert checks["sleepy"]["status"] == "error"
    assert "timed out" in checks["sleepy"]["message"]
    assert checks["quick"]["status"] == checks["after"]["status"] == "pass"
    assert dqcheck_backends(pg_db) == []


# -- retries ------------------------------------------------------------------------------------


def test_a_server_that_comes_up_during_the_retry_window_is_reached(tmp_path: Path) -> None:
    """First a listener that records dqcheck's first attempt and hangs up on it (a reset,
    transient), then nothing on the port (refused, transient), then a real server: with
    --retries 5 the run reaches it and passes."""
    needs_local_server()
    suite = tmp_path / "one.yml"
    suite.write_text(ONE_CHECK)
    report = tmp_path / "report.json"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(30)
    port = listener.getsockname()[1]
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    proc = start(
        ["run", str(suite), "--url", url, "--retries", "5", "--json", str(report)], tmp_path
    )
    server = pgserver.PgServer(source="local", port=port)
    try:
        try:
            first, _ = listener.accept()  # dqcheck's first attempt, before any server exists
        except TimeoutError:
            pytest.fail(f"dqcheck never tried to connect\n{output(tmp_path)}")
        first.close()
        listener.close()
        assert proc.poll() is None, f"dqcheck gave up after one attempt\n{output(tmp_path)}"
        server.start()  # initdb + pg_ctl start on the same port: a few seconds
        code = finish(proc, timeout=60)
    finally:
        listener.close()
        reap(proc)
        server.stop()
    text = output(tmp_path)
    assert code == 0, text
    assert TRACEBACK not in text
    doc = strict_json(report.read_text())
    assert [c["status"] for c in doc["checks"]] == ["pass"]


def test_no_retries_against_a_dead_port(tmp_path: Path) -> None:
    suite = tmp_path / "one.yml"
    suite.write_text(ONE_CHECK)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{pgserver.free_port()}/postgres"
    proc = run_dqcheck(
        ["run", suite, "--url", url, "--retries", "0", "--format", "json"], timeout=20
    )
    assert proc.returncode == 3, describe(proc)
    (check,) = strict_json(proc.stdout)["checks"]
    assert check["status"] == "error"
    assert check["message"].startswith("could not connect"), check["message"]
    assert "refused" in check["message"]
    assert "(after" not in check["message"]
    assert_clear(check["message"])


def test_retries_are_counted_in_the_message(tmp_path: Path) -> None:
    suite = tmp_path / "one.yml"
    suite.write_text(ONE_CHECK)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{pgserver.free_port()}/postgres"
    proc = run_dqcheck(
        ["run", suite, "--url", url, "--retries", "2", "--format", "json"], timeout=30
    )
    assert proc.returncode == 3, describe(proc)
    (check,) = strict_json(proc.stdout)["checks"]
    assert "could not connect" in check["message"]
    assert "(after 3 attempts)" in check["message"], check["message"]


@pytest.fixture
def roles(pg_url: str) -> Iterator[dict[str, str]]:
    """Roles whose connections fail for reasons that retrying cannot fix."""
    suffix = os.urandom(4).hex()
    names = {"nologin": f"dq_nologin_{suffix}", "ghost": f"dq_ghost_{suffix}"}
    conn = connect(pg_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE ROLE "{names["nologin"]}" NOLOGIN')
        yield names
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP ROLE IF EXISTS "{names["nologin"]}"')
        conn.close()


@pytest.mark.parametrize("case", ["database", "role", "nologin"])
def test_permanent_connection_errors_are_not_retried(
    pg_url: str, roles: dict[str, str], tmp_path: Path, case: str
) -> None:
    from sqlalchemy.engine import make_url

    base = make_url(pg_url)
    url, expected = {
        "database": (base.set(database="nope"), 'database "nope" does not exist'),
        "role": (base.set(username=roles["ghost"]), f'role "{roles["ghost"]}" does not exist'),
        "nologin": (base.set(username=roles["nologin"]), "is not permitted to log in"),
    }[case]
    suite = tmp_path / "one.yml"
    suite.write_text(ONE_CHECK)
    target = url.render_as_string(hide_password=False)
    proc = run_dqcheck(["run", suite, "--url", target, "--retries", "5", "--format", "json"])
    assert proc.returncode == 3, describe(proc)
    (check,) = strict_json(proc.stdout)["checks"]
    assert check["status"] == "error"
    assert expected in check["message"], check["message"]
    assert "(after" not in check["message"], "a permanent error was retried"
    assert_clear(check["message"])
