"""null_percent: share of rows where a column is NULL, in percent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dqcheck.checks.base import COLUMN, TABLE, Ask, Check, percent, register
from dqcheck.checks.null_count import null_metrics, null_rows_sample, nulls
from dqcheck.sql import Metric, count_rows


@register
class NullPercent(Check):
    """100 × NULL rows / rows (0 on an empty table); a bound is required."""

    type = "null_percent"
    fields = {"table": TABLE, "column": COLUMN}

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> list[Metric]:
        return null_metrics(self.params["column"])

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        rows = int(values[count_rows()] or 0)
        return 0 if not rows else percent(int(nulls(values, self.params["column"])), rows)

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask:
        """Keys of the rows with the NULL."""
        return null_rows_sample(self, n, key)
