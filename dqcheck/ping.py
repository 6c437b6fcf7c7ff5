"""``dqcheck ping``: connect, and say what answered."""

from __future__ import annotations

import time

from dqcheck.connections import Resolver
from dqcheck.engines import create_engine
from dqcheck.errors import EvaluationError
from dqcheck.secrets import mask, mask_url


def ping(resolver: Resolver) -> str:
    """One line: the masked URL, dialect, server version and round-trip time; EvaluationError if the
    database cannot be reached."""
    from sqlalchemy import text

    resolved = resolver.resolve().url
    engine = create_engine(resolved, pool_size=1)
    try:
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
            rtt = time.perf_counter() - started
            version = _server_version(conn)
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        message = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig else str(exc)
        message = " ".join(message.split())
        raise EvaluationError(f"cannot connect to {mask_url(resolved)}: {mask(message)}") from None
    finally:
        engine.dispose()
    return f"{mask_url(resolved)}: {engine.dialect.name} {version}, round trip {rtt * 1000:.1f} ms"


def _server_version(conn: object) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import Connection

    assert isinstance(conn, Connection)
    name = conn.dialect.name
    if name in ("postgresql", "redshift"):
        return str(conn.execute(text("SELECT version()")).scalar())
    if name == "sqlite":
        return "SQLite " + str(conn.execute(text("SELECT sqlite_version()")).scalar())
    info = conn.dialect.server_version_info
    return ".".join(str(p) for p in info) if info else "(unknown version)"
