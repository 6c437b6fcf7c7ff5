"""failing_rows: a query that returns the rows that break a rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import (
    MAX_CELL,
    SQL,
    Answer,
    Ask,
    Check,
    Measurement,
    cut,
    jsonable_row,
    register,
)
from dqcheck.results import Bounds
from dqcheck.sql import first_rows_with_total

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import Executable

__all__ = ["MAX_CELL", "TOTAL", "FailingRows", "cut"]

TOTAL = "dqcheck_total_rows__"


@register
class FailingRows(Check):
    """Rows returned by `sql` (all counted, `samples` shown, 5 by default); by default none."""

    type = "failing_rows"
    fields = {"sql": SQL}
    default_bounds = Bounds(max=0)

    def statement(self) -> Executable:
        # The sample rows keep the query's own column names. At least one row even with
        # ``samples: 0``: the total rides on it. LIMIT n, or TOP n on SQL Server.
        return first_rows_with_total(
            self.params["sql"], self.variables, max(1, int(self.samples)), TOTAL
        )

    def asks(self) -> list[Ask]:
        return [Ask(self.statement(), Answer.ROWS)]

    def measure(self, answers: Sequence[Any]) -> Measurement:
        (rows,) = answers
        total = int(rows[0][TOTAL]) if rows else 0
        samples = [
            {k: cut(v) for k, v in jsonable_row({k: v for k, v in r.items() if k != TOTAL}).items()}
            for r in rows[: self.samples]
        ]
        return Measurement(total, rows=samples)
