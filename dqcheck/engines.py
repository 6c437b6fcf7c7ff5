"""Engines: read-only database sessions, the guard on what they send, one engine per URL.

Every engine dqcheck opens for checks is made so it cannot write (PostgreSQL sessions with
``default_transaction_read_only``, SQLite opened read-only with an authorizer, MariaDB/MySQL
sessions and transactions ``READ ONLY``, DuckDB files opened read-only without external
access), has a connect timeout, and passes each statement through ``dqcheck.guard`` before the
driver sends it. What differs by engine at the start of a query (the server-side statement
timeout) and how a running statement is cancelled are the dialect-keyed tables below.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
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
#: The largest ``max_statement_time`` MariaDB accepts (seconds: one year).
MARIADB_MAX_TIMEOUT = 31_536_000
#: MySQL/MariaDB dialect names (``mysql+pymysql://`` may reach either server).
MYSQL_FAMILY = ("mysql", "mariadb")
#: DuckDB settings of every connection dqcheck opens: no file, network or extension access
#: beyond the database file itself (so no ``COPY ... TO``, ``ATTACH``, ``INSTALL``/``LOAD``,
#: ``read_csv('/etc/passwd')``), and ``lock_configuration`` so a check cannot ``SET`` them back.
DUCKDB_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


#: The statement that puts a server-side limit on the next query, by server flavour
#: (``flavour_of``); a flavour missing here has none (SQLite, DuckDB: the runner's client-side
#: deadline cancels the query instead).
TIMEOUT_SQL: dict[str, Callable[[float], str]] = {
    "postgresql": lambda s: f"SET LOCAL statement_timeout = {_ms(s)}",
    "redshift": lambda s: f"SET LOCAL statement_timeout = {_ms(s)}",
    "mariadb": lambda s: f"SET SESSION max_statement_time = {min(s, MARIADB_MAX_TIMEOUT):.3f}",
    "mysql": lambda s: f"SET SESSION max_execution_time = {_ms(s)}",  # SELECTs only: enough
}
#: Statements that open every query's transaction, by flavour. MariaDB/MySQL: the session's
#: default is READ ONLY again, whatever a previous check did to it (``SET SESSION TRANSACTION
#: READ WRITE``); the session's, not only the next transaction's, because a DDL statement
#: commits implicitly and runs in a new transaction of the session's default mode.
BEGIN_SQL: dict[str, tuple[str, ...]] = {
    "mariadb": ("SET SESSION TRANSACTION READ ONLY",),
    "mysql": ("SET SESSION TRANSACTION READ ONLY",),
}


def flavour_of(dialect: Dialect) -> str:
    """The server a dialect talks to: its name, except ``mariadb`` for a MySQL dialect that
    found a MariaDB server (known once it has connected)."""
    if dialect.name in MYSQL_FAMILY:
        return "mariadb" if getattr(dialect, "is_mariadb", False) else "mysql"
    return str(dialect.name)


def statement_timeout_sql(dialect: Dialect, seconds: float | None) -> str | None:
    """The statement that limits the next query to ``seconds`` on the server, or None."""
    make = TIMEOUT_SQL.get(flavour_of(dialect))
    return make(seconds) if make is not None and seconds else None


def prepare_sql(dialect: Dialect, seconds: float | None) -> list[str]:
    """What dqcheck sends (driver-level) at the start of each query's transaction."""
    timeout = statement_timeout_sql(dialect, seconds)
    return [*BEGIN_SQL.get(flavour_of(dialect), ()), *([timeout] if timeout else [])]


def is_statement_timeout(message: str) -> bool:
    """Whether a database error says the server-side statement timeout cancelled the query
    (PostgreSQL: "canceling statement due to statement timeout"; MariaDB: "max_statement_time
    exceeded"; MySQL: "maximum statement execution time exceeded")."""
    text = message.lower()
    return any(
        s in text
        for s in ("statement timeout", "max_statement_time", "maximum statement execution time")
    )


def cancel_statement(dbapi_conn: Any) -> None:
    """Cancel the statement running on a DBAPI connection, from another thread: psycopg2
    sends a cancel request, sqlite3 and DuckDB interrupt, PyMySQL (which has no cancel) gets
    ``KILL QUERY <its thread id>`` from a second, short-lived connection."""
    try:
        if hasattr(dbapi_conn, "cancel"):  # psycopg2
            dbapi_conn.cancel()
        elif hasattr(dbapi_conn, "interrupt"):  # sqlite3; DuckDB (duckdb-engine's wrapper)
            dbapi_conn.interrupt()
        elif hasattr(dbapi_conn, "thread_id") and hasattr(dbapi_conn, "unix_socket"):  # PyMySQL
            _kill_query(dbapi_conn)
    except Exception:  # the query may have just finished; nothing to cancel
        pass


def _kill_query(conn: Any) -> None:
    import pymysql  # type: ignore[import-untyped]

    killer = pymysql.connect(
        host=conn.host,
        port=conn.port,
        user=conn.user,
        password=conn.password,
        unix_socket=conn.unix_socket,
        ssl=conn.ctx if conn.ssl else None,
        connect_timeout=CONNECT_TIMEOUT,
        autocommit=True,
    )
    try:
        with killer.cursor() as cur:
            cur.execute(f"KILL QUERY {int(conn.thread_id())}")
    finally:
        killer.close()


def create_engine(url: str, pool_size: int = 4, pool_timeout: float = POOL_TIMEOUT) -> Engine:
    """An engine whose sessions cannot write: read-only PostgreSQL sessions with the lexing
    pinned (``standard_conforming_strings``), SQLite read-only with an authorizer, MariaDB/MySQL
    sessions READ ONLY, DuckDB files read-only without external access; each statement checked
    by ``dqcheck.guard`` before it is sent."""
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
    elif backend in MYSQL_FAMILY:
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    elif backend == "duckdb":
        database = u.database or ""
        in_memory = database in ("", ":memory:") or database.startswith(":memory:")
        if not in_memory and not Path(database).is_file():
            raise EvaluationError(f"DuckDB database file not found: {database}")
        # An in-memory database holds nothing to protect, and cannot be opened read-only.
        kwargs["connect_args"] = {"read_only": not in_memory, "config": dict(DUCKDB_CONFIG)}
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

    if backend in MYSQL_FAMILY:

        @event.listens_for(engine, "connect")
        def _read_only_mysql(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION READ ONLY")

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
