"""The base of every check type and the registry that maps a YAML ``type`` to its class.

A check type is one class in one module, registered with ``@register``. It declares its
fields, its bounds and its default bound; a table check declares its metrics (labelled
SQLAlchemy expressions) and computes its value from them; ``dqcheck.sql`` puts the metrics
of every check on the same table and filter into one SELECT.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from dqcheck import fields as f
from dqcheck.errors import short
from dqcheck.fields import Number
from dqcheck.results import (
    Bounds,
    Status,
    exact,
    is_number,
    json_number,
    non_finite,
    plain,
)
from dqcheck.sql import Metric

if TYPE_CHECKING:
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
    schema: Mapping[str, Any] = field(default_factory=lambda: dict(NUMBER_SCHEMA))


#: A bound in the JSON Schema: a number, or a string YAML 1.1 reads from ``1e6``.
NUMBER_SCHEMA: Mapping[str, Any] = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"},
    ]
}

NUMERIC_BOUNDS = {
    "min": BoundKey("min", f.number),
    "max": BoundKey("max", f.number),
    "equals": BoundKey("equals", f.number),
}


def percent(part: Number, whole: Number) -> Number:
    """100 × part / whole (``whole`` non-zero): exact for ints and Decimals (an int when
    integral, else a Decimal of 40 significant digits), a float when either is a float."""
    if isinstance(part, float) or isinstance(whole, float):
        return 100.0 * float(part) / float(whole)
    with localcontext() as ctx:
        ctx.prec = 40
        result = Decimal(100) * Decimal(part) / Decimal(whole)
    return exact(result)  # type: ignore[no-any-return]


def percent_difference(value: Number, base: Number) -> Number:
    """100 × |value − base| / |base|: 0 when both are 0, 100 when only ``base`` is. Exact for
    ints and Decimals (see ``percent``)."""
    if base == 0:
        return 0 if value == 0 else 100
    if isinstance(value, float) or isinstance(base, float):
        return percent(abs(float(value) - float(base)), abs(float(base)))
    with localcontext() as ctx:
        ctx.prec = 200  # the difference exactly, however many digits the values carry
        difference = abs(Decimal(value) - Decimal(base))
    return percent(difference, Decimal(base).copy_abs())


class Answer(str, Enum):
    """The shape of the answer an own-query check needs; the runner reads it so."""

    #: The first row of the result (None when it has none); no result set is an error.
    FIRST_ROW = "first row"
    #: Every row, as mappings.
    ROWS = "rows"
    #: The table's columns by reflection, as ``{name: type as SQL}`` (no statement).
    COLUMNS = "columns"
    #: The table's primary key columns by reflection, as a list of names (no statement).
    PRIMARY_KEY = "primary key"
    #: Sample rows ``(value, count)``: offending values of one column, most frequent first.
    VALUE_COUNTS = "value counts"
    #: Sample rows ``(key columns..., count)``: offending keys of several columns.
    KEY_COUNTS = "key counts"


@dataclass(frozen=True)
class Ask:
    """One thing an own-query check needs from the database: a statement (None for
    ``COLUMNS``) and the shape of its answer; ``reference`` runs it on the check's other
    connection (``compare``'s ``to.connection``). The runner executes; the check only asks."""

    statement: Any
    answer: Answer = Answer.FIRST_ROW
    reference: bool = False


@dataclass(frozen=True)
class Measurement:
    """What a check measured: its value, and for failing_rows the rows its own query returned
    (already cut: they are its samples, SPEC 2.5)."""

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
    #: Checks that compare with the last stored run (see ``dqcheck.monitor.history``).
    needs_history: ClassVar[bool] = False
    #: How many stored runs such a check reads: 1 gives ``judge`` the last measure (a float),
    #: more its series, a list of (aware UTC start time, measure), oldest first.
    history_depth: ClassVar[int] = 1

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
    #: Up to how many bad rows to show when the check fails or warns (SPEC 2.5); 0 = none.
    samples: int = 5
    #: The columns that identify a row in the samples of the NULL checks (else the primary key).
    sample_columns: tuple[str, ...] | None = None

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

    def metrics(self) -> list[Metric]:
        """Scan checks: the aggregates the check needs (handles from ``dqcheck.sql``)."""
        raise NotImplementedError

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        """Scan checks: the value, from the values of the handles ``metrics`` returned."""
        raise NotImplementedError

    def statement(self) -> Executable | None:
        """Own-query checks: the statement shown by --dry-run and the report."""
        return None

    def asks(self) -> list[Ask]:
        """Own-query checks: what the runner must execute (by default ``statement()``, whose
        first row's first column is the value)."""
        return [Ask(self.statement())]

    def measure(self, answers: Sequence[Any]) -> Measurement:
        """Own-query checks: the measurement from the answers to ``asks()``, in order."""
        (row,) = answers
        if row is None:
            return Measurement(None, note="the query returned no rows")
        return Measurement(row[0])

    def sample_ask(self, n: int, key: Sequence[str] = ()) -> Ask | None:
        """The one bounded read that shows up to ``n`` of the rows that made the check fail or
        warn (SPEC 2.5), run only then; None when the type has no samples. A check that needs
        the table's primary key first asks ``Ask(None, Answer.PRIMARY_KEY)`` and is asked
        again with ``key``, the reflected key columns."""
        return None

    def where_conditions(self) -> list[Any]:
        """The author's ``where`` as a list of zero or one parenthesised condition."""
        from dqcheck.sql import where_clause

        return [where_clause(self.where, self.variables)] if self.where else []

    # -- judging --------------------------------------------------------------------------------

    @classmethod
    def fmt(cls, value: Any) -> str:
        """A value or bound for people (a class method: ``history`` formats stored values)."""
        return "NULL" if value is None else plain(value)

    def expectation(self) -> str:
        text = self.fail.describe(self.fmt) or "any value"
        if not self.warn.is_empty():
            text += f" (warn unless {self.warn.describe(self.fmt)})"
        return text

    def judge(self, m: Measurement, previous: Any = None) -> tuple[Status, Any, str]:
        """Status, JSON value and message for a measurement (SPEC 2.2); ``previous`` is the last
        stored measurement, for checks that compare with it (``needs_history``). Comparisons use the
        exact value (ints and Decimals exactly); the JSON value is its JSON number. A NaN or
        infinite value is never compared: ``error``, and the value is shown as null."""
        problem = non_finite(m.value)
        if problem is not None:
            text = f"value is {problem}"
            return Status.ERROR, None, f"{text} ({m.note})" if m.note else text
        value = exact(m.value)
        if value is None:
            status = self.on_null
            return status, None, m.note or "value is NULL"
        if not is_number(value):
            shown = short(str(value), 60)
            noun = type(value).__name__
            return Status.ERROR, _jsonable(value), f"value {shown} ({noun}) is not a number"
        if not self.fail.accepts(value):
            status = Status.FAIL
        elif not self.warn.accepts(value):
            status = Status.WARN
        else:
            status = Status.PASS
        return status, json_number(value), self.message(value, status, m)

    def expected_range(self, previous: Any = None) -> tuple[float, float] | None:
        """The range the value was expected in, learnt from ``previous`` (``anomaly``), for the
        reports; None for checks whose bounds are written in the suite."""
        return None

    def message(self, value: Any, status: Status, m: Measurement) -> str:
        if status is Status.PASS:
            return m.note
        if status is Status.FAIL:
            text = f"{self.fmt(value)}, expected {self.fail.describe(self.fmt)}"
        else:
            text = f"{self.fmt(value)}, warn unless {self.warn.describe(self.fmt)}"
        return f"{text}; {m.note}" if m.note else text


def normalize(value: Any) -> Any:
    """Database values as JSON-friendly Python values: a bool or an integral Decimal becomes an
    exact int, another Decimal the nearest float, NaN and ±Infinity None (strict JSON has no
    NaN). Judging uses ``exact`` instead, which keeps Decimals."""
    if isinstance(value, (bool, float, Decimal)):
        return json_number(value)
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def jsonable_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _jsonable(normalize(v)) for k, v in row.items()}


#: Characters a sample cell keeps: the report shows which rows, not their whole content.
MAX_CELL = 200


def cut(value: Any, limit: int = MAX_CELL) -> Any:
    """A sample cell for the report: text (and anything shown as text: bytes, dates, JSON)
    cut to ``limit`` characters, the last one an ellipsis; an int too long to read as text."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        value = str(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def sample_cell(value: Any) -> Any:
    """A database value as a sample cell: JSON-friendly (``jsonable_row``) and cut."""
    return cut(_jsonable(normalize(value)))


def counted_sample(
    source: Any, keys: Sequence[Any], conditions: Sequence[Any], n: int, *, repeated: bool = False
) -> Ask:
    """The values (one key) or keys (several) of the rows matching ``conditions``, each with
    the number of rows carrying it, most frequent first, at most ``n``; ``repeated`` keeps only
    keys carried by more than one row. ``keys`` are column expressions with names."""
    from sqlalchemy import and_, func, literal_column, select

    names = [str(k.name) for k in keys]
    label = next(c for c in ("count", "row_count", "dqcheck_count") if c not in names)
    count = func.count().label(label)
    columns = [keys[0].label("value")] if len(keys) == 1 else list(keys)
    stmt = select(*columns, count).select_from(source).group_by(*keys)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    if repeated:
        stmt = stmt.having(func.count() > literal_column("1"))
    stmt = stmt.order_by(count.desc(), *columns).limit(n)
    return Ask(stmt, Answer.VALUE_COUNTS if len(keys) == 1 else Answer.KEY_COUNTS)


class PercentCheck(Check):
    """Base of checks whose value is a percentage bounded by a ``max_<label>_percent`` key."""

    #: The word of the expectation: ``change <= 10%``.
    percent_label: ClassVar[str] = "diff"

    @classmethod
    def fmt(cls, value: Any) -> str:
        """A percentage to three significant digits (bounds exactly), never scientific."""
        if isinstance(value, float) or (isinstance(value, Decimal) and value.is_finite()):
            return f"{plain(value, 3)}%"
        return f"{value}%" if isinstance(value, int) else super().fmt(value)

    def expectation(self) -> str:
        label = self.percent_label
        fail, warn = self.fail.max, self.warn.max
        text = f"{label} <= {plain(fail)}%" if fail is not None else f"any {label}"
        if warn is not None:
            text += f" (warn past {plain(warn)}%)"
        return text


REGISTRY: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make ``cls`` the implementation of YAML ``type: cls.type``."""
    if cls.type in REGISTRY:
        raise ValueError(f"check type {cls.type!r} is registered twice")
    REGISTRY[cls.type] = cls
    return cls


CheckFactory = Callable[..., Check]
