"""null_percent: share of rows where a column is NULL, in percent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Check, normalize, register
from dqcheck.checks.null_count import null_metrics, nulls


@register
class NullPercent(Check):
    """100 × NULL rows / rows (0 on an empty table); a bound is required."""

    type = "null_percent"
    fields = {"table": TABLE, "column": COLUMN}

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> dict[str, Any]:
        return null_metrics(self.params["column"])

    def compute(self, values: Mapping[str, Any]) -> Any:
        rows = normalize(values["count(*)"])
        return 0.0 if not rows else 100.0 * normalize(nulls(values, self.params["column"])) / rows
