"""Where warehouses write SQL differently: constructs compiled per dialect with ``@compiles``.

Check types build their statements from ``dqcheck.sql`` and never ask which database they
are on (SPEC 10); each difference lives here as a construct with a default compilation (the
SQL standard, which PostgreSQL, Redshift, Snowflake, BigQuery, Trino, Databricks, MySQL,
DuckDB and SQLite accept) and an override per dialect that needs another spelling.

Most differences need no construct: SQLAlchemy's dialects already quote identifiers their way
(``"x"``, ```x```, ``[x]``) and write ``.limit(n)`` as ``LIMIT n`` or ``TOP n``.

Identifier case, decided once for every engine. A name in ``table``/``column`` is quoted as
SQLAlchemy quotes it for the dialect: a name written all in lower case (``orders``) is the
engine's case-insensitive name and is left unquoted, so on Snowflake, which stores unquoted
names upper-cased, ``orders`` finds the table created as ``CREATE TABLE orders`` (stored as
``ORDERS``), exactly what a Snowflake user who writes ``orders`` expects (and what
snowflake-sqlalchemy does everywhere); a name with an upper-case letter is case-sensitive as
written and quoted (``Orders`` is ``"Orders"``, not ``ORDERS``), so ``shop.Orders`` is never
``shop.orders`` (SPEC 2.1). ``ORDERS`` is quoted as written and so also finds ``ORDERS``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.sql.expression import Executable, FunctionElement
from sqlalchemy.types import DateTime


class DatabaseClock(FunctionElement[Any]):
    """The database's current time: ``CURRENT_TIMESTAMP`` (with its time zone where the engine
    has one); on SQL Server ``SYSDATETIMEOFFSET()``, whose offset lets a ``datetimeoffset``
    column be compared exactly (T-SQL's ``CURRENT_TIMESTAMP`` is the server's local time with
    no offset); a naive column is still read in the server's local time, as elsewhere."""

    type = DateTime(timezone=True)
    name = "database_clock"
    inherit_cache = True


@compiles(DatabaseClock)
def _clock(element: DatabaseClock, compiler: Any, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(DatabaseClock, "mssql")
def _clock_mssql(element: DatabaseClock, compiler: Any, **kw: Any) -> str:
    return "SYSDATETIMEOFFSET()"


class FirstRowsWithTotal(Executable, ClauseElement):
    """Up to ``limit`` rows of the author's query ``inner`` (a text clause, its variables
    bound), each carrying the count of all its rows in the column ``total``:

    ``SELECT failing.*, COUNT(*) OVER () AS total FROM (inner) AS failing LIMIT n``

    and on SQL Server, which has no ``LIMIT``, ``SELECT TOP n failing.*, ...``. A text
    construct, not ``select()``, so the rows keep the query's own column names; ``limit`` and
    ``total`` are trusted (an int and a fixed name), the query stays inside its parentheses."""

    inherit_cache = False  # holds the author's text: compiled afresh each time

    def __init__(self, inner: TextClause, limit: int, total: str) -> None:
        self.inner = inner
        self.limit = int(limit)
        self.total = total

    def _parts(self, compiler: Any, **kw: Any) -> tuple[str, str]:
        columns = f"failing.*, COUNT(*) OVER () AS {self.total}"
        source = f"FROM ({compiler.process(self.inner, **kw)}\n) AS failing"
        return columns, source


@compiles(FirstRowsWithTotal)
def _first_rows(element: FirstRowsWithTotal, compiler: Any, **kw: Any) -> str:
    columns, source = element._parts(compiler, **kw)
    return f"SELECT {columns} {source} LIMIT {element.limit}"


@compiles(FirstRowsWithTotal, "mssql")
def _first_rows_mssql(element: FirstRowsWithTotal, compiler: Any, **kw: Any) -> str:
    columns, source = element._parts(compiler, **kw)
    return f"SELECT TOP {element.limit} {columns} {source}"
