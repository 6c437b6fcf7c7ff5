"""row_count: COUNT(*) of a table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import TABLE, Check, register
from dqcheck.results import Bounds


@register
class RowCount(Check):
    """Number of rows (COUNT(*)); by default at least 1."""

    type = "row_count"
    fields = {"table": TABLE}
    default_bounds = Bounds(min=1)

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> dict[str, Any]:
        from dqcheck.sql import count_rows

        return dict([count_rows()])

    def compute(self, values: Mapping[str, Any]) -> Any:
        return values["count(*)"]
