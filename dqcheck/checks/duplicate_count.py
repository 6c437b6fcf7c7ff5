"""duplicate_count: rows whose key repeats an earlier row's key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dqcheck import fields as f
from dqcheck.checks.base import TABLE, Ask, Check, Field, counted_sample, register
from dqcheck.results import Bounds
from dqcheck.sql import Metric, count_distinct, count_values

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import Executable


@register
class DuplicateCount(Check):
    """Rows with all key columns non-NULL, minus the distinct such keys; by default none."""

    type = "duplicate_count"
    fields = {
        "table": TABLE,
        "column": Field(f.identifier, doc="the key column"),
        "columns": Field(
            f.column_list,
            doc="the key columns",
            schema={"type": "array", "items": {"type": "string"}, "minItems": 1},
        ),
    }
    default_bounds = Bounds(max=0)

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        if ("column" in params) == ("columns" in params):
            return [(None, "give either 'column' or 'columns' (a list), not both or neither")]
        return []

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(self.params.get("columns") or (self.params["column"],))

    @property
    def is_scan(self) -> bool:
        return len(self.key) == 1

    def metrics(self) -> list[Metric]:
        (name,) = self.key
        return [count_values(name), count_distinct(name)]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        (name,) = self.key
        return values[count_values(name)] - values[count_distinct(name)]

    def _keys(self) -> tuple[list[Any], list[Any]]:
        """The key columns, and the conditions of the rows counted: every key non-NULL."""
        from dqcheck.sql import col

        keys = [col(c) for c in self.key]
        return keys, [*(k.is_not(None) for k in keys), *self.where_conditions()]

    def statement(self) -> Executable:
        from sqlalchemy import and_, func, literal_column, select

        from dqcheck.sql import table_of

        assert self.table is not None
        keys, conds = self._keys()
        groups = (
            select(func.count().label("n"))
            .select_from(table_of(self.table))
            .where(and_(*conds))
            .group_by(*keys)
            .having(func.count() > literal_column("1"))
            .subquery("dup")
        )
        n: Any = literal_column("dup.n")
        return select(
            func.coalesce(func.sum(n - literal_column("1")), literal_column("0"))
        ).select_from(groups)

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask:
        """The duplicated keys with their counts, most frequent first."""
        from dqcheck.sql import table_of

        assert self.table is not None
        keys, conds = self._keys()
        return counted_sample(table_of(self.table), keys, conds, n, repeated=True)
