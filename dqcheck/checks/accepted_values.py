"""accepted_values: non-NULL rows whose value is not in a list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, Check, Field, register
from dqcheck.results import Bounds


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
    def _key(self) -> str:
        return f"not_in({self.params['column']}, {self.params['values']!r})"

    def metrics(self) -> dict[str, Any]:
        from sqlalchemy import and_, bindparam
        from sqlalchemy.types import NullType

        from dqcheck.sql import col, count_if

        c = col(self.params["column"])
        values = [bindparam(None, v, type_=NullType()) for v in self.params["values"]]
        return {self._key: count_if(and_(c.is_not(None), c.not_in(values)))}

    def compute(self, values: Mapping[str, Any]) -> Any:
        return values[self._key]
