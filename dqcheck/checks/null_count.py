"""null_count: rows where a column is NULL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Check, register
from dqcheck.results import Bounds


def null_metric(column: str) -> tuple[str, Any]:
    from dqcheck.sql import col, count_if

    return f"nulls({column})", count_if(col(column).is_(None))


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
        key, expr = null_metric(self.params["column"])
        return {key: expr}

    def compute(self, values: Mapping[str, Any]) -> Any:
        return values[f"nulls({self.params['column']})"]
