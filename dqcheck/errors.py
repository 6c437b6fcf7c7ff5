"""The exception hierarchy of the library and the exit codes the CLI maps it to.

The library raises these; only ``dqcheck.cli`` turns them into exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes: part of the contract (SPEC section 1)."""

    #: Every selected check passed (warnings allowed unless ``--fail-on warn``).
    OK = 0
    #: At least one check failed and none errored.
    FAILED = 1
    #: Usage or configuration error, found before any query ran.
    CONFIG = 2
    #: At least one check could not be evaluated. Takes precedence over FAILED.
    ERROR = 3
    #: Interrupted by SIGINT, after cancelling queries in flight.
    SIGINT = 130
    #: Interrupted by SIGTERM, after cancelling queries in flight.
    SIGTERM = 143


class DqcheckError(Exception):
    """Base of every error dqcheck raises on purpose."""

    exit_code: ExitCode = ExitCode.ERROR


def short(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: a hostile suite cannot flood stderr."""
    import reprlib

    brief = reprlib.Repr()
    brief.maxstring = brief.maxother = limit
    brief.maxlevel = 3
    text = brief.repr(value)  # never the whole of a huge or deeply shared value
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_MESSAGE = 500


@dataclass(frozen=True)
class Problem:
    """One configuration problem, located as precisely as we know."""

    message: str
    file: str | None = None
    line: int | None = None
    check: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        who = ""
        if self.check and len(self.check) <= MAX_MESSAGE:
            who = (
                f"check {self.check}: " if self.check.startswith("#") else f"check '{self.check}': "
            )
        what = f"field '{self.field}': " if self.field else ""
        message = self.message
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        return f"{where}{who}{what}{message}"


class ConfigError(DqcheckError):
    """Bad usage or configuration, found before any query ran (exit 2).

    Carries every problem found, each naming file, line, check and field.
    """

    exit_code = ExitCode.CONFIG

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class EvaluationError(DqcheckError):
    """A check or a connection could not be evaluated (exit 3)."""

    exit_code = ExitCode.ERROR
