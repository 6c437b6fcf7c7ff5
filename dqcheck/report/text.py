"""The text report: a table of checks and one summary line, coloured on a terminal."""

from __future__ import annotations

import io
import textwrap

from dqcheck.report import sample_block
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


COLUMNS = (
    ("status", "left"),
    ("check", "left"),
    ("value", "right"),
    ("expectation", "left"),
    ("time", "right"),
)


def _rows(result: RunResult, quiet: bool) -> list[tuple[Status, list[str]]]:
    if quiet:
        return []
    return [
        (
            c.status,
            [
                c.status.value.upper(),
                c.id,
                _value(c),
                c.expectation,
                f"{c.duration_seconds:.2f}s",
            ],
        )
        for c in result.checks
    ]


#: The column that wraps when a table is wider than the terminal (never the check's name).
WRAPS = 3
#: Narrowest the wrapping column gets, however long the other columns are.
MIN_WRAP = 16


def _fit(widths: list[int], width: int | None, narrowest: int) -> list[int] | None:
    """Column widths within ``width``, only the expectation column giving way (down to
    ``narrowest``, its longest word); None when even that does not fit."""
    total = sum(widths) + 2 * (len(widths) - 1)
    if width is None or total <= width:
        return widths
    fitted = list(widths)
    fitted[WRAPS] = widths[WRAPS] - (total - width)
    return fitted if fitted[WRAPS] >= narrowest else None


def _wrap(text: str, width: int | None, indent: str = "") -> list[str]:
    """``text`` wrapped at word boundaries (a name is never cut); as is without a width."""
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(
        text,
        width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [text]


def _stacked(rows: list[tuple[Status, list[str]]], width: int | None) -> list[str]:
    """Each check as a block: status and whole name, then value, expectation and time below,
    wrapped at ``width`` (for names too long for a table row)."""
    out = []
    for _, (status, name, value, expectation, elapsed) in rows:
        out.append(f"{status:5} {name}")
        out += _wrap(f"      {value}  {expectation}  {elapsed}", width, indent="      ")
    return out


def _problems(result: RunResult) -> list[CheckResult]:
    return [c for c in result.checks if c.status is not Status.PASS and c.message]


def _notes(result: RunResult) -> list[str]:
    notes = []
    if result.sla_missed:
        notes.append("SLA missed: the run took longer than its --sla")
    if result.interrupted:
        notes.append(f"interrupted by {result.interrupted}")
    return notes


def render(
    result: RunResult,
    *,
    quiet: bool = False,
    color: bool = False,
    width: int | None = None,
) -> str:
    """The report as text; ANSI colours (through rich) only with ``color``.

    Plain text is written without rich: cron, Airflow and CI read a pipe, and importing rich
    costs a tool called every few minutes more than the rest of its report.
    """
    if color:
        return _render_rich(result, quiet, width)
    lines: list[str] = []
    rows = _rows(result, quiet)
    if rows:
        header = [name for name, _ in COLUMNS]
        words = [w for _, cells in rows for w in cells[WRAPS].split()]
        fitted = _fit(
            [
                max(len(r[i]) for r in [header, *(cells for _, cells in rows)])
                for i in range(len(COLUMNS))
            ],
            width,
            max([MIN_WRAP, *map(len, words)]),
        )

        def line(cells: list[str]) -> list[str]:
            """One row; a long expectation continues on the next lines, in its column."""
            parts = _wrap(cells[WRAPS], widths[WRAPS])
            out = []
            for n, part in enumerate(parts):
                shown = list(cells) if n == 0 else [""] * len(COLUMNS)
                shown[WRAPS] = part
                out.append(
                    "  ".join(
                        cell.rjust(w) if justify == "right" else cell.ljust(w)
                        for cell, w, (_, justify) in zip(shown, widths, COLUMNS, strict=True)
                    ).rstrip()
                )
            return out

        if fitted is None:
            lines += [*_stacked(rows, width), ""]  # too narrow for a table: a check a block
        else:
            widths = fitted
            lines += [*line(header), *(ln for _, cells in rows for ln in line(cells)), ""]
    problems = _problems(result)
    for c in problems:
        text = f"{c.status.value.upper():5} {c.id}: {c.message}"
        lines += [*_wrap(text, width, indent="      "), *sample_block(c)]
    if problems:
        lines.append("")
    lines.append(result.summary_line())
    lines += _notes(result)
    return "\n".join(lines) + "\n"


def _render_rich(result: RunResult, quiet: bool, width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=True,
        color_system="standard",
        width=width or 200,
        highlight=False,
        soft_wrap=True,
    )
    rows = _rows(result, quiet)
    if rows:
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for i, (name, justify) in enumerate(COLUMNS):
            table.add_column(  # the check's name is never cut; the expectation wraps
                name,
                justify=justify,  # type: ignore[arg-type]
                no_wrap=i != WRAPS,
                overflow="fold",
            )
        for status, cells in rows:
            table.add_row(Text(cells[0], style=STYLES[status]), *cells[1:])
        console.print(table)
        console.print()
    problems = _problems(result)
    for c in problems:
        label = Text(f"{c.status.value.upper():5}", style=STYLES[c.status])
        console.print(Text.assemble(label, " ", c.id, ": ", c.message), soft_wrap=width is None)
        for line in sample_block(c):
            console.print(Text(line))
    if problems:
        console.print()
    worst = result.status
    console.print(
        Text(result.summary_line(), style=STYLES[worst] if worst is not Status.PASS else "")
    )
    for note in _notes(result):
        console.print(Text(note, style="yellow"))
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
