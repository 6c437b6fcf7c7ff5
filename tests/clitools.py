"""Helpers for testing the command line: in process (CliRunner) and as the installed program.

``invoke`` asserts the exit code and shows stdout and stderr when it is wrong, and re-raises
real crashes so that an internal error can never pass as an expected exit code (sqlfluff's
``invoke_assert_code``). ``run_json`` is ``invoke`` of ``run ... --format json`` returning the
parsed report. ``run_dqcheck`` runs the installed ``dqcheck`` entry point. ``strict_json`` parses
anything dqcheck writes as JSON (reports, JSON log lines, alert bodies): a bare NaN or Infinity
fails the test (SPEC 4).

Both run with ``DQCHECK_DEBUG=1`` (so an internal error surfaces as an exception or a
traceback rather than as exit 3) and without ``DQCHECK_URL`` unless the test sets it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click.testing

TRACEBACK = "Traceback (most recent call last)"

# The environment every invocation starts from; a test's ``env`` is applied on top.
# ``None`` removes a variable.
BASE_ENV: dict[str, str | None] = {"DQCHECK_DEBUG": "1", "DQCHECK_URL": None}


@contextlib.contextmanager
def _isolated_cwd() -> Iterator[None]:
    """Run in a fresh empty working directory (no stray dqcheck.yml is picked up)."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="dqcheck-cli-") as tmp:
        os.chdir(tmp)
        try:
            yield
        finally:
            os.chdir(old)


def _describe(code: int | None, stdout: str, stderr: str) -> str:
    return f"exit code {code}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"not strict JSON: bare {name} (SPEC 4)")


def strict_json(text: str) -> Any:
    """Parse dqcheck's JSON output strictly: a bare NaN/Infinity/-Infinity fails the test."""
    return json.loads(text, parse_constant=_refuse_constant)


def invoke(
    args: Sequence[str | Path],
    expected_code: int,
    *,
    input: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
) -> click.testing.Result:
    """Run ``dqcheck ARGS`` in process, in an isolated working directory, and assert the exit
    code. A crash (an exception other than SystemExit) is re-raised, never compared."""
    from dqcheck.cli import cli

    runner = click.testing.CliRunner()
    with _isolated_cwd():
        result = runner.invoke(
            cli,
            [str(a) for a in args],
            input=input,
            env={**BASE_ENV, **(env or {})},
            catch_exceptions=True,
            prog_name="dqcheck",
        )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        raise result.exception.with_traceback(result.exc_info[2])
    details = _describe(result.exit_code, result.stdout, result.stderr)
    assert TRACEBACK not in result.output, details
    assert result.exit_code == expected_code, details
    return result


def run_json(
    args: Sequence[str | Path],
    expected_code: int = 0,
    env: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """``invoke(["run", *ARGS, "--format", "json"], expected_code)`` and the report on stdout,
    parsed strictly. The report's own ``exit_code`` must agree with the process's (a run whose
    --json/--junit file cannot be written exits 3 with a report saying otherwise: use ``invoke``
    and ``strict_json`` for that)."""
    result = invoke(["run", *args, "--format", "json"], expected_code, env=env)
    report = strict_json(result.stdout)
    assert isinstance(report, dict), result.stdout
    assert report["exit_code"] == expected_code, _describe(
        result.exit_code, result.stdout, result.stderr
    )
    return report


def dqcheck_executable() -> str:
    """The ``dqcheck`` script installed next to the running interpreter."""
    found = shutil.which("dqcheck", path=os.path.dirname(sys.executable))
    assert found, f"no dqcheck entry point next to {sys.executable}; is the package installed?"
    return found


def run_dqcheck(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``dqcheck ARGS`` as a subprocess (text output, never raises on a
    non-zero exit). A Python traceback in its output fails the test at once."""
    merged = {**os.environ, **BASE_ENV, **(env or {})}
    environ = {k: v for k, v in merged.items() if v is not None}
    proc = subprocess.run(
        [dqcheck_executable(), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert TRACEBACK not in proc.stdout + proc.stderr, _describe(
        proc.returncode, proc.stdout, proc.stderr
    )
    return proc


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    """A subprocess outcome for assertion messages."""
    return _describe(proc.returncode, proc.stdout, proc.stderr)


def start_dqcheck(args: Sequence[str | Path], workdir: Path) -> subprocess.Popen[bytes]:
    """Start the installed ``dqcheck ARGS`` in the background (to signal it), its stdout and
    stderr written to ``workdir/stdout`` and ``workdir/stderr``."""
    merged = {**os.environ, **BASE_ENV}
    environ = {k: v for k, v in merged.items() if v is not None}
    return subprocess.Popen(
        [dqcheck_executable(), *[str(a) for a in args]],
        stdin=subprocess.DEVNULL,
        stdout=(workdir / "stdout").open("wb"),
        stderr=(workdir / "stderr").open("wb"),
        env=environ,
        cwd=workdir,
    )


def reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill a background dqcheck a test is done with, if it is still running (never left
    behind, whatever the test's outcome)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
