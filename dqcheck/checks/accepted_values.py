"""accepted_values: non-NULL rows whose value is not in a list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, Check, Field, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, col, count_matching


@register
class AcceptedValues(Check):
    """Non-NULL rows whose value is not one of `values`; by default none."""

    type = "accepted_values"
    fields = {
        "table": TABLE,
        "column": COLUMN,
        "values": Field(
            f.scalar_list,
            required=True,
            doc="the accepted values",
            schema={"type": "array", "minItems": 1},
        ),
    }
    default_bounds = Bounds(max=0)

    @property
    def is_scan(self) -> bool:
        return True

    @property
    def _unaccepted(self) -> Metric:
        from sqlalchemy import and_, bindparam
        from sqlalchemy.types import NullType

        name, accepted = self.params["column"], self.params["values"]
        c = col(name)
        values = [bindparam(None, v, type_=NullType()) for v in accepted]
        condition = and_(c.is_not(None), c.not_in(values))
        return count_matching(f"{name} not in {accepted!r}", condition)

    def metrics(self) -> list[Metric]:
        return [self._unaccepted]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return values[self._unaccepted]
