"""DuckDB's own catalog (``duckdb_constraints()``, ``information_schema.columns``).

duckdb-engine reflects through SQLAlchemy's PostgreSQL dialect, whose queries read
``pg_catalog.pg_collation`` and cast to ``regclass``, which DuckDB lacks: schema checks, the
primary key of samples and the planner's constraint answers would all fail there. These
three readers ask DuckDB directly, each one read-only SELECT."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_TABLE = "schema_name = coalesce(:schema, current_schema()) AND table_name = :name"
_COLUMNS = (
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
    " WHERE table_schema = coalesce(:schema, current_schema()) AND table_name = :name"
    " ORDER BY ordinal_position"
)
_CONSTRAINTS = (
    "SELECT constraint_type, constraint_name, constraint_column_names"
    f" FROM duckdb_constraints() WHERE {_TABLE}"
    " AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'NOT NULL')"
)


def columns(conn: Connection, name: str, schema: str | None) -> list[tuple[str, str, bool]]:
    """(name, type as DuckDB writes it in lower case, nullable) of each column, in order."""
    from sqlalchemy import text

    rows = conn.execute(text(_COLUMNS), {"name": name, "schema": schema}).all()
    return [(str(r[0]), str(r[1]).lower(), str(r[2]).upper() != "NO") for r in rows]


def constraints(
    conn: Connection, name: str, schema: str | None
) -> list[tuple[str, str, list[str]]]:
    """(type, name, columns) of the table's PRIMARY KEY, UNIQUE and NOT NULL constraints."""
    from sqlalchemy import text

    rows = conn.execute(text(_CONSTRAINTS), {"name": name, "schema": schema}).all()
    return [(str(r[0]), str(r[1]), [str(c) for c in r[2]]) for r in rows]


def primary_key(conn: Connection, name: str, schema: str | None) -> list[str]:
    for kind, _, cols in constraints(conn, name, schema):
        if kind == "PRIMARY KEY":
            return cols
    return []
