"""Building SQL: identifiers, Redshift-safe counting, and one SELECT per table scan.

Everything here is SQLAlchemy Core; identifiers are quoted by SQLAlchemy and user fragments
are text clauses whose variables are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, column, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement, Grouping, TextClause
from sqlalchemy.sql.expression import ColumnClause, Select, TableClause

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


def count_rows() -> tuple[str, ColumnElement[Any]]:
    """``COUNT(*)``, under the key every check that needs it shares."""
    return "count(*)", func.count()


def count_values(column: str) -> tuple[str, ColumnElement[Any]]:
    """``COUNT(column)``: the non-NULL rows, under a key shared by checks on the column."""
    return f"count({column})", func.count(col(column))


def scan_select(
    ref: TableRef,
    where: ColumnElement[bool] | Any | None,
    metrics: Mapping[str, ColumnElement[Any]],
) -> tuple[Select[Any], dict[str, str]]:
    """One SELECT computing every metric over one table and filter.

    Returns the statement and the SQL label of each metric key (``m0``, ``m1``...).
    """
    labels = {key: f"m{i}" for i, key in enumerate(metrics)}
    stmt = select(*(expr.label(labels[key]) for key, expr in metrics.items())).select_from(
        table_of(ref)
    )
    if where is not None:
        stmt = stmt.where(where)
    return stmt, labels
