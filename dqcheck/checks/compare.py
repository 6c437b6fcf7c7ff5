"""compare: a metric of this table against the same metric of a reference table, which may be
in another database (a copy, a source system, yesterday's snapshot)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from dqcheck import fields as f
from dqcheck.checks.base import (
    TABLE,
    Ask,
    BoundKey,
    Field,
    Measurement,
    PercentCheck,
    percent_difference,
    register,
)
from dqcheck.errors import short
from dqcheck.results import Bounds, exact, is_number, non_finite, plain
from dqcheck.sql import expression_metric

if TYPE_CHECKING:
    pass


class Reference(NamedTuple):
    table: f.TableRef
    connection: str | None
    where: str | None


def reference(value: Any) -> Reference:
    """``{table: ..., connection: ID (optional), where: SQL (optional)}``."""
    if not isinstance(value, Mapping) or "table" not in value:
        raise f.FieldError(
            f"expected {{table: ..., connection: ..., where: ...}}, got {short(value)}"
        )
    extra = sorted(set(value) - {"table", "connection", "where"})
    if extra:
        raise f.FieldError(f"unknown key {short(extra[0])} (known: table, connection, where)")
    connection = f.text(value["connection"]) if "connection" in value else None
    where = f.sql_fragment(value["where"]) if "where" in value else None
    return Reference(f.table_ref(value["table"]), connection, where)


@register
class Compare(PercentCheck):
    """100 × |this − reference| / |reference| of `expression` (default count(*))."""

    type = "compare"
    fields = {
        "table": TABLE,
        "to": Field(
            reference,
            required=True,
            doc="the reference: {table, connection (optional), where (optional)}",
            schema={
                "type": "object",
                "properties": {
                    "table": {"type": "string"},
                    "connection": {"type": "string"},
                    "where": {"type": "string"},
                },
                "required": ["table"],
                "additionalProperties": False,
            },
        ),
        "expression": Field(f.sql_fragment, doc="a SQL aggregate expression (default count(*))"),
    }
    bound_keys = {"max_diff_percent": BoundKey("max", f.number)}
    default_bounds = Bounds(max=0)

    @classmethod
    def sql_texts(cls, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        ref = params.get("to")
        return [("to", ref.where)] if isinstance(ref, Reference) and ref.where else []

    @property
    def other_connection(self) -> str | None:
        """The reference's connection id, when it is another database."""
        ref: Reference = self.params["to"]
        return ref.connection

    def _side(self, table: f.TableRef, where: str | None) -> Any:
        from sqlalchemy import select

        from dqcheck.sql import table_of, where_clause

        metric = expression_metric(self.params.get("expression"), self.variables)
        stmt = select(metric.expression).select_from(table_of(table))
        return stmt.where(where_clause(where, self.variables)) if where else stmt

    def _this(self) -> Any:
        assert self.table is not None
        return self._side(self.table, self.where)

    def _reference(self) -> Any:
        ref: Reference = self.params["to"]
        return self._side(ref.table, ref.where)

    def statement(self) -> Any:
        from sqlalchemy import select

        if self.other_connection is not None:
            return self._this()  # the reference side runs on its own connection
        return select(
            self._this().scalar_subquery().label("this"),
            self._reference().scalar_subquery().label("reference"),
        )

    def asks(self) -> list[Ask]:
        if self.other_connection is not None:  # the reference side on its own connection
            return [Ask(self._this()), Ask(self._reference(), reference=True)]
        return [Ask(self.statement())]

    def measure(self, answers: Sequence[Any]) -> Measurement:
        if len(answers) == 2:
            this, ref = answers
            return self._percent(this[0], ref[0])
        (row,) = answers
        return self._percent(row[0], row[1])

    def _percent(self, this: Any, ref: Any) -> Measurement:
        for side, raw in (("this table", this), ("the reference", ref)):
            problem = non_finite(raw)
            if problem is not None:  # judged as an error, never compared
                return Measurement(raw, note=f"the expression is {problem} on {side}")
        a, b = exact(this), exact(ref)
        if a is None or b is None:
            side = "this table" if a is None else "the reference"
            return Measurement(None, note=f"the expression is NULL on {side}")
        for raw in (a, b):
            if not is_number(raw):
                return Measurement(raw)  # judged as "not a number"
        # the reference is the base
        return Measurement(percent_difference(a, b), note=f"this {plain(a)}, reference {plain(b)}")
