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
    history_url: str | None = None,
) -> int:
    """Write every report; return the exit code (the run's, or 3 if a report was lost). The
    HTML page draws each check's trend from the history at ``history_url``."""
    from dqcheck.api import mask, run_html

    code = int(result.exit_code)
    for kind, path in files.items():
        if path is None:
            continue
        try:
            if kind == "html":
                write_atomic(path, run_html(result, history_url))
            else:
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


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``: a reader
    never sees half a page. Something other than a regular file (``/dev/stdout``, a pipe) is
    written as is. Raises OSError."""
    import tempfile

    if path.exists() and not path.is_file():
        path.write_text(text, encoding="utf-8")
        return
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
