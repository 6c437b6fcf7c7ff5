"""Building SQL: identifiers, Redshift-safe counting, and one SELECT per table scan.

Everything here is SQLAlchemy Core; identifiers are quoted by SQLAlchemy and user fragments
are text clauses whose variables are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, column, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement, Grouping, TextClause
from sqlalchemy.sql.expression import ColumnClause, Executable, Select, TableClause

from dqcheck.fields import TableRef


def table_of(ref: TableRef) -> TableClause:
    return table(ref.name, schema=ref.schema)


def col(name: str) -> ColumnClause[Any]:
    return column(name)


# Variables in SQL fragments: the same rule SQLAlchemy's text() uses to find bind parameters.
VARIABLE = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def variables_in(sql: str) -> list[str]:
    return list(dict.fromkeys(VARIABLE.findall(sql)))


def bound_text(sql: str, variables: Mapping[str, str]) -> TextClause:
    """``sql`` as a text clause whose ``:names`` are bound parameters, never pasted."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.types import NullType

    params = [bindparam(n, variables[n], type_=NullType(), unique=True) for n in variables_in(sql)]
    return text(sql).bindparams(*params)


def where_clause(where: str, variables: Mapping[str, str]) -> ColumnElement[bool]:
    """The author's ``where`` as a condition, always in parentheses, so that combined with
    another condition (``... AND key IS NOT NULL``) ``a = 1 OR b = 2`` keeps its meaning
    (SPEC 2.3). Its ``:variables`` are bound parameters. Use it for every ``where``."""
    return Grouping(bound_text(where, variables))


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """Rows matching ``condition``: ``COUNT(CASE WHEN ... THEN 1 END)``, 0 (never NULL) on no
    rows. No aggregate ``FILTER`` (Redshift lacks it), and cheaper than
    ``COALESCE(SUM(CASE ... ELSE 0 END), 0)``."""
    one: ColumnClause[Any] = literal_column("1")
    return func.count(case((condition, one)))


@dataclass(frozen=True)
class Metric:
    """A handle on one aggregate of a table scan. A check declares its metrics and reads their
    values through the same handles (``values[count_rows()]``); handles with equal keys are
    equal, so checks asking for the same aggregate share one column of the scan."""

    key: str
    expression: Any = field(compare=False, repr=False)


#: The database's current time, read beside the scan (``Check.needs_clock``).
CLOCK = Metric("current_timestamp", None)


def count_rows() -> Metric:
    """``COUNT(*)``."""
    return Metric("count(*)", func.count())


def count_values(column: str) -> Metric:
    """``COUNT(column)``: the non-NULL rows."""
    return Metric(f"count({column})", func.count(col(column)))


def count_distinct(column: str) -> Metric:
    """``COUNT(DISTINCT column)``: the distinct non-NULL values."""
    return Metric(f"count_distinct({column})", func.count(col(column).distinct()))


def maximum(column: str) -> Metric:
    """``MAX(column)``."""
    return Metric(f"max({column})", func.max(col(column)))


def count_matching(key: str, condition: ColumnElement[bool]) -> Metric:
    """Rows matching ``condition`` (``count_if``), filed under ``key``: the same key must mean
    the same condition."""
    return Metric(f"count_if({key})", count_if(condition))


def expression_metric(expression: str | None, variables: Mapping[str, str]) -> Metric:
    """An author's aggregate ``expression`` (``COUNT(*)`` when None), keyed by its text and the
    values of its variables, so equal expressions share a column of the scan."""
    if expression is None:
        return count_rows()
    used = {n: variables[n] for n in variables_in(expression)}
    key = f"expr({expression}, {sorted(used.items())!r})"
    return Metric(key, Grouping(bound_text(expression, variables)))


def scan_select(
    ref: TableRef,
    where: ColumnElement[bool] | Any | None,
    metrics: Iterable[Metric],
) -> tuple[Select[Any], dict[Metric, str]]:
    """One SELECT computing every metric (each once) over one table and filter.

    Returns the statement and the SQL label of each metric (``m0``, ``m1``...).
    """
    labels: dict[Metric, str] = {}
    for metric in metrics:
        labels.setdefault(metric, f"m{len(labels)}")
    stmt = select(*(m.expression.label(label) for m, label in labels.items())).select_from(
        table_of(ref)
    )
    if where is not None:
        stmt = stmt.where(where)
    return stmt, labels


def clock_statement() -> Select[Any]:
    """``SELECT`` of the database's current time, in the dialect's spelling (``CURRENT_TIMESTAMP``;
    ``SYSDATETIMEOFFSET()`` on SQL Server: see ``dqcheck.dialects.DatabaseClock``). Run on its
    own, never inside a scan: Redshift's time functions are leader-node only."""
    from dqcheck.dialects import DatabaseClock

    return select(DatabaseClock().label("clock"))


def first_rows_with_total(
    sql: str, variables: Mapping[str, str], limit: int, total: str
) -> Executable:
    """Up to ``limit`` rows of the author's query ``sql`` (its ``:variables`` bound), each with
    the count of all its rows in the column ``total``: ``LIMIT n``, ``TOP n`` on SQL Server
    (``dqcheck.dialects.FirstRowsWithTotal``)."""
    from dqcheck.dialects import FirstRowsWithTotal

    return FirstRowsWithTotal(bound_text(sql, variables), limit, total)
