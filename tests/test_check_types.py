"""Every check type, from data (STYLE 12): one YAML case file per type in ``tests/cases/``
(format and harness: casefiles.py), each case run on SQLite, PostgreSQL, DuckDB and MariaDB."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mariadbserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pgserver
import pytest
import sqlalchemy as sa
from casefiles import (
    BACKENDS,
    CASE_KEYS,
    EXPECT_KEYS,
    case_params,
    load_case_files,
    pairs_of,
    run_case,
)

from dqcheck.checks import REGISTRY

USER_SCHEMAS = (
    "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
    "AND nspname <> 'information_schema'"
)


# -- the backends ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_cases_db(pg_url: str) -> Iterator[str]:
    """One database for every PostgreSQL case, emptied before each: like ``pg_db``, but
    without a CREATE DATABASE per case (the slowest part of a case by far)."""
    name = f"dqcheck_cases_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(pg_url, name)
    try:
        yield url
    finally:
        pgserver.drop_database(pg_url, name)


def empty_postgresql(url: str) -> None:
    """Drop every user schema (tables and all) and recreate ``public``."""
    engine = sa.create_engine(url)
    try:
        q = engine.dialect.identifier_preparer
        with engine.begin() as conn:
            for schema in conn.scalars(sa.text(USER_SCHEMAS)).all():
                conn.exec_driver_sql(f"DROP SCHEMA {q.quote_schema(schema)} CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def mysql_cases_db(mariadb_url: str) -> Iterator[str]:
    """One MariaDB database for every MariaDB case, emptied before each (like pg_cases_db)."""
    name = f"dqcheck_cases_{uuid.uuid4().hex[:12]}"
    url = mariadbserver.create_database(mariadb_url, name)
    try:
        yield url
    finally:
        mariadbserver.drop_database(mariadb_url, name)


def empty_mysql(url: str) -> None:
    """Drop every table and view of the database."""
    conn = mariadbserver.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = DATABASE()"
            )
            for name, kind in cur.fetchall():
                what = "VIEW" if kind == "VIEW" else "TABLE"
                cur.execute(f"DROP {what} `{name}`")
    finally:
        conn.close()


def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """URL of an empty database on ``backend``."""
    if backend == "postgresql":
        url = str(request.getfixturevalue("pg_cases_db"))
        empty_postgresql(url)
        return url
    if backend == "mysql":
        url = str(request.getfixturevalue("mysql_cases_db"))
        empty_mysql(url)
        return url
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'data.duckdb'}"  # the file is made by the first CREATE
    assert backend == "sqlite", backend
    db = tmp_path / "data.db"
    sqlite3.connect(db).close()
    return f"sqlite:///{db}"


# -- the tests -------------------------------------------------------------------------------


def test_every_check_type_has_a_case_file() -> None:
    docs = load_case_files()
    assert sorted(docs) == sorted(REGISTRY), "one tests/cases/<type>.yml per registered type"
    for stem, doc in docs.items():
        names = [c["name"] for c in doc["cases"]]
        assert len(names) == len(set(names)), f"{stem}: duplicate case names"
        statuses = set()
        for case in doc["cases"]:
            where = f"{stem}/{case['name']}"
            assert set(case) <= CASE_KEYS, f"{where}: {set(case) - CASE_KEYS}"
            assert set(case.get("backends", BACKENDS)) <= set(BACKENDS), where
            # a type such as numeric(10,2) must be quoted inside {...}: its comma splits it
            types = case.get("table", doc["table"])["columns"].values()
            assert all(isinstance(t, str) for t in types), f"{where}: column types {types}"
            pairs = pairs_of(case)
            for check, expect in pairs:
                assert set(expect) <= EXPECT_KEYS, f"{where}: {expect}"
                if len(pairs) == 1:
                    assert check["type"] == stem, f"{where}: wrong file"
                statuses.add(expect["status"])
        assert {"pass", "fail", "error"} <= statuses, f"{stem}: cover pass, fail and error"


@pytest.mark.parametrize(("backend", "file_table", "case"), list(case_params()))
def test_check_type(
    backend: str,
    file_table: dict[str, Any],
    case: dict[str, Any],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    url = empty_database(backend, tmp_path, request)
    run_case(url, file_table, case, tmp_path)
