"""aggregate: any SQL aggregate expression over a table's rows."""

from __future__ import annotations

from dqcheck import fields as f
from dqcheck.checks.base import (
    TABLE,
    Field,
    register,
)
from dqcheck.checks.expression import ExpressionScan


@register
class Aggregate(ExpressionScan):
    """Any SQL aggregate expression over the rows, e.g. avg(amount); a bound is required."""

    type = "aggregate"
    fields = {
        "table": TABLE,
        "expression": Field(f.sql_fragment, required=True, doc="a SQL aggregate expression"),
    }
