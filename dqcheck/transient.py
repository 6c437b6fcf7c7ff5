"""Whether a failed connection is worth retrying (SPEC section 7): by the SQLSTATE or SQLite
result code when the driver gives one, else by probing the server's address ourselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: SQLSTATEs of a failure the server may get over: class 08 (connection exception), too many
#: connections, and admin shutdown / crash shutdown / cannot connect now (starting up, recovery).
TRANSIENT_SQLSTATE_CLASSES = ("08",)
TRANSIENT_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})
#: SQLite result codes (the primary code, low byte): SQLITE_BUSY ("database is locked") and
#: SQLITE_LOCKED; another connection holds the lock and will let go.
TRANSIENT_SQLITE_CODES = frozenset({5, 6})
#: Seconds a reachability probe of the server may take (see ``_probe``).
PROBE_TIMEOUT = 3.0
#: Last resort, and only for a server that accepted the TCP connection and then refused the
#: session: psycopg2 gives no SQLSTATE for a failure *during* connection (libpq hands back
#: nothing but its message), so "too many clients" or "starting up" cannot be told from a wrong
#: password any other way. libpq's own messages are English in the psycopg2 wheels; a server's
#: FATAL follows its lc_messages, so on a non-English server these are simply not retried (the
#: run fails fast, never retries a permanent error).
TRANSIENT_LAST_RESORT = (
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "server closed the connection unexpectedly",
    "connection reset",
    "timeout expired",
)


def is_transient(exc: BaseException, url: URL | None = None) -> bool:
    """Whether a failure to connect is worth retrying. By the SQLSTATE when the driver gives
    one (class 08, 53300, 57P01-57P03); by SQLite's result code (busy, locked); for a driver
    error without either (psycopg2 at connect time), by looking at the server ourselves
    (``_probe``): a host name that does not resolve is a typo, never retried; a server that
    cannot be reached (refused, reset, unreachable, silent) may come back."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    orig: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return isinstance(code, int) and code & 0xFF in TRANSIENT_SQLITE_CODES
    state = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    if isinstance(state, str) and state:
        return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES
    if not any(c.__name__ == "OperationalError" for c in type(orig).__mro__):
        return False  # not the driver's connection failure: a bug, a bad URL, a pool timeout
    verdict = _probe(url)
    if verdict is not None:
        return verdict
    text = str(orig).lower()
    return any(marker in text for marker in TRANSIENT_LAST_RESORT)


DEFAULT_PORTS = {"postgresql": 5432, "redshift": 5439, "mysql": 3306, "mariadb": 3306}


def _probe(url: URL | None) -> bool | None:
    """After a failed connection without a SQLSTATE, whether it is transient, by trying the
    server's address ourselves: True when no TCP connection can be opened (refused,
    unreachable, no answer) or the resolver itself failed (EAI_AGAIN); False when the host name
    does not exist (a typo); None when the server accepts a TCP connection (the failure was in
    the session: see ``TRANSIENT_LAST_RESORT``) or cannot be probed (Unix socket, several
    hosts, an unknown dialect's port)."""
    import socket

    if url is None or not url.host or "," in url.host or url.host.startswith("/"):
        return None
    if "host" in url.query or "hostaddr" in url.query:
        return None
    port = url.port or DEFAULT_PORTS.get(url.get_backend_name())
    if port is None:
        return None
    try:
        infos = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return exc.errno == socket.EAI_AGAIN  # the resolver failed, not the name
    except OSError:
        return None
    for family, kind, proto, _, address in infos:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(PROBE_TIMEOUT)
                sock.connect(address)
        except OSError:
            continue
        return None  # the server listens: the failure was not at the socket level
    return True
