"""Results as plain data: what every reporter, alert and metric consumes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from dqcheck.errors import ExitCode


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


def _num(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


@dataclass(frozen=True)
class Bounds:
    """Inclusive bounds on a measured value. Empty bounds accept everything."""

    min: float | None = None
    max: float | None = None
    equals: float | None = None

    def is_empty(self) -> bool:
        return self.min is None and self.max is None and self.equals is None

    def accepts(self, value: float) -> bool:
        if self.equals is not None and not math.isclose(value, self.equals, abs_tol=1e-9):
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)

    def describe(self, fmt: Any = _num) -> str:
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

    def as_dict(self) -> dict[str, float | int]:
        return {
            k: int(v) if float(v).is_integer() and abs(v) < 1e15 else v
            for k, v in (("min", self.min), ("max", self.max), ("equals", self.equals))
            if v is not None
        }


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
            "value": self.value,
            "bounds": {"fail": self.fail_bounds.as_dict(), "warn": self.warn_bounds.as_dict()},
            "expectation": self.expectation,
            "message": self.message,
            "error": self.error,
            "duration_seconds": round(self.duration_seconds, 6),
            "sql": self.sql,
            "rows": self.rows,
            "tags": list(self.tags),
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
