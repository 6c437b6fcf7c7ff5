"""change: how much a metric moved since the last stored run (needs the history store)."""

from __future__ import annotations

from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import (
    TABLE,
    BoundKey,
    Field,
    Measurement,
    PercentCheck,
    percent_difference,
    register,
)
from dqcheck.checks.expression import ExpressionScan
from dqcheck.results import Status, exact, is_number, non_finite, plain


@register
class Change(ExpressionScan, PercentCheck):
    """Percent change of `expression` (default count(*)) since the last stored run."""

    type = "change"
    fields = {
        "table": TABLE,
        "expression": Field(f.sql_fragment, doc="a SQL aggregate expression (default count(*))"),
    }
    bound_keys = {"max_change_percent": BoundKey("max", f.number)}
    needs_history = True
    percent_label = "change"

    def judge(self, m: Measurement, previous: Any = None) -> tuple[Status, Any, str]:
        now = exact(m.value)
        if non_finite(now) is not None or now is None or not is_number(now):
            return super().judge(m)  # NaN, infinite, NULL or not a number
        if previous is None:
            return Status.PASS, None, f"first run: {plain(now)} stored, nothing to compare with yet"
        before = exact(previous)
        problem = non_finite(before)
        if problem is not None:
            return Status.ERROR, None, f"value is {problem}: the last stored run measured {problem}"
        percent = percent_difference(now, before)
        status, value, _ = super().judge(Measurement(percent))
        sign = "+" if now >= before else "-"
        note = f"{plain(now)} now, {plain(before)} last run ({sign}{self.fmt(percent)})"
        return status, value, note
