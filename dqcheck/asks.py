"""Executing what an own-query check asks (``dqcheck.checks.base.Ask``): the runner runs the
statement on the check's read-only connection and reads the answer in the shape asked for, so
check types declare and never execute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dqcheck import duckdb_catalog
from dqcheck.checks.base import Answer, Ask, Check

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: Engines whose SQLAlchemy reflection does not work, read from their own catalog instead
#: (by SQLAlchemy dialect name).
OWN_CATALOG = {"duckdb": duckdb_catalog}


def answer(conn: Connection, ask: Ask, check: Check) -> Any:
    """Execute one ``Ask`` of an own-query check and read the answer in its shape."""
    if ask.answer is Answer.COLUMNS:
        return columns(conn, check)
    if ask.answer is Answer.PRIMARY_KEY:
        return primary_key(conn, check)
    result = conn.execute(ask.statement)
    if ask.answer in (Answer.ROWS, Answer.VALUE_COUNTS, Answer.KEY_COUNTS):
        return result.mappings().all()
    if not result.returns_rows:
        raise LookupError("the SQL returned no result set: a check needs a SELECT")
    return result.first()


def columns(conn: Connection, check: Check) -> dict[str, str]:
    """The table's columns by reflection: name → type as the dialect writes it."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import NoSuchTableError

    table = check.table
    assert table is not None
    if conn.dialect.name in OWN_CATALOG:
        found = OWN_CATALOG[conn.dialect.name].columns(conn, table.name, table.schema)
        if not found:
            raise LookupError(f"table {table} does not exist or has no columns")
        return {name: kind for name, kind, _ in found}
    try:
        columns = inspect(conn).get_columns(table.name, schema=table.schema)
    except NoSuchTableError:
        raise LookupError(f"table {table} does not exist") from None
    if not columns:
        raise LookupError(f"table {table} does not exist or has no columns")
    out: dict[str, str] = {}
    for c in columns:
        try:
            out[c["name"]] = str(c["type"].compile(dialect=conn.dialect))
        except Exception:  # a type the dialect cannot render: show its class
            out[c["name"]] = type(c["type"]).__name__
    return out


def primary_key(conn: Connection, check: Check) -> list[str]:
    """The table's primary key columns by reflection (empty when it has none)."""
    from sqlalchemy import inspect

    table = check.table
    assert table is not None
    if conn.dialect.name in OWN_CATALOG:
        return list(OWN_CATALOG[conn.dialect.name].primary_key(conn, table.name, table.schema))
    constraint = inspect(conn).get_pk_constraint(table.name, schema=table.schema)
    return [str(c) for c in constraint.get("constrained_columns") or []]
