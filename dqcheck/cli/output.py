"""Writing a run's reports: the files first, then stdout; every text goes through ``mask``.

A report that cannot be written is one line on stderr naming the file; the other reports and
stdout are still written, and the exit code becomes 3 unless the run's own verdict is worse.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dqcheck.errors import ExitCode
from dqcheck.report import render

if TYPE_CHECKING:
    from dqcheck.api import RunResult


def report(
    result: RunResult,
    fmt: str,
    files: dict[str, Path | None],
    *,
    quiet: bool = False,
    explain_exit: bool = False,
) -> int:
    """Write every report; return the exit code (the run's, or 3 if a report was lost)."""
    from dqcheck.api import mask

    code = int(result.exit_code)
    for kind, path in files.items():
        if path is None:
            continue
        try:
            path.write_text(mask(render(kind, result)), encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            click.echo(mask(f"dqcheck: error: could not write --{kind} {path}: {reason}"), err=True)
            code = max(code, ExitCode.ERROR) if code < ExitCode.SIGINT else code
    if fmt == "json":
        text = render("json", result)
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        text = render("text", result, quiet=quiet, color=color, width=width)
        if explain_exit:
            from dqcheck.report.text import explain

            text += explain(result) + "\n"
    try:
        click.echo(mask(text), nl=False)
    except OSError as exc:  # stdout closed or full: the files above are written already
        reason = exc.strerror or type(exc).__name__
        click.echo(f"dqcheck: error: could not write the report to stdout: {reason}", err=True)
        code = max(code, ExitCode.ERROR) if code < ExitCode.SIGINT else code
    return code
