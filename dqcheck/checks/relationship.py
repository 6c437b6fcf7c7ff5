"""relationship: child rows whose key has no parent row (a foreign key, checked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, Check, Field, register
from dqcheck.errors import short
from dqcheck.results import Bounds

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import Executable


def parent_ref(value: Any) -> tuple[f.TableRef, str]:
    """``{table: schema.name, column: name}``: the parent key."""
    if not isinstance(value, Mapping) or set(value) != {"table", "column"}:
        raise f.FieldError(f"expected {{table: ..., column: ...}}, got {short(value)}")
    return f.table_ref(value["table"]), f.identifier(value["column"])


@register
class Relationship(Check):
    """Non-NULL rows whose column has no match in `to: {table, column}`; by default none."""

    type = "relationship"
    fields = {
        "table": TABLE,
        "column": COLUMN,
        "to": Field(
            parent_ref,
            required=True,
            doc="the parent table and column",
            schema={
                "type": "object",
                "properties": {"table": {"type": "string"}, "column": {"type": "string"}},
                "required": ["table", "column"],
                "additionalProperties": False,
            },
        ),
    }
    default_bounds = Bounds(max=0)

    def statement(self) -> Executable:
        from sqlalchemy import and_, column, exists, func, literal_column, select

        from dqcheck.sql import table_of, where_clause

        assert self.table is not None
        parent_table, parent_column = self.params["to"]
        # Aliases, so a table may refer to itself (employees.manager_id → employees.id).
        child = table_of(self.table).alias("child")
        parent = table_of(parent_table).alias("parent")
        child_key: Any = column(self.params["column"], _selectable=child)
        parent_key: Any = column(parent_column, _selectable=parent)
        orphan = ~exists(
            select(literal_column("1")).select_from(parent).where(parent_key == child_key)
        )
        conds = [child_key.is_not(None), orphan]
        if self.where:
            conds.append(where_clause(self.where, self.variables))
        return select(func.count()).select_from(child).where(and_(*conds))
