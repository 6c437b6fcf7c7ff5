"""freshness: how long ago the newest row was written, by the database's clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import COLUMN, TABLE, BoundKey, Check, Measurement, register
from dqcheck.durations import format_duration
from dqcheck.results import Status
from dqcheck.sql import CLOCK, Metric, maximum


@register
class Freshness(Check):
    """Seconds since MAX(column); fails past `max_age`, and on an empty table."""

    type = "freshness"
    fields = {"table": TABLE, "column": COLUMN}
    bound_keys = {"max_age": BoundKey("max", f.duration, schema={"type": "string"})}

    #: The scan reads MAX(column); the database clock comes from a separate
    #: ``SELECT CURRENT_TIMESTAMP`` in the same transaction, because on Redshift the current
    #: time functions are leader-node only and fail in a query that reads a table.
    needs_clock = True

    @property
    def is_scan(self) -> bool:
        return True

    def metrics(self) -> list[Metric]:
        return [maximum(self.params["column"])]

    def compute(self, values: Mapping[Metric, Any]) -> Any:
        newest = values[maximum(self.params["column"])]
        if newest is None:
            return None
        sentinel = sentinel_of(newest)
        if sentinel is not None:
            return NoAge(newest, sentinel)
        age = age_seconds(values[CLOCK], newest)
        if age < -CLOCK_SKEW:
            return NoAge(newest, "future", age)
        return max(age, 0.0)  # a newest row within the clock skew is just written: age 0

    @classmethod
    def fmt(cls, value: Any) -> str:
        return format_duration(value) if isinstance(value, (int, float)) else super().fmt(value)

    def expectation(self) -> str:
        text = f"age <= {self.fmt(self.fail.max)}" if self.fail.max is not None else "any age"
        if self.warn.max is not None:
            text += f" (warn past {self.fmt(self.warn.max)})"
        return text

    def judge(self, m: Measurement, previous: Any = None) -> tuple[Status, Any, str]:
        if m.value is None:
            return self.on_null, None, "no rows: the table is empty or the column is all NULL"
        if isinstance(m.value, NoAge):
            return Status.FAIL, m.value.age, m.value.describe(self.params["column"])
        return super().judge(m)

    def message(self, value: Any, status: Status, m: Measurement) -> str:
        limit = self.fail.max if status is not Status.WARN else self.warn.max
        text = f"last row {self.fmt(value)} ago"
        if limit is not None:
            text += f", limit {self.fmt(limit)}"
        return text


#: A newest row at most this many seconds ahead of the database clock is clock skew (age 0);
#: further ahead, it is a future or sentinel row and the check fails (SPEC 2.2).
CLOCK_SKEW = 300.0

_HIDES = "a future or sentinel row hides the table's real age"


@dataclass(frozen=True)
class NoAge:
    """A ``MAX(column)`` that gives the table no age: ``infinity``, ``-infinity`` or a time in
    the future beyond the clock skew (``age`` is then negative seconds)."""

    newest: Any
    kind: str  # "infinity", "-infinity" or "future"
    age: float | None = None

    def describe(self, column: str) -> str:
        if self.kind == "future" and self.age is not None:
            ahead = format_duration(-self.age)
            return f"newest {column} is {ahead} in the future ({self.newest}): {_HIDES}"
        if self.kind == "infinity":
            return f"newest {column} is infinity: {_HIDES}"
        return f"newest {column} is -infinity: the table has no real timestamp, so no age"


def sentinel_of(value: Any) -> str | None:
    """``"infinity"`` or ``"-infinity"`` for PostgreSQL's infinite timestamps and dates (the
    driver returns them as ``datetime.max``/``date.max`` and ``datetime.min``/``date.min``, or
    as text), else None."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("infinity", "+infinity"):
            return "infinity"
        return "-infinity" if text == "-infinity" else None
    if isinstance(value, (date, datetime)):
        day = (value.year, value.month, value.day)
        if day == (date.max.year, date.max.month, date.max.day):
            return "infinity"
        if day == (date.min.year, date.min.month, date.min.day):
            return "-infinity"
    return None


def _as_datetime(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):  # SQLite keeps timestamps as text
        text = value.strip().replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{what} {value!r} is not a timestamp")


def age_seconds(now: Any, newest: Any) -> float:
    """Seconds from ``newest`` to the database's ``now``, the way PostgreSQL subtracts: a
    timestamp without time zone is read in the session's time zone (``now``'s offset)."""
    clock = _as_datetime(now, "the database clock")
    latest = _as_datetime(newest, "the newest value")
    if (latest.tzinfo is None) != (clock.tzinfo is None):
        if latest.tzinfo is None:
            clock = clock.replace(tzinfo=None)  # naive local time of the session
        else:
            clock = clock.replace(tzinfo=timezone.utc)  # SQLite's clock is UTC
    return (clock - latest).total_seconds()
