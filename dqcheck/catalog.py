"""Constraint answers of ``plan: fastest`` (SPEC 2.3): what the catalog guarantees of a table.

On an engine that enforces its constraints (``dqcheck.planner``), a column that alone is a
PRIMARY KEY or UNIQUE has no duplicate non-NULL keys, and a NOT NULL column no NULLs, in any
subset of the rows: so ``duplicate_count`` and ``null_count``/``null_percent`` are 0 whatever
the ``where``. The catalog is read once per (connection, table) in a read-only session of its
own; a read that fails answers nothing, and the checks are scanned (never a false green).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check
from dqcheck.fields import TableRef

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: The start of the message of a check answered by a constraint.
GUARANTEED = "guaranteed by"


@dataclass(frozen=True)
class TableFacts:
    """Columns (as the catalog spells them) that are unique alone, with the constraint or
    index that makes them so, and the NOT NULL columns."""

    unique: Mapping[str, str] = field(default_factory=dict)
    not_null: frozenset[str] = frozenset()


# One statement, PostgreSQL 15: a unique, valid, non-partial index on exactly this column,
# without expressions and with the column's own collation (its equality is COUNT(DISTINCT)'s),
# named by its constraint when it has one (the first name of several); NOT NULL columns.
# Only ordinary and partitioned tables and materialized views (a foreign table's constraints
# are not enforced), and not a table with inheritance children (a SELECT reads their rows,
# which its unique index does not cover). Redshift, which answers to the PostgreSQL dialect
# too, enforces nothing: no rows.
_PG_FACTS = """
SELECT a.attname, a.attnotnull,
       (SELECT min(coalesce(con.conname, ic.relname))
          FROM pg_index i
          JOIN pg_class ic ON ic.oid = i.indexrelid
          LEFT JOIN pg_constraint con
                 ON con.conindid = i.indexrelid AND con.conrelid = c.oid
                AND con.contype IN ('p', 'u')
         WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
           AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
           AND i.indpred IS NULL AND i.indexprs IS NULL
           AND i.indcollation[0] = a.attcollation) AS unique_by
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.oid = to_regclass(:name)
   AND c.relkind IN ('r', 'p', 'm')
   AND NOT (c.relkind = 'r' AND c.relhassubclass)
   AND position('Redshift' in version()) = 0
"""


def read_facts(conn: Connection, ref: TableRef) -> TableFacts:
    """The table's facts from the catalog (raises when it cannot be read)."""
    if conn.dialect.name == "postgresql":
        return _postgres_facts(conn, ref)
    if conn.dialect.name == "duckdb":
        return _duckdb_facts(conn, ref)
    return _reflected_facts(conn, ref)


def _duckdb_facts(conn: Connection, ref: TableRef) -> TableFacts:
    """DuckDB: its own ``duckdb_constraints()`` (its reflection goes through PostgreSQL's)."""
    from dqcheck.duckdb_catalog import constraints

    found = constraints(conn, ref.name, ref.schema)
    unique: dict[str, str] = {}
    for kind, name, cols in sorted(found, key=lambda c: c[0] != "PRIMARY KEY"):
        if kind in ("PRIMARY KEY", "UNIQUE") and len(cols) == 1:
            unique.setdefault(cols[0], name)
    not_null = frozenset(c for kind, _, cols in found if kind == "NOT NULL" for c in cols)
    return TableFacts(unique, not_null)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _postgres_facts(conn: Connection, ref: TableRef) -> TableFacts:
    name = _quoted(ref.name) if ref.schema is None else f"{_quoted(ref.schema)}.{_quoted(ref.name)}"
    from sqlalchemy import text

    rows = conn.execute(text(_PG_FACTS), {"name": name}).all()
    unique = {str(r[0]): str(r[2]) for r in rows if r[2] is not None}
    return TableFacts(unique, frozenset(str(r[0]) for r in rows if r[1]))


def _reflected_facts(conn: Connection, ref: TableRef) -> TableFacts:
    """SQLite, DuckDB, MariaDB/MySQL: SQLAlchemy's reflection."""
    from sqlalchemy import inspect

    insp = inspect(conn)
    name, schema = ref.name, ref.schema
    unique: dict[str, str] = {}
    pk = insp.get_pk_constraint(name, schema=schema)
    if len(pk.get("constrained_columns") or []) == 1:
        unique[pk["constrained_columns"][0]] = pk.get("name") or "PRIMARY KEY"
    for uc in insp.get_unique_constraints(name, schema=schema):
        if len(uc.get("column_names") or []) == 1:
            unique.setdefault(uc["column_names"][0], uc.get("name") or "UNIQUE")
    for ix in insp.get_indexes(name, schema=schema):
        keys = ix.get("column_names") or []
        partial = any(k.endswith("_where") for k in (ix.get("dialect_options") or {}))
        plain = not ix.get("expressions") or ix.get("expressions") == keys
        if ix.get("unique") and len(keys) == 1 and keys[0] and plain and not partial:
            unique.setdefault(str(keys[0]), str(ix.get("name") or "UNIQUE"))
    columns = insp.get_columns(name, schema=schema)
    return TableFacts(unique, frozenset(c["name"] for c in columns if not c["nullable"]))


def answerable(check: Check) -> tuple[str, str] | None:
    """(``unique`` or ``not_null``, column) when a constraint could answer ``check``."""
    params: dict[str, Any] = check.params
    if check.type == "duplicate_count" and check.is_scan:
        (column,) = params.get("columns") or (params["column"],)
        return "unique", str(column)
    if check.type in ("null_count", "null_percent"):
        return "not_null", str(params["column"])
    return None


def answers(checks: list[Check], facts: TableFacts | None) -> dict[str, str]:
    """Check id → message, for the checks the facts answer with 0 (none without facts)."""
    if facts is None:
        return {}
    out: dict[str, str] = {}
    for check in checks:
        kind, column = answerable(check) or ("", "")
        if kind == "unique" and column in facts.unique:
            out[check.id] = f"{GUARANTEED} constraint {facts.unique[column]}"
        elif kind == "not_null" and column in facts.not_null:
            out[check.id] = f"{GUARANTEED} NOT NULL on column {column}"
    return out
