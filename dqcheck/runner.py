"""Running a plan: engines, read-only transactions, timeouts, concurrency.

A SQL failure inside one query is not an escaping exception: it becomes the ``error`` of the
checks that query answers. A failing shared scan is retried check by check, so one broken
expression does not take its neighbours down with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import CLOCK, Check, Measurement
from dqcheck.connections import POSTGRES_FAMILY, mask
from dqcheck.plan import Plan, Query
from dqcheck.results import CheckResult, Status

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

OnResult = Callable[[CheckResult], None]


class Runner:
    """Runs the queries of a plan, ``jobs`` at a time, each on the engine of its connection."""

    def __init__(
        self,
        engine_for: Callable[[str | None], Engine],
        *,
        jobs: int = 4,
        timeout: float | None = 900.0,
    ) -> None:
        self.engine_for = engine_for
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self._connect_errors: dict[str | None, str] = {}
        self._lock = threading.Lock()

    def run(self, plan: Plan, on_result: OnResult | None = None) -> list[CheckResult]:
        results: dict[str, CheckResult] = {}

        def work(query: Query) -> list[CheckResult]:
            out = self._run_query(query)
            for r in out:
                if on_result is not None:
                    on_result(r)
            return out

        if self.jobs == 1 or len(plan.queries) == 1:
            batches = [work(q) for q in plan.queries]
        else:
            with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="dqcheck") as pool:
                batches = list(pool.map(work, plan.queries))
        for batch in batches:
            for r in batch:
                results[r.id] = r
        return [results[c.id] for c in plan.checks]

    # -- one query ------------------------------------------------------------------------------

    def _run_query(self, query: Query) -> list[CheckResult]:
        started = time.perf_counter()
        sql: str | None = None
        try:
            engine = self.engine_for(query.connection)
            sql = query.render(engine.dialect)
            measurements = self._measure(engine, query)
        except Exception as exc:
            connect_failed = isinstance(exc, _ConnectFailed)
            if query.is_scan and len(query.checks) > 1 and not connect_failed:
                return [r for check in query.checks for r in self._run_query(query.single(check))]
            message = self._describe(exc)
            elapsed = time.perf_counter() - started
            return [self._error(c, message, elapsed, sql) for c in query.checks]
        elapsed = time.perf_counter() - started
        out = []
        for check in query.checks:
            m = measurements[check.id]
            try:
                status, value, message = check.judge(m)
            except Exception as exc:
                out.append(self._error(check, f"could not judge the value: {exc}", elapsed, sql))
                continue
            error = message if status is Status.ERROR else None
            out.append(_result(check, status, value, message, error, elapsed, sql, m.rows))
        return out

    def _measure(self, engine: Engine, query: Query) -> dict[str, Measurement]:
        known = self._connect_errors.get(query.connection)
        if known is not None:
            raise _ConnectFailed(known)
        try:
            conn = engine.connect()
        except Exception as exc:
            with self._lock:
                message = f"could not connect: {self._describe(exc)}"
                self._connect_errors.setdefault(query.connection, message)
            raise _ConnectFailed(message) from None
        with conn, conn.begin():
            self._prepare(conn, query)
            if query.is_scan:
                stmt, labels = query.scan_statement()
                row = conn.execute(stmt).mappings().one()
                values = {key: row[label] for key, label in labels.items()}
                if any(c.needs_clock for c in query.checks):
                    values[CLOCK] = conn.exec_driver_sql("SELECT CURRENT_TIMESTAMP").scalar()
                return {c.id: Measurement(c.compute(values)) for c in query.checks}
            (check,) = query.checks
            return {check.id: check.measure(conn)}

    def _prepare(self, conn: Connection, query: Query) -> None:
        """A server-side limit on the query; the transaction is already READ ONLY."""
        timeout = query.timeout(self.timeout)
        if timeout and conn.dialect.name in POSTGRES_FAMILY:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")

    def _describe(self, exc: BaseException) -> str:
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, _ConnectFailed):
            return str(exc)
        if isinstance(exc, DBAPIError) and exc.orig is not None:
            text = str(exc.orig)
            if "canceling statement due to statement timeout" in text:
                text = "timed out (statement timeout)"
        elif isinstance(exc, LookupError):
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
