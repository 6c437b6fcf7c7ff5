"""A second SIGTERM ends dqcheck at once (SPEC section 7): whoever sends it has stopped waiting
for the cancel grace. The database is a silent TCP server, so the first SIGTERM cannot finish
quickly (a connection attempt cannot be cancelled): only the second signal ends the run early."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from clitools import TRACEBACK, reap, start_dqcheck
from peers import SilentServer
from test_hangs import RUN_BOUND, output

pytest_plugins = ["peers"]


SUITE = "checks:\n  - {name: rows, type: row_count, table: orders}\n"


def wait_for_text(path: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("first", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_exits_at_once(
    silent_server: SilentServer, tmp_path: Path, first: signal.Signals
) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(SUITE)
    url = f"postgresql://u@127.0.0.1:{silent_server.port}/db"
    proc = start_dqcheck(
        ["run", str(suite), "--url", url, "--json", str(tmp_path / "r.json")], tmp_path
    )
    try:
        if not silent_server.accepted.wait(RUN_BOUND):
            pytest.fail(f"dqcheck never connected\n{output(tmp_path)}")
        proc.send_signal(first)
        # the first signal was handled: the run is now in its cancel grace
        if not wait_for_text(tmp_path / "stderr", "stopping, cancelling", RUN_BOUND):
            pytest.fail(f"the first signal was not handled\n{output(tmp_path)}")
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=RUN_BOUND)
    finally:
        reap(proc)
    text = output(tmp_path)
    assert returncode == 128 + first, text
    assert "SIGTERM again: exiting now" in text, text
    assert TRACEBACK not in text
