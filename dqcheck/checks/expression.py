"""The checks measuring one author's aggregate ``expression`` in the shared scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.checks.base import Check
from dqcheck.sql import Metric, expression_metric


class ExpressionScan(Check):
    """A check measuring one author's aggregate ``expression`` (``count(*)`` when it has none)
    in its table's shared scan: aggregate, change, anomaly."""

    @property
    def is_scan(self) -> bool:
        return True

    def _metric(self) -> Metric:
        return expression_metric(self.params.get("expression"), self.variables)

    def metrics(self) -> list[Metric]:
        return [self._metric()]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return values[self._metric()]
