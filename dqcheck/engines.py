"""Engines: read-only database sessions, the guard on what they send, one engine per URL.

Every engine dqcheck opens for checks is made so it cannot write (PostgreSQL sessions with
``default_transaction_read_only``, SQLite opened read-only with an authorizer), has a connect
timeout, and passes each statement through ``dqcheck.guard`` before the driver sends it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dqcheck.connections import POSTGRES_FAMILY
from dqcheck.errors import ConfigError, EvaluationError, Problem

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect, Engine

    from dqcheck.checks.base import Check

#: ``Engines`` key prefix of a connection a check reads besides its own (``compare``).
REFERENCE = "reference:"
#: Seconds to wait for a TCP connection (and its handshake) before giving up.
CONNECT_TIMEOUT = 10
#: The largest ``statement_timeout`` PostgreSQL accepts: an int of milliseconds.
PG_MAX_TIMEOUT = 2_147_483_647 / 1000
#: Seconds a query waits for a free connection of dqcheck's own pool before it ends in
#: ``error``; pools are sized so that this never happens (a backstop, not a queue).
POOL_TIMEOUT = 5.0


def create_engine(url: str, pool_size: int = 4, pool_timeout: float = POOL_TIMEOUT) -> Engine:
    """An engine whose sessions cannot write: read-only PostgreSQL sessions with the lexing
    pinned (``standard_conforming_strings``), SQLite read-only with an authorizer; each statement
    checked by ``dqcheck.guard`` before it is sent."""
    import sqlalchemy
    from sqlalchemy import event
    from sqlalchemy.engine import make_url

    from dqcheck import guard

    u = make_url(url)
    backend = u.get_backend_name()
    kwargs: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": pool_timeout,
    }
    if backend in POSTGRES_FAMILY:
        # Not the libpq `options` startup parameter: pgbouncer and Redshift refuse it.
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": "dqcheck",
        }
        # psycopg2 then opens every transaction with BEGIN READ ONLY (Redshift has it too).
        kwargs["execution_options"] = {"postgresql_readonly": True}
    elif backend == "sqlite":
        database = u.database or ""
        is_file = database and database != ":memory:" and not database.startswith("file:")
        if is_file and not Path(database).is_file():
            raise EvaluationError(f"SQLite database file not found: {database}")
        if is_file:
            # Opened read-only by SQLite itself: a check's `PRAGMA query_only = 0` cannot
            # give the next check a writable connection.
            target = quote(str(Path(database).resolve()))
            u = u.set(database=f"file:{target}?mode=ro", query={**u.query, "uri": "true"})
        kwargs = {"connect_args": {"timeout": CONNECT_TIMEOUT}}
    engine = sqlalchemy.create_engine(u, **kwargs)
    if backend == "postgresql":

        @event.listens_for(engine, "connect")
        def _read_only_session(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.autocommit = True  # one round trip: no BEGIN/COMMIT around the SET
            try:
                with dbapi_conn.cursor() as cur:
                    cur.execute("SET default_transaction_read_only = on")
                # Strings lexed as the guard's parser reads them. A server that refuses it
                # (Redshift through the PostgreSQL dialect) is read more cautiously instead.
                with contextlib.suppress(Exception), dbapi_conn.cursor() as cur:
                    cur.execute(guard.PIN_SESSION_SQL)
            finally:
                dbapi_conn.autocommit = False

    if backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only = ON")
            cur.close()

    guard.install(engine)
    return engine


class Engines:
    """One engine per resolved URL, made on first use and shared by every connection name that
    resolves to it; ``urls`` maps a connection name (or ``REFERENCE`` + id) to its URL.

    A job holds at most one connection of its own and one to a compare reference, so a
    database that is both gets two connections per job."""

    def __init__(self, urls: Mapping[str, str], jobs: int) -> None:
        self.urls = dict(urls)
        self.jobs = max(1, jobs)
        mains = {u for n, u in self.urls.items() if not n.startswith(REFERENCE)}
        references = {u for n, u in self.urls.items() if n.startswith(REFERENCE)}
        self._per_job = {u: (u in mains) + (u in references) for u in mains | references}
        self._engines: dict[str, Engine | EvaluationError] = {}
        self._lock = threading.Lock()

    def engine_for(self, name: str | None) -> Engine:
        target = self.urls[str(name)]
        with self._lock:
            if target not in self._engines:
                size = self.jobs * max(1, self._per_job.get(target, 1))
                try:
                    self._engines[target] = create_engine(target, pool_size=size)
                except EvaluationError as exc:
                    self._engines[target] = exc
            engine = self._engines[target]
        if isinstance(engine, EvaluationError):
            raise engine
        return engine

    def dispose(self) -> None:
        for engine in self._engines.values():
            if not isinstance(engine, EvaluationError):
                engine.dispose()


def dialect_of(url: str) -> Dialect:
    """The SQLAlchemy dialect of ``url`` (for ``--dry-run``), without connecting."""
    from sqlalchemy.engine import make_url

    from dqcheck.connections import normalize_url, validate_url

    url = normalize_url(url)
    validate_url(url)
    dialect: Dialect = make_url(url).get_dialect()()
    return dialect


def check_timeouts(
    timeout: str | float | None, checks: Iterable[Check], urls: Mapping[str, str]
) -> float | None:
    """The run's per-query timeout in seconds, checked before any query: a limit that
    PostgreSQL's ``statement_timeout`` cannot take (``--timeout`` or a check's ``timeout:``)
    is a ConfigError, instead of every check ending in a SET error."""
    from sqlalchemy.engine import make_url

    from dqcheck.durations import format_duration, parse_duration

    seconds: float | None
    try:
        seconds = parse_duration(timeout) if isinstance(timeout, str) else timeout
    except ValueError as exc:
        raise ConfigError([Problem(str(exc), field="--timeout")]) from None

    def on_postgres(name: str | None) -> bool:
        try:
            return make_url(urls[str(name)]).get_backend_name() in POSTGRES_FAMILY
        except Exception:
            return False

    limit = format_duration(PG_MAX_TIMEOUT)
    problems = []
    if seconds is not None and seconds > PG_MAX_TIMEOUT and any(map(on_postgres, urls)):
        problems.append(
            Problem(
                f"--timeout {format_duration(seconds)}: PostgreSQL's statement_timeout "
                f"takes at most {limit} (2147483647 ms)"
            )
        )
    for check in checks:
        if check.timeout is None or check.timeout <= PG_MAX_TIMEOUT:
            continue
        names = [check.connection]
        if check.other_connection is not None:
            names.append(REFERENCE + check.other_connection)
        if any(on_postgres(name) for name in names):
            problems.append(
                Problem(
                    f"timeout {format_duration(check.timeout)}: PostgreSQL's statement_timeout "
                    f"takes at most {limit}",
                    check.file,
                    check.line,
                    check.name,
                    "timeout",
                )
            )
    if problems:
        raise ConfigError(problems)
    return seconds
