"""The Markdown report: a summary and a table, for $GITHUB_STEP_SUMMARY or a pull request."""

from __future__ import annotations

import re

from dqcheck.report import sample_lines
from dqcheck.results import CheckResult, RunResult, Status

ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def _text(text: str) -> str:
    """Data as literal Markdown text on one line (a sample cell may hold anything): every
    character inline Markdown or HTML reads is escaped, and so is a start that would open a
    block (``- x``, ``# x``, ``1. x``)."""
    text = "".join(f"\\{ch}" if ch in INLINE_SPECIAL else ch for ch in " ".join(text.split()))
    block = re.match(r"[#+=>-]|\d+[.)]", text)
    if block:
        end = block.end() - 1
        text = f"{text[:end]}\\{text[end:]}"
    return text


#: Characters inline Markdown (and HTML) reads anywhere in a line.
INLINE_SPECIAL = frozenset("\\`*_[]<>|~&!")


def _value(c: CheckResult) -> str:
    if c.status is Status.ERROR:
        return "-"
    return c.value_text or ("NULL" if c.value is None else str(c.value))


def render(result: RunResult) -> str:
    icon = ICONS[result.status]
    lines = [
        f"## {icon} dqcheck: {result.status.value}",
        "",
        f"**{result.summary_line()}** · exit code {int(result.exit_code)}"
        + (f" · `{result.connection}`" if result.connection else ""),
        "",
    ]
    problems = [c for c in result.checks if c.status is not Status.PASS]
    if problems:
        lines += ["### Problems", ""]
        for c in problems:
            lines.append(f"- {ICONS[c.status]} **{c.status.value}** `{c.id}`: {_cell(c.message)}")
            lines += [f"  - {_text(sample)}" for sample in sample_lines(c)]
        lines.append("")
    lines += [
        "| status | check | type | table | value | expectation | time |",
        "| --- | --- | --- | --- | ---: | --- | ---: |",
    ]
    for c in result.checks:
        lines.append(
            f"| {ICONS[c.status]} {c.status.value} | `{c.id}` | {c.type} | {_cell(c.table or '-')} "
            f"| {_cell(_value(c))} | {_cell(c.expectation)} | {c.duration_seconds:.2f}s |"
        )
    return "\n".join(lines) + "\n"
