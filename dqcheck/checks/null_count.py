"""null_count: rows where a column is NULL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Check, register
from dqcheck.results import Bounds


def null_metrics(column: str) -> dict[str, Any]:
    """NULL rows as ``COUNT(*) - COUNT(column)``: both counts are shared with other checks."""
    from dqcheck.sql import count_rows, count_values

    return dict([count_rows(), count_values(column)])


def nulls(values: Mapping[str, Any], column: str) -> Any:
    return values["count(*)"] - values[f"count({column})"]


@register
class NullCount(Check):
    """Rows where the column is NULL; by default none."""

    type = "null_count"
    fields = {"table": TABLE, "column": COLUMN}
    default_bounds = Bounds(max=0)

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> dict[str, Any]:
        return null_metrics(self.params["column"])

    def compute(self, values: Mapping[str, Any]) -> Any:
        return nulls(values, self.params["column"])
