"""Shared pytest fixtures. PostgreSQL part first; add other fixtures below it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest

# Helper modules with asserts of their own: rewritten like a test module's (register before
# any test module imports them).
pytest.register_assert_rewrite("casefiles")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: test needs a real PostgreSQL server")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a real PostgreSQL server (skips, or fails when CI=true, if none)."""
    server = pgserver.PgServer()
    with pgserver.sigterm_raises_keyboard_interrupt():
        reason = ""
        try:
            url = server.start()
        except pgserver.PgUnavailable as exc:
            reason = str(exc)
        if reason:
            pgserver.unavailable(reason)
        try:
            yield url
        finally:
            server.stop()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """URL of a fresh, uniquely named database, dropped after the test."""
    name = f"dqcheck_test_{uuid.uuid4().hex[:16]}"
    url = pgserver.create_database(pg_url, name)
    try:
        yield url
    finally:
        pgserver.drop_database(pg_url, name)


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    """SQLAlchemy URL (``mysql+pymysql://``) of the test database on a real MariaDB server:
    ``DQCHECK_TEST_MARIADB_URL`` or a throwaway local one (skips, or fails when CI=true, if
    neither)."""
    import mariadbserver

    server = mariadbserver.MariaDbServer()
    with pgserver.sigterm_raises_keyboard_interrupt():
        try:
            url = server.start()
        except mariadbserver.MariaDbUnavailable as exc:
            pgserver.unavailable(str(exc))
        try:
            yield url
        finally:
            server.stop()
