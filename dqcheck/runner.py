"""Running a plan: read-only transactions, timeouts, concurrency, cancellation, retries.

A SQL failure inside one query is not an escaping exception: it becomes the ``error`` of the
checks that query answers. A failing shared scan is retried check by check, so one broken
expression does not take its neighbours down with it.

Queries run on worker threads; the calling thread only waits, so it stays free to handle a
signal: ``cancel()`` (or an exception such as KeyboardInterrupt while waiting) cancels every
query in flight on the server. A query past its timeout is cancelled the same way, as a
backstop for databases without a server-side statement timeout.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from dqcheck import samples, scans
from dqcheck.asks import answer
from dqcheck.catalog import GUARANTEED, TableFacts, answers, read_facts
from dqcheck.checks.base import Check, Measurement, normalize
from dqcheck.durations import format_duration
from dqcheck.engines import REFERENCE, cancel_statement, is_statement_timeout, prepare_sql
from dqcheck.guard import ReadOnlyEscaped, StatementRefused, still_read_only
from dqcheck.plan import Plan, Query
from dqcheck.results import CheckResult, Status
from dqcheck.secrets import mask
from dqcheck.transient import is_transient

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

OnResult = Callable[[CheckResult], None]


#: Seconds past a query's timeout before the client cancels it itself.
CLIENT_GRACE = 2.0
#: Seconds to wait for cancelled queries to come back after an interruption.
CANCEL_GRACE = 3.0


class Interrupted(Exception):
    """The run was interrupted (signal); ``results`` holds every check, the unfinished ones
    as ``error: interrupted``."""

    def __init__(self, reason: str, results: list[CheckResult] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.results = results or []


class Runner:
    """Runs the queries of a plan, ``jobs`` at a time, each on the engine of its connection."""

    def __init__(
        self,
        engine_for: Callable[[str | None], Engine],
        *,
        jobs: int = 4,
        timeout: float | None = 900.0,
        retries: int = 2,
        backoff: float = 0.5,
        previous: Mapping[str, Any] | None = None,
    ) -> None:
        self.engine_for = engine_for
        #: The last stored measurement of each check id that compares with it (``change``).
        self.previous = dict(previous or {})
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._connect_errors: dict[str | None, str] = {}
        self._lock = threading.Lock()
        # (query id, side) → DBAPI connection, start, limit; side "" or REFERENCE
        self._active: dict[tuple[int, str], tuple[Any, float, float | None]] = {}
        self._timed_out: set[tuple[int, str]] = set()
        self._cancelled = threading.Event()
        self._facts = scans.Facts((_ConnectFailed, _Stopped))

    # -- the whole plan -------------------------------------------------------------------------

    def run(self, plan: Plan, on_result: OnResult | None = None) -> list[CheckResult]:
        results: dict[str, CheckResult] = {}

        def work(query: Query) -> list[CheckResult]:
            out = self._run_query(query)
            for r in out:
                if on_result is not None:
                    # a progress or log callback never breaks a run
                    with contextlib.suppress(Exception):
                        on_result(r)
            return out

        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="dqcheck")
        pending: set[Future[list[CheckResult]]] = set()
        try:
            # Inside the try: a signal while the queries are being submitted stops them too.
            for q in plan.queries:
                pending.add(pool.submit(work, q))
            self._drain(pending, results)
            # Second phase (SPEC 2.5): samples of the checks that failed or warned.
            for c in plan.checks:
                if c.id in results and samples.wanted(c, results[c.id]):
                    pending.add(pool.submit(self._sample, c, results[c.id]))
            self._drain(pending, results)
        except BaseException as exc:  # KeyboardInterrupt, a signal, anything: stop the queries
            self.cancel()
            done, _ = wait(pending, timeout=CANCEL_GRACE)
            for future in done:
                if not future.cancelled() and future.exception() is None:
                    for r in future.result():
                        results[r.id] = r
            pool.shutdown(wait=False, cancel_futures=True)
            reason = getattr(exc, "reason", None) or type(exc).__name__
            partial = [
                results.get(c.id)
                or _result(c, Status.ERROR, None, "interrupted", "interrupted", 0.0, None, None)
                for c in plan.checks
            ]
            raise Interrupted(str(reason), partial) from exc
        pool.shutdown(wait=True)
        return [results[c.id] for c in plan.checks]

    def _drain(self, pending: set[Future[list[CheckResult]]], results: dict[str, Any]) -> None:
        """Wait for ``pending`` (emptied in place), cancelling queries past their deadline."""
        while pending:
            done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            pending -= done
            for future in done:
                for r in future.result():
                    results[r.id] = r
            self._enforce_deadlines()

    def _sample(self, check: Check, result: CheckResult) -> list[CheckResult]:
        return [samples.fetch(check, result, self.engine_for, self.session, self._describe)]

    def cancel(self) -> None:
        """Stop: no new query starts, and every query in flight is cancelled on the server."""
        self._cancelled.set()
        with self._lock:
            active = list(self._active.values())
        for conn, _, _ in active:
            _cancel(conn)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        with self._lock:
            late = [
                (key, conn)
                for key, (conn, started, limit) in self._active.items()
                if limit is not None
                and now - started > limit + CLIENT_GRACE
                and key not in self._timed_out
            ]
            self._timed_out.update(key for key, _ in late)
        for _, conn in late:
            _cancel(conn)

    # -- one query ------------------------------------------------------------------------------

    def _run_query(self, query: Query) -> list[CheckResult]:
        started = time.perf_counter()
        sql: str | None = None
        try:
            if self._cancelled.is_set():
                raise _Stopped("interrupted")
            engine = self.engine_for(query.connection)
            sql = query.render(engine.dialect)
            measurements = self._measure(engine, query)
        except Exception as exc:
            message = self._describe(exc, query)
            fallback = query.is_scan and len(query.checks) > 1
            if (
                fallback
                and not isinstance(exc, (_ConnectFailed, _Stopped))
                and not (message.startswith(("timed out", "interrupted")))
            ):
                # Bisect: one broken check costs about 2·log2(n) queries instead of n.
                half = len(query.checks) // 2
                return [
                    r
                    for part in (query.checks[:half], query.checks[half:])
                    for r in self._run_query(query.subset(part))
                ]
            elapsed = time.perf_counter() - started
            return [self._error(c, message, elapsed, sql) for c in query.checks]
        elapsed = time.perf_counter() - started
        out = []
        for check in query.checks:
            m = measurements[check.id]
            try:
                status, value, message = check.judge(m, self.previous.get(check.id))
            except Exception as exc:
                out.append(self._error(check, f"could not judge the value: {exc}", elapsed, sql))
                continue
            error = message if status is Status.ERROR else None
            # no statement read the table for it: the SQL says where the answer came from
            ran = sql
            if m.note.startswith(GUARANTEED):
                ran = f"-- from the catalog, no scan: {m.note}"
            result = _result(check, status, value, message, error, elapsed, ran, m.rows)
            result.measure = normalize(m.value)
            with contextlib.suppress(Exception):  # a range for the reports never breaks a check
                result.expected_range = check.expected_range(self.previous.get(check.id))
            out.append(result)
        return out

    @contextlib.contextmanager
    def session(
        self, engine: Engine, query: Query, side: str = "", name: str | None = None
    ) -> Iterator[Connection]:
        """A read-only transaction for ``query`` (``side`` "" or REFERENCE, on the connection
        ``name``): retried when transient, registered so a signal or the deadline cancels it,
        with the server-side statement timeout; never committed, so whatever happened is undone."""
        conn = self._connect(engine, query, name)
        key = (id(query), side)
        try:
            with self._lock:
                self._active[key] = (
                    conn.connection.dbapi_connection,
                    time.monotonic(),
                    query.timeout(self.timeout),
                )
            if self._cancelled.is_set():
                raise _Stopped("interrupted")
            trans = conn.begin()
            try:
                self._prepare(conn, query)
                yield conn
                still_read_only(conn)
            finally:
                trans.rollback()
        finally:
            with self._lock:
                self._active.pop(key, None)
            try:
                conn.close()
            except Exception:  # a connection killed under us: nothing left to close
                conn.invalidate()

    def _measure(self, engine: Engine, query: Query) -> dict[str, Measurement]:
        answered = self._answered(engine, query) if query.is_scan else {}
        if answered and len(answered) == len(query.checks) and not query.where:
            return scans.answered_only(query, answered)  # the table is not read at all
        with self.session(engine, query) as conn:
            if query.is_scan:
                return scans.measure(conn, query, answered)
            (check,) = query.checks
            return {check.id: self._measure_check(check, conn, query)}

    def _answered(self, engine: Engine, query: Query) -> dict[str, str]:
        """``plan: fastest``: the checks the catalog answers, read first (once per table) in
        a read-only session of its own; none when the read fails."""
        if not scans.candidates(query):
            return {}
        table = query.table
        assert table is not None

        def read() -> TableFacts:
            with self.session(engine, query, "catalog") as conn:
                return read_facts(conn, table)

        key = (engine.url.render_as_string(hide_password=True), table)
        return answers(query.checks, self._facts.get(key, read))

    def _measure_check(self, check: Check, conn: Connection, query: Query) -> Measurement:
        """An own-query check: execute what it asks, each answer in the shape it asks for; a
        check that also reads another database gets a read-only connection to it too."""
        asks = check.asks()
        other_name = check.other_connection
        if other_name is None or not any(a.reference for a in asks):
            return check.measure([answer(conn, a, check) for a in asks])
        other_engine = self.engine_for(REFERENCE + other_name)
        # Like the check's own connection: retried when transient, cancelled on a signal or
        # past the deadline, with the server-side statement timeout of the check.
        with self.session(other_engine, query, REFERENCE, REFERENCE + other_name) as other:
            return check.measure([answer(other if a.reference else conn, a, check) for a in asks])

    def _connect(self, engine: Engine, query: Query, name: str | None = None) -> Connection:
        """A connection, retrying transient failures with exponential backoff and jitter.
        ``name`` is the connection's key (the query's own connection by default)."""
        name = query.connection if name is None else name
        known = self._connect_errors.get(name)
        if known is not None:
            raise _ConnectFailed(known)
        attempt = 0
        while True:
            if self._cancelled.is_set():
                raise _Stopped("interrupted")
            try:
                return engine.connect()
            except Exception as exc:
                text = self._describe(exc)
                if attempt < self.retries and is_transient(exc, engine.url):
                    delay = self.backoff * 2**attempt
                    attempt += 1
                    self._cancelled.wait(delay * (0.5 + random.random()))
                    continue
                message = f"could not connect: {text}"
                if name is not None and name.startswith(REFERENCE):
                    ref = name[len(REFERENCE) :]
                    message = f"could not connect to the reference (to.connection {ref}): {text}"
                if attempt:
                    message += f" (after {attempt + 1} attempts)"
                with self._lock:
                    self._connect_errors.setdefault(name, message)
                raise _ConnectFailed(message) from None

    def _prepare(self, conn: Connection, query: Query) -> None:
        """The engine's opening statements (``engines.prepare_sql``): a server-side limit on the
        query, and on MariaDB/MySQL a READ ONLY transaction whatever the session's default."""
        for statement in prepare_sql(conn.dialect, query.timeout(self.timeout)):
            conn.exec_driver_sql(statement)

    def _describe(self, exc: BaseException, query: Query | None = None) -> str:
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        if isinstance(exc, (_ConnectFailed, _Stopped)):
            return str(exc)
        if query is not None and {(id(query), ""), (id(query), REFERENCE)} & self._timed_out:
            return f"timed out after {format_duration(query.timeout(self.timeout) or 0)}"
        if self._cancelled.is_set():
            return "interrupted"
        if isinstance(exc, DBAPIError) and exc.orig is not None:
            text = str(exc.orig)
            if is_statement_timeout(text) and query is not None:
                limit = query.timeout(self.timeout) or 0
                return f"timed out after {format_duration(limit)} (statement timeout)"
        elif isinstance(exc, PoolTimeout):  # a backstop: pools are sized for every job's needs
            text = "no free connection in dqcheck's pool (all in use by other checks)"
        elif isinstance(exc, (LookupError, ReadOnlyEscaped, StatementRefused)):
            text = str(exc)
        else:
            text = f"{type(exc).__name__}: {exc}"
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        text = lines[0] if lines else type(exc).__name__
        return mask(text)

    def _error(self, check: Check, message: str, elapsed: float, sql: str | None) -> CheckResult:
        return _result(check, Status.ERROR, None, message, message, elapsed, sql, None)


class _ConnectFailed(Exception):
    pass


class _Stopped(Exception):
    pass


def _cancel(dbapi_conn: Any) -> None:
    """Cancel the statement running on a DBAPI connection, from another thread (how, by
    driver: ``engines.cancel_statement``)."""
    cancel_statement(dbapi_conn)


def error_result(check: Check, message: str) -> CheckResult:
    """The ``error`` result of a check that was not evaluated (interrupted, no history)."""
    return _result(check, Status.ERROR, None, message, message, 0.0, None, None)


def _result(
    check: Check,
    status: Status,
    value: Any,
    message: str,
    error: str | None,
    elapsed: float,
    sql: str | None,
    rows: list[dict[str, Any]] | None,
) -> CheckResult:
    return CheckResult(
        suite=check.suite,
        name=check.name,
        type=check.type,
        table=str(check.table) if check.table else None,
        status=status,
        value=value,
        fail_bounds=check.fail,
        warn_bounds=check.warn,
        expectation=check.expectation(),
        message=message,
        error=error,
        duration_seconds=elapsed,
        sql=sql,
        rows=rows,
        tags=check.tags,
        file=check.file,
        value_text=check.fmt(value) if value is not None else "",
    )
