"""aggregate: any SQL aggregate expression over a table's rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import (
    TABLE,
    Check,
    Field,
    register,
)
from dqcheck.sql import Metric, expression_metric


@register
class Aggregate(Check):
    """Any SQL aggregate expression over the rows, e.g. avg(amount); a bound is required."""

    type = "aggregate"
    fields = {
        "table": TABLE,
        "expression": Field(f.sql_fragment, required=True, doc="a SQL aggregate expression"),
    }

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> list[Metric]:
        return [expression_metric(self.params["expression"], self.variables)]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return values[expression_metric(self.params["expression"], self.variables)]
