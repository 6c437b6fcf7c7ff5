"""The base of every check type and the registry that maps a YAML ``type`` to its class.

A check type is one class in one module, registered with ``@register``. It declares its
fields, its bounds and its default bound; a table check declares its metrics (labelled
SQLAlchemy expressions) and computes its value from them; ``dqcheck.sql`` puts the metrics
of every check on the same table and filter into one SELECT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from dqcheck import fields as f
from dqcheck.results import Bounds, Status

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.elements import ColumnElement, TextClause
    from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class Field:
    """One key a check type accepts besides the common ones."""

    parse: f.Parser
    required: bool = False
    doc: str = ""
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


TABLE = Field(f.table_ref, required=True, doc="table name or schema.table")
COLUMN = Field(f.identifier, required=True, doc="column name")
SQL = Field(f.sql_statement, required=True, doc="one SQL statement")


@dataclass(frozen=True)
class BoundKey:
    """A key that sets a bound: which side of ``Bounds`` it sets and how it is parsed."""

    attr: str
    parse: f.Parser
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "number"})


NUMERIC_BOUNDS = {
    "min": BoundKey("min", f.number),
    "max": BoundKey("max", f.number),
    "equals": BoundKey("equals", f.number),
}

#: The key under which a scan's values carry the database clock (see ``Check.needs_clock``).
CLOCK = "__clock__"

# Variables in SQL fragments: the same rule SQLAlchemy's text() uses to find bind parameters.
VARIABLE = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def variables_in(sql: str) -> list[str]:
    return list(dict.fromkeys(VARIABLE.findall(sql)))


def bound_text(sql: str, variables: Mapping[str, str]) -> TextClause:
    """``sql`` as a text clause whose ``:names`` are bound parameters, never pasted."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.types import NullType

    params = [bindparam(n, variables[n], type_=NullType(), unique=True) for n in variables_in(sql)]
    return text(sql).bindparams(*params)


def expression_metric(
    expression: str | None, variables: Mapping[str, str]
) -> tuple[str, ColumnElement[Any]]:
    """The metric of an author's aggregate ``expression`` (``COUNT(*)`` when None), keyed by
    its text and the values of its variables, so equal metrics share a column of the scan."""
    from sqlalchemy.sql.elements import Grouping

    from dqcheck.sql import count_rows

    if expression is None:
        return count_rows()
    return expression_key(expression, variables), Grouping(bound_text(expression, variables))


def expression_key(expression: str | None, variables: Mapping[str, str]) -> str:
    """The key ``expression_metric`` files the metric under."""
    if expression is None:
        return "count(*)"
    used = {n: variables[n] for n in variables_in(expression)}
    return f"expr({expression}, {sorted(used.items())!r})"


def percent_difference(value: float, base: float) -> float:
    """100 × |value − base| / |base|: 0 when both are 0, 100 when only ``base`` is."""
    if base == 0:
        return 0.0 if value == 0 else 100.0
    return 100.0 * abs(value - base) / abs(base)


@dataclass(frozen=True)
class Measurement:
    """What a check measured: its value, and for failing_rows the sample rows."""

    value: Any
    rows: list[dict[str, Any]] | None = None
    note: str = ""


@dataclass
class Check:
    """A configured check. Subclasses are the check types; see ``register``."""

    type: ClassVar[str]
    fields: ClassVar[dict[str, Field]] = {}
    bound_keys: ClassVar[dict[str, BoundKey]] = NUMERIC_BOUNDS
    #: The fail bound when the check writes none; None means the suite must write one.
    default_bounds: ClassVar[Bounds | None] = None
    #: Scan checks that need the database's current time in ``compute`` (under ``CLOCK``).
    needs_clock: ClassVar[bool] = False
    #: Checks that compare with the last stored run (see ``dqcheck.history``).
    needs_history: ClassVar[bool] = False

    suite: str
    name: str
    params: dict[str, Any]
    fail: Bounds
    warn: Bounds = field(default_factory=Bounds)
    where: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    timeout: float | None = None
    on_null: Status = Status.FAIL
    variables: dict[str, str] = field(default_factory=dict)
    connection: str | None = None
    file: str | None = None
    line: int | None = None

    # -- declaration ----------------------------------------------------------------------------

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring: the type's description."""
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        """Rules across fields, as (field, message) pairs; none by default."""
        return []

    @classmethod
    def sql_texts(cls, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, SQL) held inside structured fields, whose ``:variables`` must be defined."""
        return []

    @property
    def other_connection(self) -> str | None:
        """A connection id the check also reads (``compare``'s reference), else None."""
        return None

    def measure_with(self, conn: Connection, other: Connection) -> Measurement:
        """Own-query checks reading a second database: measure with both connections."""
        raise NotImplementedError

    # -- identity -------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return f"{self.suite}.{self.name}"

    @property
    def table(self) -> f.TableRef | None:
        table = self.params.get("table")
        return table if isinstance(table, f.TableRef) else None

    @property
    def is_scan(self) -> bool:
        """True when the check is answered by the shared one-scan SELECT of its table."""
        return False

    # -- measuring ------------------------------------------------------------------------------

    def metrics(self) -> dict[str, ColumnElement[Any]]:
        """Scan checks: labelled aggregate expressions, keyed so equal metrics share a column."""
        raise NotImplementedError

    def compute(self, values: Mapping[str, Any]) -> Any:
        """Scan checks: the value from the metric values (keys as returned by ``metrics``)."""
        raise NotImplementedError

    def statement(self) -> Executable | None:
        """Own-query checks: the statement shown by --dry-run and the report."""
        return None

    def measure(self, conn: Connection) -> Measurement:
        """Own-query checks: run against ``conn`` (read-only transaction) and measure."""
        raise NotImplementedError

    # -- judging --------------------------------------------------------------------------------

    def fmt(self, value: Any) -> str:
        """A value or bound for people."""
        if isinstance(value, float):
            return f"{int(value)}" if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
        return "NULL" if value is None else str(value)

    def expectation(self) -> str:
        text = self.fail.describe(self.fmt) or "any value"
        if not self.warn.is_empty():
            text += f" (warn unless {self.warn.describe(self.fmt)})"
        return text

    def judge(self, m: Measurement) -> tuple[Status, Any, str]:
        """Status, JSON value and message for a measurement (SPEC 2.2)."""
        value = normalize(m.value)
        if value is None:
            status = self.on_null
            return status, None, m.note or "value is NULL"
        if not isinstance(value, (int, float)):
            return Status.ERROR, _jsonable(value), f"value {value!r} is not a number"
        if not self.fail.accepts(value):
            status = Status.FAIL
        elif not self.warn.accepts(value):
            status = Status.WARN
        else:
            status = Status.PASS
        return status, value, self.message(value, status, m)

    def message(self, value: float, status: Status, m: Measurement) -> str:
        if status is Status.PASS:
            return m.note
        if status is Status.FAIL:
            text = f"{self.fmt(value)}, expected {self.fail.describe(self.fmt)}"
        else:
            text = f"{self.fmt(value)}, warn unless {self.warn.describe(self.fmt)}"
        return f"{text}; {m.note}" if m.note else text


def normalize(value: Any) -> Any:
    """Database numbers as JSON-friendly Python numbers (Decimal → int or float)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and abs(value) < 10**15
            else float(value)
        )
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def jsonable_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _jsonable(normalize(v)) for k, v in row.items()}


class PercentCheck(Check):
    """Base of checks whose value is a percentage bounded by a ``max_<label>_percent`` key."""

    #: The word of the expectation: ``change <= 10%``.
    percent_label: ClassVar[str] = "diff"

    def fmt(self, value: Any) -> str:
        return f"{value:.3g}%" if isinstance(value, float) else super().fmt(value)

    def expectation(self) -> str:
        label = self.percent_label
        text = f"{label} <= {self.fail.max:g}%" if self.fail.max is not None else f"any {label}"
        if self.warn.max is not None:
            text += f" (warn past {self.warn.max:g}%)"
        return text


REGISTRY: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make ``cls`` the implementation of YAML ``type: cls.type``."""
    if cls.type in REGISTRY:
        raise ValueError(f"check type {cls.type!r} is registered twice")
    REGISTRY[cls.type] = cls
    return cls


CheckFactory = Callable[..., Check]
