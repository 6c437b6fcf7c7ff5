"""Profiling for ``dqcheck init``: one scan of a table, read-only, with SQLAlchemy Core.

Per table: reflection (columns, declared keys), one ``SELECT`` giving the row count and per
column the NULL count, the distinct count and min/max where they apply, a second small query
for the values of low-cardinality text columns, and the database clock (``SELECT
CURRENT_TIMESTAMP`` on its own: Redshift runs the time functions on the leader node only and
refuses them in a query that reads a table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.fields import TableRef

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: A text column with at most this many distinct values is a category: its values are listed.
LOW_CARDINALITY = 20


@dataclass
class ColumnProfile:
    """What one scan tells about a column."""

    name: str
    #: The reflected type as the dialect writes it (what the ``schema`` check compares with).
    type: str
    #: ``integer``, ``number``, ``timestamp`` (date and time), ``date``, ``text``, ``boolean``,
    #: ``uuid``, or ``other`` (no distinct count: JSON, arrays, geometry and unknown types may
    #: lack equality).
    kind: str
    nullable: bool
    nulls: int = 0
    #: None where the type has no useful equality (JSON, arrays, unknown types).
    distinct: int | None = None
    minimum: Any = None
    maximum: Any = None
    #: The observed values of a low-cardinality text column, in the database's order.
    values: list[str] | None = None


@dataclass
class TableProfile:
    """What one scan tells about a table."""

    table: TableRef
    rows: int
    columns: list[ColumnProfile]
    #: Column sets the database already keeps unique: primary key, UNIQUE, unique indexes.
    unique_keys: list[tuple[str, ...]] = field(default_factory=list)
    #: ``CURRENT_TIMESTAMP`` of the database, read right after the scan.
    now: Any = None

    @property
    def primary_key(self) -> tuple[str, ...]:
        return self.unique_keys[0] if self.unique_keys else ()

    def declared_unique(self, column: str) -> bool:
        return (column,) in self.unique_keys


def _kind(type_: Any) -> str:
    from sqlalchemy import types as t

    if isinstance(type_, t.Enum):  # the database keeps its values: no accepted_values
        return "other"
    if isinstance(type_, t.Boolean):
        return "boolean"
    if isinstance(type_, t.Integer):
        return "integer"
    if isinstance(type_, t.Numeric):  # Float is a Numeric
        return "number"
    if isinstance(type_, t.DateTime):
        return "timestamp"
    if isinstance(type_, (t.Date, t.Time)):
        return "date"
    if isinstance(type_, t.String):
        return "text"
    if isinstance(type_, t.Uuid):
        return "uuid"
    return "other"


def _type_text(type_: Any, conn: Connection) -> str:
    try:
        return str(type_.compile(dialect=conn.dialect))
    except Exception:  # a type the dialect cannot render: its class name (never matches)
        return type(type_).__name__


def table_exists(conn: Connection, ref: TableRef) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(ref.name, schema=ref.schema))


def tables_in(conn: Connection, schema: str) -> list[TableRef]:
    """The tables of ``schema``, sorted by name."""
    from sqlalchemy import inspect

    return [TableRef(n, schema) for n in sorted(inspect(conn).get_table_names(schema=schema))]


def _unique_keys(inspector: Any, ref: TableRef) -> list[tuple[str, ...]]:
    """Primary key first, then UNIQUE constraints and unique indexes."""
    keys: list[tuple[str, ...]] = []
    pk = inspector.get_pk_constraint(ref.name, schema=ref.schema) or {}
    if pk.get("constrained_columns"):
        keys.append(tuple(pk["constrained_columns"]))
    for uc in inspector.get_unique_constraints(ref.name, schema=ref.schema):
        keys.append(tuple(uc["column_names"]))
    for index in inspector.get_indexes(ref.name, schema=ref.schema):
        names = index.get("column_names") or []
        if index.get("unique") and names and all(isinstance(n, str) for n in names):
            keys.append(tuple(names))
    return keys


def profile_table(conn: Connection, ref: TableRef) -> TableProfile:
    """Reflect ``ref`` and profile it with one scan (plus the values query and the clock)."""
    from sqlalchemy import inspect

    inspector = inspect(conn)
    reflected = inspector.get_columns(ref.name, schema=ref.schema)
    columns = [
        ColumnProfile(
            name=c["name"],
            type=_type_text(c["type"], conn),
            kind=_kind(c["type"]),
            nullable=bool(c.get("nullable", True)),
        )
        for c in reflected
    ]
    profile = TableProfile(ref, 0, columns, _unique_keys(inspector, ref))
    for c in columns:  # SQLite reflects `id INTEGER PRIMARY KEY` as nullable: it is not
        c.nullable = c.nullable and c.name not in profile.primary_key
    _scan(conn, profile)
    _read_values(conn, profile)
    profile.now = conn.exec_driver_sql("SELECT CURRENT_TIMESTAMP").scalar()
    return profile


def _scan(conn: Connection, profile: TableProfile) -> None:
    """The one scan: row count and every column's metrics in one ``SELECT``."""
    from sqlalchemy import column, func, select, table

    # Untyped columns: values come back as the driver reads them, so a SQLite text timestamp
    # in an odd format is a string here rather than a parse error in SQLAlchemy.
    source = table(profile.table.name, *(column(c.name) for c in profile.columns))
    source.schema = profile.table.schema
    exprs: list[Any] = [func.count().label("n")]
    for i, c in enumerate(profile.columns):
        col = source.c[c.name]
        exprs.append((func.count() - func.count(col)).label(f"nulls_{i}"))
        if c.kind != "other":
            # Exact COUNT(DISTINCT) is fine at the sizes init is run on; an engine with an
            # approximate count (Redshift's APPROXIMATE COUNT(DISTINCT ...), BigQuery's
            # APPROX_COUNT_DISTINCT) would use that on big tables.
            exprs.append(func.count(col.distinct()).label(f"distinct_{i}"))
        if c.kind in ("integer", "number", "timestamp", "date"):
            exprs.append(func.min(col).label(f"min_{i}"))
            exprs.append(func.max(col).label(f"max_{i}"))
    row = conn.execute(select(*exprs).select_from(source)).mappings().one()
    profile.rows = int(row["n"] or 0)
    for i, c in enumerate(profile.columns):
        c.nulls = int(row[f"nulls_{i}"] or 0)
        if f"distinct_{i}" in row:
            c.distinct = int(row[f"distinct_{i}"] or 0)
        c.minimum, c.maximum = row.get(f"min_{i}"), row.get(f"max_{i}")


def is_category(c: ColumnProfile, rows: int) -> bool:
    """A low-cardinality text column: at most LOW_CARDINALITY distinct values, each seen twice
    on average (so the names in a five-row table are not frozen as "accepted values")."""
    return (
        c.kind == "text"
        and c.distinct is not None
        and 0 < c.distinct <= LOW_CARDINALITY
        and c.distinct * 2 <= rows - c.nulls
    )


def _read_values(conn: Connection, profile: TableProfile) -> None:
    """The second small query: the values of every low-cardinality text column, one
    ``GROUP BY`` per column joined with ``UNION ALL``, ordered by column and value."""
    from sqlalchemy import String, cast, column, literal, select, table, union_all

    wanted = [(i, c) for i, c in enumerate(profile.columns) if is_category(c, profile.rows)]
    if not wanted:
        return
    source = table(profile.table.name, *(column(c.name) for _, c in wanted))
    source.schema = profile.table.schema
    parts = [
        select(literal(i).label("i"), cast(source.c[c.name], String).label("v"))
        .where(source.c[c.name].is_not(None))
        .group_by(source.c[c.name])
        for i, c in wanted
    ]
    query = union_all(*parts).order_by("i", "v") if len(parts) > 1 else parts[0].order_by("v")
    found: dict[int, list[str]] = {i: [] for i, _ in wanted}
    for i, value in conn.execute(query):
        found[int(i)].append(str(value))
    for i, c in wanted:
        c.values = found[i]
