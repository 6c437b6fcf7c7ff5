"""freshness: how long ago the newest row was written, by the database's clock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, BoundKey, Check, Measurement, register
from dqcheck.durations import format_duration
from dqcheck.results import Status


@register
class Freshness(Check):
    """Seconds since MAX(column); fails past `max_age`, and on an empty table."""

    type = "freshness"
    fields = {"table": TABLE, "column": COLUMN}
    bound_keys = {"max_age": BoundKey("max", f.duration, schema={"type": "string"})}

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> dict[str, Any]:
        from sqlalchemy import func

        from dqcheck.sql import col, seconds_since

        name = self.params["column"]
        return {f"age({name})": seconds_since(func.max(col(name)))}

    def compute(self, values: Mapping[str, Any]) -> Any:
        value = values[f"age({self.params['column']})"]
        return None if value is None else float(value)

    def fmt(self, value: Any) -> str:
        return format_duration(value) if isinstance(value, (int, float)) else super().fmt(value)

    def expectation(self) -> str:
        text = f"age <= {self.fmt(self.fail.max)}" if self.fail.max is not None else "any age"
        if self.warn.max is not None:
            text += f" (warn past {self.fmt(self.warn.max)})"
        return text

    def judge(self, m: Measurement) -> tuple[Status, Any, str]:
        if m.value is None:
            return self.on_null, None, "no rows: the table is empty or the column is all NULL"
        return super().judge(m)

    def message(self, value: float, status: Status, m: Measurement) -> str:
        limit = self.fail.max if status is not Status.WARN else self.warn.max
        text = f"last row {self.fmt(value)} ago"
        if limit is not None:
            text += f", limit {self.fmt(limit)}"
        if value < 0:
            text += " (newest row is in the future)"
        return text
