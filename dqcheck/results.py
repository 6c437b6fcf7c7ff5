"""Results as plain data: what every reporter, alert and metric consumes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from dqcheck.errors import ExitCode
from dqcheck.fields import Number


class Status(str, Enum):
    """How a check ended. Ordered: error > fail > warn > pass."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @staticmethod
    def worst(statuses: list[Status]) -> Status:
        return max(statuses, key=lambda s: s.rank, default=Status.PASS)


_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


#: Integers longer than this are not written out (Python refuses str() past 4300 digits).
MAX_INT_BITS = 14_000


def is_number(value: Any) -> bool:
    """True for an int, Decimal or float (never a bool)."""
    return isinstance(value, (int, Decimal, float)) and not isinstance(value, bool)


def non_finite(value: Any) -> str | None:
    """``"NaN"`` or ``"infinite"`` for a value no bound can judge (float or Decimal NaN and
    ±Infinity, as PostgreSQL's double precision and numeric return them), else None."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return "infinite" if math.isinf(value) else None
    if isinstance(value, Decimal) and not value.is_finite():
        return "NaN" if value.is_nan() else "infinite"
    return None


def exact(value: Any) -> Any:
    """A measured value to judge: a bool becomes an int and an integral finite Decimal an int
    (every digit kept); other Decimals stay Decimal, floats stay floats, anything else as is."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


def json_number(value: Any) -> Any:
    """A number for JSON: ints stay exact ints, a non-integral Decimal becomes the nearest float
    (JSON cannot carry a Decimal), NaN and ±Infinity become None (strict JSON has no NaN)."""
    if isinstance(value, bool):
        return int(value)
    if non_finite(value) is not None:
        return None
    if isinstance(value, Decimal):
        value = exact(value)
        if not isinstance(value, int):
            return float(value)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return None  # too long to write as a JSON number
    return value


def json_safe(value: Any) -> Any:
    """``value`` with every number made strict-JSON-safe (see ``json_number``), recursively
    through dicts, lists and tuples."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, Decimal)):  # a bool stays a bool: JSON has booleans
        return json_number(value)
    return value


def plain(value: Any, digits: int = 6) -> str:
    """A number for people (SPEC section 4), never in scientific notation, with thousands
    separators: ints and short decimals exact (``9,978,340``, ``0.0031``), other values to
    ``digits`` significant digits. JSON keeps the exact number; this is for text."""
    if isinstance(value, bool) or not is_number(value):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if value.bit_length() <= MAX_INT_BITS else "(a huge integer)"
    problem = non_finite(value)
    if problem is not None:
        return problem
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    if d == d.to_integral_value() and (isinstance(value, Decimal) or abs(d) < 10**15):
        return plain(int(d))
    if isinstance(value, Decimal) and len(d.normalize().as_tuple().digits) <= 15:
        return _grouped(format(d.normalize(), "f"))
    return _grouped(format(Decimal(f"{float(value):.{digits}g}").normalize(), "f"))


def _grouped(text: str) -> str:
    """``-1234567.25`` → ``-1,234,567.25``."""
    whole, dot, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{fraction}"


def _as_float(bound: Number) -> Number:
    """A bound to compare with a float value: as a float, unless it is beyond the float range
    (then exactly: any finite float is on the right side of it)."""
    try:
        return float(bound)
    except OverflowError:
        return bound


@dataclass(frozen=True)
class Bounds:
    """Inclusive bounds on a measured value. Empty bounds accept everything.

    Comparisons are exact for int and Decimal values (``equals: 1000000000`` refuses
    1000000001; ``max: 9007199254740993`` keeps every digit); only a float value is compared
    as a float, with the bound converted to float. A NaN or infinite value is never accepted.
    """

    min: Number | None = None
    max: Number | None = None
    equals: Number | None = None

    def is_empty(self) -> bool:
        return self.min is None and self.max is None and self.equals is None

    def accepts(self, value: Number) -> bool:
        if non_finite(value) is not None:
            return False
        value = exact(value)

        def side(bound: Number) -> Number:
            return _as_float(bound) if isinstance(value, float) else bound

        if self.equals is not None and value != side(self.equals):
            return False
        if self.min is not None and value < side(self.min):
            return False
        return not (self.max is not None and value > side(self.max))

    def describe(self, fmt: Any = plain) -> str:
        parts = []
        if self.equals is not None:
            parts.append(f"= {fmt(self.equals)}")
        if self.min is not None and self.max is not None:
            parts.append(f"{fmt(self.min)}..{fmt(self.max)}")
        elif self.min is not None:
            parts.append(f">= {fmt(self.min)}")
        elif self.max is not None:
            parts.append(f"<= {fmt(self.max)}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, int | float]:
        """The bounds for JSON: ints exact, an integral float as an int, a Decimal as float."""
        out: dict[str, int | float] = {}
        for k, v in (("min", self.min), ("max", self.max), ("equals", self.equals)):
            if v is None:
                continue
            if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
                out[k] = int(v)
            else:
                number = json_number(v)
                if number is not None:
                    out[k] = number
        return out


@dataclass
class CheckResult:
    """The outcome of one check."""

    suite: str
    name: str
    type: str
    table: str | None
    status: Status
    value: Any = None
    fail_bounds: Bounds = field(default_factory=Bounds)
    warn_bounds: Bounds = field(default_factory=Bounds)
    expectation: str = ""
    message: str = ""
    error: str | None = None
    duration_seconds: float = 0.0
    sql: str | None = None
    rows: list[dict[str, Any]] | None = None
    tags: tuple[str, ...] = ()
    file: str | None = None
    #: The value for people (``7h12m`` for a freshness age); the JSON keeps the number.
    value_text: str = ""
    #: What the query measured before judging (for ``change``, the metric, not the percent);
    #: the history stores it.
    measure: Any = None
    #: Up to ``samples`` of the rows that made the check fail or warn (SPEC 2.5):
    #: ``{"value": v, "count": n}``, ``{"key": {...}, "count": n}`` or a row; None when the
    #: check has none (passed, samples off, or a type without samples).
    samples: list[dict[str, Any]] | None = None
    #: The (low, high) the value was expected in, learnt from the history (``anomaly``).
    expected_range: tuple[float, float] | None = None

    @property
    def id(self) -> str:
        return f"{self.suite}.{self.name}"

    def as_record(self) -> dict[str, Any]:
        """The JSON shape of SPEC section 4."""
        return {
            "suite": self.suite,
            "name": self.name,
            "type": self.type,
            "table": self.table,
            "status": self.status.value,
            "value": json_number(self.value),
            "bounds": {"fail": self.fail_bounds.as_dict(), "warn": self.warn_bounds.as_dict()},
            "expectation": self.expectation,
            "message": self.message,
            "error": self.error,
            "duration_seconds": round(self.duration_seconds, 6),
            "sql": self.sql,
            "rows": json_safe(self.rows),
            "tags": list(self.tags),
            "samples": json_safe(self.samples),
            "expected_range": json_safe(self.expected_range),
        }


@dataclass
class RunResult:
    """The outcome of a run: every selected check, in suite order."""

    checks: list[CheckResult]
    started_at: datetime
    finished_at: datetime
    connection: str | None = None
    fail_on: frozenset[str] = frozenset({"fail"})
    sla_missed: bool = False
    #: ``SIGTERM`` or ``SIGINT`` when a signal stopped the run (the unfinished checks are
    #: ``error: interrupted``); None otherwise.
    interrupted: str | None = None

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def status(self) -> Status:
        return Status.worst([c.status for c in self.checks])

    @property
    def summary(self) -> dict[str, int]:
        counts = {"total": len(self.checks)} | {s.value: 0 for s in Status}
        for c in self.checks:
            counts[c.status.value] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted == "SIGTERM":
            return ExitCode.SIGTERM
        if self.interrupted is not None:
            return ExitCode.SIGINT
        status = self.status
        if status is Status.ERROR:
            return ExitCode.ERROR
        if status is Status.FAIL:
            return ExitCode.FAILED
        if status is Status.WARN and "warn" in self.fail_on:
            return ExitCode.FAILED
        if self.sla_missed and "sla" in self.fail_on:
            return ExitCode.FAILED
        return ExitCode.OK

    def summary_line(self) -> str:
        s = self.summary
        noun = "check" if s["total"] == 1 else "checks"
        return (
            f"{s['total']} {noun}: {s['pass']} pass, {s['warn']} warn, {s['fail']} fail, "
            f"{s['error']} error in {self.duration_seconds:.1f}s"
        )

    def as_record(self) -> dict[str, Any]:
        """The JSON report of SPEC section 4."""
        return {
            "version": 1,
            "status": self.status.value,
            "exit_code": int(self.exit_code),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 6),
            "connection": self.connection,
            "sla_missed": self.sla_missed,
            "interrupted": self.interrupted,
            "summary": self.summary,
            "checks": [c.as_record() for c in self.checks],
        }
