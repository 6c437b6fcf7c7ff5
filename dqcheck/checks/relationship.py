"""relationship: child rows whose key has no parent row (a foreign key, checked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, Ask, Check, Field, counted_sample, register
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

    def _orphans(self) -> tuple[Any, Any, list[Any]]:
        """The child table, its key, and the conditions of an orphan row."""
        from sqlalchemy import column, exists, literal_column, select

        from dqcheck.sql import table_of

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
        return child, child_key, [child_key.is_not(None), orphan, *self.where_conditions()]

    def statement(self) -> Executable:
        from sqlalchemy import and_, func, select

        child, _, conds = self._orphans()
        return select(func.count()).select_from(child).where(and_(*conds))

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask:
        """The orphan values with their counts, most frequent first."""
        child, child_key, conds = self._orphans()
        return counted_sample(child, [child_key], conds, n)
