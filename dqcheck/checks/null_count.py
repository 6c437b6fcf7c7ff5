"""null_count: rows where a column is NULL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Check, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, count_rows, count_values


def null_metrics(column: str) -> list[Metric]:
    """NULL rows as ``COUNT(*) - COUNT(column)``: both counts are shared with other checks."""
    return [count_rows(), count_values(column)]


def nulls(values: Mapping[Metric, Any], column: str) -> Any:
    return values[count_rows()] - values[count_values(column)]


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
