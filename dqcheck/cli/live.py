"""What happens while a run is live: signals and the progress display.

SIGTERM (Airflow killing a task) and SIGINT raise ``Interrupt`` in the main thread; the runner
catches it, cancels the queries in flight on the server and returns what finished. A second
signal ends the process at once with 130/143: whoever sends it has stopped waiting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dqcheck.api import CheckResult


class Interrupt(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT; ``reason`` is the signal's name."""

    def __init__(self, signum: int) -> None:
        self.reason = signal.Signals(signum).name
        self.exit_code = 128 + signum
        super().__init__(self.reason)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """While the command lasts, the first SIGTERM/SIGINT raises ``Interrupt``; the next one
    exits at once, without a traceback, even if a cancelled query has not come back."""
    received: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        if received:
            name = signal.Signals(signum).name
            with contextlib.suppress(OSError):
                os.write(2, f"dqcheck: {name} again: exiting now\n".encode())
            os._exit(128 + received[0])
        received.append(signum)
        with contextlib.suppress(OSError):
            name = signal.Signals(signum).name
            os.write(2, f"dqcheck: {name}: stopping, cancelling the queries in flight\n".encode())
        raise Interrupt(signum)

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def exit_now_if_stuck(code: int) -> None:
    """After an interrupted run is reported: exit now if a cancelled query's thread has not
    come back yet (it would keep the process alive)."""
    if any(t.name.startswith("dqcheck") and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@contextlib.contextmanager
def progress(total: int, *, enabled: bool) -> Iterator[Callable[[CheckResult], None] | None]:
    """A live progress bar on stderr when it is a terminal and the run takes over a second."""
    if not (enabled and sys.stderr.isatty() and total > 1):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("checks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("checks", total=total)
    lock = threading.Lock()
    shown = False

    def show() -> None:
        nonlocal shown
        with lock:
            bar.start()
            shown = True

    timer = threading.Timer(1.0, show)
    timer.daemon = True
    timer.start()

    def advance(_result: CheckResult) -> None:
        with lock:
            bar.advance(task)

    try:
        yield advance
    finally:
        timer.cancel()
        with lock:
            if shown:
                bar.stop()
