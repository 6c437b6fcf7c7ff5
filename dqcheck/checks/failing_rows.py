"""failing_rows: a query that returns the rows that break a rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import SQL, Answer, Ask, Check, Measurement, jsonable_row, register
from dqcheck.results import Bounds, Status
from dqcheck.sql import bound_text

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import Executable

SAMPLES = 5
TOTAL = "dqcheck_total_rows__"
#: Characters a sample cell keeps: the report shows which rows, not their whole content.
MAX_CELL = 200


@register
class FailingRows(Check):
    """Rows returned by `sql` (all counted, 5 shown); by default none."""

    type = "failing_rows"
    fields = {"sql": SQL}
    default_bounds = Bounds(max=0)

    def statement(self) -> Executable:
        # Text, not select(): the sample rows keep the query's own column names.
        return bound_text(
            f"SELECT failing.*, COUNT(*) OVER () AS {TOTAL} "
            f"FROM ({self.params['sql']}\n) AS failing LIMIT {SAMPLES}",
            self.variables,
        )

    def asks(self) -> list[Ask]:
        return [Ask(self.statement(), Answer.ROWS)]

    def measure(self, answers: Sequence[Any]) -> Measurement:
        (rows,) = answers
        total = int(rows[0][TOTAL]) if rows else 0
        samples = [
            {k: cut(v) for k, v in jsonable_row({k: v for k, v in r.items() if k != TOTAL}).items()}
            for r in rows[:SAMPLES]
        ]
        return Measurement(total, rows=samples)

    def message(self, value: float, status: Status, m: Measurement) -> str:
        base = super().message(value, status, m)
        if status is Status.PASS or not m.rows:
            return base
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in m.rows[:3])
        return f"{base}; e.g. {shown}"


def cut(value: Any, limit: int = MAX_CELL) -> Any:
    """A sample cell for the report: text (and anything shown as text: bytes, dates, JSON)
    cut to ``limit`` characters, the last one an ellipsis; an int too long to read as text."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        value = str(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value
