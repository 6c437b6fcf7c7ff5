"""null_count: rows where a column is NULL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Answer, Ask, Check, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, count_rows, count_values


def null_metrics(column: str) -> list[Metric]:
    """NULL rows as ``COUNT(*) - COUNT(column)``: both counts are shared with other checks."""
    return [count_rows(), count_values(column)]


def nulls(values: Mapping[Metric, Any], column: str) -> Any:
    return values[count_rows()] - values[count_values(column)]


def null_rows_sample(check: Check, n: int, key: Sequence[str]) -> Ask:
    """The identifying columns (``sample_columns``, else the primary key, asked for first) of
    up to ``n`` rows where the column is NULL, in key order."""
    from sqlalchemy import and_, select

    from dqcheck.sql import col, table_of

    columns = check.sample_columns or tuple(key)
    if not columns:
        return Ask(None, Answer.PRIMARY_KEY)
    assert check.table is not None
    shown = [col(c) for c in columns]
    conditions = [*check.where_conditions(), col(check.params["column"]).is_(None)]
    stmt = (
        select(*shown)
        .select_from(table_of(check.table))
        .where(and_(*conditions))
        .order_by(*shown)
        .limit(n)
    )
    return Ask(stmt, Answer.ROWS)


@register
class NullCount(Check):
    """Rows where the column is NULL; by default none."""

    type = "null_count"
    fields = {"table": TABLE, "column": COLUMN}
    default_bounds = Bounds(max=0)

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> list[Metric]:
        return null_metrics(self.params["column"])

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return nulls(values, self.params["column"])

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask:
        """Keys of the rows with the NULL."""
        return null_rows_sample(self, n, key)
