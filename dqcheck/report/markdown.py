"""The Markdown report: a summary and a table, for $GITHUB_STEP_SUMMARY or a pull request."""

from __future__ import annotations

from dqcheck.results import CheckResult, RunResult, Status

ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or " "


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
        lines += [
            f"- {ICONS[c.status]} **{c.status.value}** `{c.id}`: {_cell(c.message)}"
            for c in problems
        ]
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
