"""threshold: the single value a custom SQL query returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dqcheck.checks.base import SQL, Check, register
from dqcheck.sql import bound_text

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import Executable


@register
class Threshold(Check):
    """The first column of the first row of `sql`; a bound is required."""

    type = "threshold"
    fields = {"sql": SQL}

    def statement(self) -> Executable:
        return bound_text(self.params["sql"], self.variables)
