"""Smoke tests for the real-PostgreSQL fixtures (pg_url / pg_db)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.postgres


def test_select_version(pg_db: str) -> None:
    engine = create_engine(pg_db)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar_one()
    finally:
        engine.dispose()
    assert "PostgreSQL" in version


def test_pg_db_databases_are_isolated(pg_url: str, pg_db: str) -> None:
    engine = create_engine(pg_db)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE only_here (id int)"))
        assert inspect(engine).has_table("only_here")
    finally:
        engine.dispose()

    # A second fresh database on the same server must not see that table.
    fresh = f"dqcheck_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{fresh}"'))
        other = create_engine(make_url(pg_db).set(database=fresh))
        try:
            assert not inspect(other).has_table("only_here")
        finally:
            other.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        admin.dispose()
