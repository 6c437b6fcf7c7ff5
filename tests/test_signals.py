"""SIGTERM (Airflow killing a task) and SIGINT against the installed ``dqcheck`` and a real
PostgreSQL: the queries in flight are cancelled on the server, the reports of what finished are
still written (the rest ``error: interrupted``), and the process exits 143 / 130 within 5 s.

Every wait is bounded; the only time limit asserted is the issue's "exit within 5 s", as
``proc.wait(timeout=5)`` not raising.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import psycopg2
import pytest
from clitools import TRACEBACK, reap, start_dqcheck, strict_json
from peers import SilentServer

pytestmark = pytest.mark.postgres

pytest_plugins = ["peers"]

SLEEP_SQL = "SELECT 1 FROM (SELECT pg_sleep(60)) s"
SLEEPING = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND state = 'active' AND query LIKE '%%pg_sleep(60)%%'
"""


@pytest.fixture
def admin(pg_db: str) -> Iterator[Any]:
    """An autocommit connection to the test database, to watch pg_stat_activity."""
    conn = psycopg2.connect(**pgserver._connect_kwargs(pg_db))
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def sleeping_backends(admin: Any) -> list[int]:
    with admin.cursor() as cur:
        cur.execute(SLEEPING)
        return [row[0] for row in cur.fetchall()]


def output(workdir: Path) -> tuple[str, str]:
    return (
        (workdir / "stdout").read_text(errors="replace"),
        (workdir / "stderr").read_text(errors="replace"),
    )


def wait_for_backends(admin: Any, proc: subprocess.Popen[bytes], n: int, workdir: Path) -> None:
    """Until ``n`` pg_sleep queries of the run are executing on the server (at most 30 s)."""
    deadline = time.monotonic() + 30
    while len(sleeping_backends(admin)) < n:
        if proc.poll() is not None:
            pytest.fail(
                f"dqcheck exited {proc.returncode} before its queries ran: {output(workdir)}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the pg_sleep queries never showed up in pg_stat_activity")
        time.sleep(0.05)


def wait_until_no_backends(admin: Any, seconds: float = 5.0) -> list[int]:
    """The sleeping backends still there after ``seconds`` (none when cancelled)."""
    deadline = time.monotonic() + seconds
    left = sleeping_backends(admin)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = sleeping_backends(admin)
    return left


def write_suite(workdir: Path, sleepers: int) -> Path:
    lines = [
        "suite: sig",
        "checks:",
        "  - name: quick",
        "    type: threshold",
        "    sql: SELECT 1",
        "    equals: 1",
    ]
    for i in range(sleepers):
        lines += [
            f"  - name: sleepy{i}",
            "    type: threshold",
            f"    sql: {SLEEP_SQL}",
            "    equals: 1",
        ]
    path = workdir / "sig.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
@pytest.mark.parametrize("sleepers", [1, 2], ids=["one_query", "two_queries"])
def test_a_signal_cancels_the_queries_and_reports(
    pg_db: str, admin: Any, tmp_path: Path, sig: signal.Signals, code: int, sleepers: int
) -> None:
    suite = write_suite(tmp_path, sleepers)
    report = tmp_path / "report.json"
    junit = tmp_path / "report.xml"
    # jobs = sleepers: the quick check runs (and passes) before or beside the sleepers
    args = ["run", str(suite), "--url", pg_db, "--json", str(report), "--junit", str(junit)]
    proc = start_dqcheck([*args, "--jobs", str(sleepers)], tmp_path)
    try:
        wait_for_backends(admin, proc, sleepers, tmp_path)
        proc.send_signal(sig)
        returncode = proc.wait(timeout=5)  # the issue: exit within 5 s
    finally:
        reap(proc)
    stdout, stderr = output(tmp_path)
    assert returncode == code, (stdout, stderr)
    # pg_sleep(60): gone within 20 s only if it was cancelled (a loaded CI server is slow to
    # show it; the process itself had to exit within 5 s, above)
    left = wait_until_no_backends(admin, seconds=20)
    assert left == [], "a pg_sleep query is still running on the server"
    assert TRACEBACK not in stdout + stderr
    assert f"interrupted by {sig.name}" in stderr

    doc = strict_json(report.read_text())
    assert doc["exit_code"] == code
    assert doc["status"] == "error"
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["quick"]["status"] == "pass", "a check that finished keeps its result"
    for i in range(sleepers):
        sleepy = checks[f"sleepy{i}"]
        assert sleepy["status"] == "error"
        assert "interrupted" in sleepy["message"]
    assert doc["summary"] == {
        "total": 1 + sleepers,
        "pass": 1,
        "warn": 0,
        "fail": 0,
        "error": sleepers,
    }
    assert "<error" in junit.read_text(), "the other reports are written too"


@pytest.fixture
def hanging_up() -> Iterator[SilentServer]:
    """A listener that accepts each connection and closes it at once (a server going away:
    transient), counting the attempts."""
    server = SilentServer(hang_up=True)
    try:
        yield server
    finally:
        server.close()


def test_sigterm_while_waiting_to_retry_a_connection(
    tmp_path: Path, hanging_up: SilentServer
) -> None:
    """The server hangs up on every attempt: dqcheck is backing off between connection
    attempts; SIGTERM still ends it at once with 143 and a report.

    Not a fixed sleep (under load the process may still be starting after one second): the
    signal is sent once the server has seen a retry, i.e. dqcheck is in its retry loop. Each
    attempt may be followed by dqcheck's reachability probe (one more connection), so three
    connections mean at least one retry."""
    suite = write_suite(tmp_path, 0)
    report = tmp_path / "report.json"
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{hanging_up.port}/postgres"
    proc = start_dqcheck(
        ["run", str(suite), "--url", url, "--retries", "10", "--json", str(report)], tmp_path
    )
    try:
        if not hanging_up.wait_for(3, timeout=60):
            pytest.fail(f"dqcheck never retried: {output(tmp_path)}")
        assert proc.poll() is None, output(tmp_path)
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=5)
    finally:
        reap(proc)
    stdout, stderr = output(tmp_path)
    assert returncode == 143, (stdout, stderr)
    assert TRACEBACK not in stdout + stderr
    doc = strict_json(report.read_text())
    assert doc["exit_code"] == 143
    assert [c["status"] for c in doc["checks"]] == ["error"]
