"""accepted_values: non-NULL rows whose value is not in a list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, Ask, Check, Field, counted_sample, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, col, count_matching, table_of


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

    def _condition(self) -> Any:
        """Non-NULL and not one of the values (bound parameters, never pasted)."""
        from sqlalchemy import and_, bindparam
        from sqlalchemy.types import NullType

        c = col(self.params["column"])
        values = [bindparam(None, v, type_=NullType()) for v in self.params["values"]]
        return and_(c.is_not(None), c.not_in(values))

    @property
    def _unaccepted(self) -> Metric:
        name, accepted = self.params["column"], self.params["values"]
        return count_matching(f"{name} not in {accepted!r}", self._condition())

    def metrics(self) -> list[Metric]:
        return [self._unaccepted]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        return values[self._unaccepted]

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask:
        """The offending values with their counts, most frequent first."""
        assert self.table is not None
        conditions = [*self.where_conditions(), self._condition()]
        return counted_sample(table_of(self.table), [col(self.params["column"])], conditions, n)
