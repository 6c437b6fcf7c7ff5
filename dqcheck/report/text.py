"""The text report: a table of checks and one summary line, coloured on a terminal."""

from __future__ import annotations

import io

from dqcheck.results import CheckResult, RunResult, Status

STYLES = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
}


def _value(c: CheckResult) -> str:
    if c.status is Status.ERROR:
        return "-"
    if c.value_text:
        return c.value_text
    if c.value is None:
        return "NULL"
    if isinstance(c.value, float):
        return f"{c.value:.6g}"
    return str(c.value)


def render(
    result: RunResult,
    *,
    quiet: bool = False,
    color: bool = False,
    width: int | None = None,
) -> str:
    """The report as text; ANSI colours only with ``color``."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or 200,
        highlight=False,
        soft_wrap=True,
    )
    shown = [c for c in result.checks if not quiet or c.status is not Status.PASS]
    if shown and not quiet:
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for name, justify in (
            ("status", "left"),
            ("check", "left"),
            ("value", "right"),
            ("expectation", "left"),
            ("time", "right"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for c in shown:
            table.add_row(
                Text(c.status.value.upper(), style=STYLES[c.status]),
                c.id,
                _value(c),
                c.expectation,
                f"{c.duration_seconds:.2f}s",
            )
        console.print(table)
        console.print()
    problems = [c for c in shown if c.status is not Status.PASS and c.message]
    for c in problems:
        label = Text(f"{c.status.value.upper():5}", style=STYLES[c.status])
        console.print(Text.assemble(label, " ", c.id, ": ", c.message))
    if problems:
        console.print()
    worst = result.status
    line = Text(result.summary_line(), style=STYLES[worst] if worst is not Status.PASS else "")
    console.print(line)
    if result.sla_missed:
        console.print(Text("SLA missed: the run took longer than its --sla", style="yellow"))
    if result.interrupted:
        console.print(Text(f"interrupted by {result.interrupted}", style=STYLES[Status.ERROR]))
    return out.getvalue()


def explain(result: RunResult) -> str:
    code = int(result.exit_code)
    reasons = {
        0: "every check passed (warnings do not fail the run unless --fail-on warn)",
        1: "at least one check failed",
        3: "at least one check could not be evaluated (error wins over fail)",
        130: "interrupted by SIGINT",
        143: "interrupted by SIGTERM",
    }
    return f"exit code {code}: {reasons.get(code, '')}"
