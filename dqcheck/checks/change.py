"""change: how much a metric moved since the last stored run (needs the history store)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import (
    TABLE,
    BoundKey,
    Check,
    Field,
    Measurement,
    bound_text,
    normalize,
    register,
    variables_in,
)
from dqcheck.results import Status


@register
class Change(Check):
    """Percent change of `expression` (default count(*)) since the last stored run."""

    type = "change"
    fields = {
        "table": TABLE,
        "expression": Field(f.sql_fragment, doc="a SQL aggregate expression (default count(*))"),
    }
    bound_keys = {"max_change_percent": BoundKey("max", f.number)}
    needs_history = True
    #: The measurement of the last stored run, set from the history before the run.
    previous: float | None = None

    @property
    def is_scan(self) -> bool:
        return True

    @property
    def _key(self) -> str:
        expr = self.params.get("expression", "count(*)")
        used = {n: self.variables[n] for n in variables_in(expr)}
        return f"expr({expr}, {sorted(used.items())!r})"

    def metrics(self) -> dict[str, Any]:
        from sqlalchemy import func
        from sqlalchemy.sql.elements import Grouping

        expr = self.params.get("expression")
        if expr is None:
            return {"count(*)": func.count()}
        return {self._key: Grouping(bound_text(expr, self.variables))}

    def compute(self, values: Mapping[str, Any]) -> Any:
        return values["count(*)" if "expression" not in self.params else self._key]

    def fmt(self, value: Any) -> str:
        return f"{value:.3g}%" if isinstance(value, float) else super().fmt(value)

    def expectation(self) -> str:
        text = f"change <= {self.fail.max:g}%" if self.fail.max is not None else "any change"
        if self.warn.max is not None:
            text += f" (warn past {self.warn.max:g}%)"
        return text

    def judge(self, m: Measurement) -> tuple[Status, Any, str]:
        now = normalize(m.value)
        if now is None or not isinstance(now, (int, float)):
            return super().judge(m)
        if self.previous is None:
            return Status.PASS, None, f"first run: {now:g} stored, nothing to compare with yet"
        before = self.previous
        if before == 0:
            percent = 0.0 if now == 0 else 100.0
        else:
            percent = 100.0 * abs(now - before) / abs(before)
        status, value, _ = super().judge(Measurement(percent))
        sign = "+" if now >= before else "-"
        note = f"{now:g} now, {before:g} last run ({sign}{percent:.3g}%)"
        return status, value, note
