"""aggregate: any SQL aggregate expression over a table's rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import TABLE, Check, Field, bound_text, register, variables_in


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

    @property
    def _key(self) -> str:
        expr = self.params["expression"]
        used = {n: self.variables[n] for n in variables_in(expr)}
        return f"expr({expr}, {sorted(used.items())!r})"

    def metrics(self) -> dict[str, Any]:
        from sqlalchemy.sql.elements import Grouping

        return {self._key: Grouping(bound_text(self.params["expression"], self.variables))}

    def compute(self, values: Mapping[str, Any]) -> Any:
        return values[self._key]
