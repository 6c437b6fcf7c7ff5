"""Located configuration problems (STYLE item 8), one way for every reader of YAML: suites,
``dqcheck.yml`` and each of its sections.

A :class:`Problems` collector is bound to one file. Each problem names its line (the key's
own line when the YAML gave one), the check and the field; an unknown key or value suggests
the nearest known one; and the reader raises every problem of the file at once
(:meth:`Problems.raise_if_any`), never only the first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

from dqcheck.errors import ConfigError, Problem, short
from dqcheck.yamlio import LineDict

T = TypeVar("T")
LineOf = Callable[[Any], "int | None"]


def suggest(word: Any, known: Collection[str]) -> str:
    """`` (did you mean 'prefix'?)`` for the nearest of ``known``, or ``""``."""
    if not isinstance(word, str):
        return ""
    import difflib  # only when something is misspelt

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(word: Any, known: Collection[str], what: str = "key", plural: str = "") -> str:
    """``unknown key 'prefx' (did you mean 'prefix'?)``; without a close match, the known
    ones listed instead (``(known keys: ...)``, or ``(events: ...)`` with ``plural``)."""
    text = f"unknown {what} {short(word)}"
    hint = suggest(word, known)
    if hint:
        return text + hint
    label = plural or f"known {what}s"
    return f"{text} ({label}: {', '.join(sorted(known))})"


def line_of(mapping: Any, key: Any = None, default: int | None = None) -> int | None:
    """The line of ``key`` in ``mapping`` (of the mapping itself without ``key``) when it came
    from YAML, else ``default``."""
    if not isinstance(mapping, LineDict):
        return default
    if key is None or key not in mapping.key_lines:
        return mapping.line or default
    return mapping.line_of(key)


def type_name(value: Any) -> str:
    """What a YAML value is, in the words of the person who wrote it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {short(value)}"
    return short(value)


class Problems:
    """The problems found in one file, each located as precisely as the YAML allows."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def add(
        self,
        message: str,
        line: int | None = None,
        check: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(Problem(message, self.file, line, check, field))

    def unknown_keys(
        self,
        mapping: Any,
        known: Collection[str],
        section: str | None = None,
        line_of: LineOf | None = None,
        *,
        check: str | None = None,
        field: str | None = None,
    ) -> list[Any]:
        """Report every key of ``mapping`` that is not in ``known``, each at its own line
        (``line_of(key)``, by default the line the YAML gave it) with the nearest known key
        suggested; return those keys. The field is ``section.key`` (or ``field`` as given)."""
        locate = line_of or locator(mapping)
        extra = [key for key in mapping if key not in known]
        for key in extra:
            where = f"{section}.{key}" if section is not None and isinstance(key, str) else field
            self.add(unknown(key, known), locate(key), check, where)
        return extra

    def expect_type(
        self,
        value: Any,
        types: type | tuple[type, ...],
        expected: str,
        line: int | None = None,
        field: str | None = None,
        check: str | None = None,
    ) -> bool:
        """Whether ``value`` is one of ``types`` (``true``/``false`` is never a number); if
        not, report ``expected <expected>, got <what it is>``."""
        wants_bool = types is bool or (isinstance(types, tuple) and bool in types)
        if isinstance(value, types) and (wants_bool or not isinstance(value, bool)):
            return True
        self.add(f"expected {expected}, got {type_name(value)}", line, check, field)
        return False

    def parse(
        self,
        mapping: Any,
        key: str,
        parse: Callable[[Any], T],
        *,
        check: str | None = None,
        field: str | None = None,
    ) -> T | None:
        """``parse(mapping[key])``; None when the key is absent, or (reported at the key's
        line) when ``parse`` raises ValueError."""
        if key not in mapping:
            return None
        try:
            return parse(mapping[key])
        except ValueError as exc:
            self.add(str(exc), locator(mapping)(key), check, field or key)
            return None

    def raise_if_any(self, *, by_line: bool = False) -> None:
        """Raise one ConfigError carrying every problem found (sorted by line if asked)."""
        if self.problems:
            if by_line:
                self.problems.sort(key=lambda p: p.line or 0)
            raise ConfigError(self.problems)


def locator(mapping: Any, default: int | None = None) -> LineOf:
    """``key -> line`` in ``mapping`` (``default`` where the YAML gave none)."""
    return lambda key: line_of(mapping, key, default)
