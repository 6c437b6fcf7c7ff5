"""Bounded access to a database of dqcheck's own (the history): a connect timeout in the
driver's terms, a statement timeout, and one worker thread waited for with a deadline, so an
unreachable or silent history can never hold up a run."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import TYPE_CHECKING, Any, TypeVar

from dqcheck.connections import POSTGRES_FAMILY
from dqcheck.errors import EvaluationError
from dqcheck.secrets import mask

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: Seconds to wait for a connection to the history.
CONNECT_TIMEOUT = 10
#: Seconds a statement of the history may run.
STATEMENT_TIMEOUT = 30

T = TypeVar("T")


def _first_line(exc: BaseException) -> str:
    from sqlalchemy.exc import DBAPIError

    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def engine_options(u: Any) -> dict[str, Any]:
    """A connect timeout in the driver's own terms (a timeout already in the URL wins)."""
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "sqlite":
        # sqlite3's busy timeout: how long to wait for another writer's lock
        return {"connect_args": {"timeout": CONNECT_TIMEOUT}}
    name = {"pg8000": "timeout", "asyncpg": "timeout"}.get(driver, "connect_timeout")
    if backend in ("mssql",) and driver == "pyodbc":
        name = "timeout"
    if backend in (*POSTGRES_FAMILY, "mysql", "mariadb", "mssql") and name not in u.query:
        return {"connect_args": {name: CONNECT_TIMEOUT}}
    return {}


def bound_statements(engine: Engine) -> None:
    """Every PostgreSQL connection of the history gets a ``statement_timeout`` (a SET, not the
    ``options`` startup parameter: pgbouncer and Redshift refuse that)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _statement_timeout(dbapi_conn: Any, _record: Any) -> None:
        autocommit = getattr(dbapi_conn, "autocommit", None)
        if autocommit is not None:
            dbapi_conn.autocommit = True  # no transaction left open around the SET
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT * 1000}")
            finally:
                cur.close()
        finally:
            if autocommit is not None:
                dbapi_conn.autocommit = autocommit


class Worker:
    """One daemon thread that runs the history's operations in turn (one thread, so that a
    SQLite ``:memory:`` history is one database). The caller waits with a deadline; a thread
    stuck in a driver past it is abandoned (a daemon never holds up the exit), and its name
    starting with ``dqcheck`` tells the CLI to exit at once on a signal."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def call(self, what: str, fn: Callable[[], T], deadline: float) -> T:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="dqcheck-history", daemon=True)
            self._thread.start()
        future: Future[T] = Future()
        self._jobs.put((fn, future))
        # Waiting on a lock with a timeout: a signal handler still runs in this thread.
        done, _ = wait([future], timeout=deadline)
        if not done:
            raise EvaluationError(
                f"{what}: no answer from the history database within {deadline:g}s"
            )
        try:
            return future.result()
        except Exception as exc:
            raise EvaluationError(mask(f"{what}: {_first_line(exc)}")) from None

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)
