"""Reporters: pure functions of a ``RunResult`` that return text."""

from __future__ import annotations

import importlib
import json as jsonlib  # not ``json``: that name is the submodule dqcheck.report.json
from enum import Enum
from typing import Any

from dqcheck.results import CheckResult, RunResult


class Format(str, Enum):
    """The report formats; each is the module ``dqcheck.report.<value>`` with ``render``."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


def render(kind: str, result: RunResult, **options: Any) -> str:
    """The report ``kind`` of ``result`` as text."""
    module = importlib.import_module(f"dqcheck.report.{Format(kind).value}")
    text: str = module.render(result, **options)
    return text


def sample_lines(c: CheckResult) -> list[str]:
    """The check's samples for people (SPEC 2.5), one line per sample: ``refunded (2)`` for a
    value, ``order_id=7, sku=MUG-01 (2)`` for a key of several columns, ``id=3, note=x`` for a
    row. Empty when it has none."""
    lines = []
    for sample in c.samples or ():
        if set(sample) == {"value", "count"}:
            lines.append(f"{_shown(sample['value'])} ({sample['count']:,})")
        elif set(sample) == {"key", "count"} and isinstance(sample["key"], dict):
            lines.append(f"{_pairs(sample['key'])} ({sample['count']:,})")
        else:
            lines.append(_pairs(sample))
    return lines


def sample_block(c: CheckResult, indent: str = "    ") -> list[str]:
    """``sample_lines`` indented under the check; values or rows of one column on one line
    (``refunded (2), cancelled (1)``, ``id: 73, 460``)."""
    samples = c.samples or []
    lines = sample_lines(c)
    columns = {tuple(s) for s in samples}
    if len(lines) > 1 and columns == {("value", "count")}:
        lines = [", ".join(lines)]
    elif len(lines) > 1 and len(columns) == 1 and len(next(iter(columns))) == 1:
        (name,) = next(iter(columns))  # keys of one column: ``id: 73, 460, 585``
        lines = [f"{name}: " + ", ".join(_shown(s[name]) for s in samples)]
    return [indent + line for line in lines]


def _pairs(cells: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_shown(v)}" for k, v in cells.items())


def _shown(value: Any) -> str:
    """A cell as text: NULL for None; a string as is, unless quotes are needed to see it (empty,
    padded with spaces, holding a separator or a line break)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        plain = value and value == value.strip() and not any(s in value for s in ",()=\n")
        return value if plain else jsonlib.dumps(value, ensure_ascii=False)
    return str(value)
