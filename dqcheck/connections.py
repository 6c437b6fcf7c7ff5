"""Connections: which URL a run uses, engines made read-only, and secrets masked."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from dqcheck.errors import ConfigError, EvaluationError, Problem

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MASK = "***"
POSTGRES_FAMILY = ("postgresql", "redshift")


def resolve_url(url: str | None, names: Iterable[str | None] = ()) -> str:
    """The URL of a run: ``url`` (from --url or DQCHECK_URL), else a configuration error.

    ``names`` are the suites' ``connection:`` ids, named in the error so the user knows what
    was asked for.
    """
    if url:
        url = normalize_url(url)
        validate_url(url)
        return url
    wanted = sorted({n for n in names if n})
    if wanted:
        ids = ", ".join(wanted)
        raise ConfigError(
            [
                Problem(
                    f"no connection for {ids}: named connections are not supported yet; "
                    "pass --url or set DQCHECK_URL"
                )
            ]
        )
    raise ConfigError(
        [
            Problem(
                "no connection configured: pass --url URL or set DQCHECK_URL "
                "(e.g. postgresql://user@host/db, sqlite:///path.db)"
            )
        ]
    )


def normalize_url(url: str) -> str:
    """Accept the ``postgres://`` scheme Airflow and Heroku write (SQLAlchemy 2 wants
    ``postgresql://``)."""
    url = url.strip()
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


def validate_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, ValueError):
        raise ConfigError(
            [Problem(f"--url: not a database URL: {mask_text(url, [url])}")]
        ) from None
    except NoSuchModuleError as exc:
        raise ConfigError([Problem(f"--url: {exc}")]) from None


def mask_url(url: str) -> str:
    """``postgresql://user:***@host/db``: the URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"://([^:/@]*):[^@]*@", rf"://\1:{MASK}@", url)


def secrets_of(url: str) -> list[str]:
    """The strings to mask in anything printed: the password, raw and URL-encoded."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:
        m = re.search(r"://[^:/@]*:([^@]*)@", url)
        password = m.group(1) if m else None
    if not password:
        return []
    forms = {str(password), quote(str(password), safe=""), quote_plus(str(password))}
    return sorted((s for s in forms if s), key=len, reverse=True)


def mask_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def create_engine(url: str, pool_size: int = 4) -> Engine:
    """An engine whose sessions cannot write: read-only PostgreSQL sessions, SQLite query_only."""
    import sqlalchemy
    from sqlalchemy import event
    from sqlalchemy.engine import make_url

    u = make_url(url)
    backend = u.get_backend_name()
    kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0}
    if backend in POSTGRES_FAMILY:
        connect_args: dict[str, Any] = {"connect_timeout": 10, "application_name": "dqcheck"}
        if backend == "postgresql":
            connect_args["options"] = "-c default_transaction_read_only=on"
        kwargs["connect_args"] = connect_args
    elif backend == "sqlite":
        database = u.database or ""
        is_file = database and database != ":memory:" and not database.startswith("file:")
        if is_file and not Path(database).is_file():
            raise EvaluationError(f"SQLite database file not found: {database}")
        kwargs = {}
    engine = sqlalchemy.create_engine(u, **kwargs)
    if backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only = ON")
            cur.close()

    return engine


def environment_url() -> str | None:
    return os.environ.get("DQCHECK_URL") or None
