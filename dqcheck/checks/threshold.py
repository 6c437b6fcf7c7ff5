"""threshold: the single value a custom SQL query returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dqcheck.checks.base import SQL, Check, Measurement, register
from dqcheck.sql import bound_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import Executable


@register
class Threshold(Check):
    """The first column of the first row of `sql`; a bound is required."""

    type = "threshold"
    fields = {"sql": SQL}

    def statement(self) -> Executable:
        return bound_text(self.params["sql"], self.variables)

    def measure(self, conn: Connection) -> Measurement:
        result = conn.execute(self.statement())
        if not result.returns_rows:
            raise LookupError("the SQL returned no result set: a threshold needs a SELECT")
        row = result.first()
        if row is None:
            return Measurement(None, note="the query returned no rows")
        return Measurement(row[0])
