"""row_count: COUNT(*) of a table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import TABLE, Check, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, count_rows


@register
class RowCount(Check):
    """Number of rows (COUNT(*)); by default at least 1."""

    type = "row_count"
    fields = {"table": TABLE}
    default_bounds = Bounds(min=1)

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> list[Metric]:
        return [count_rows()]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return values[count_rows()]
