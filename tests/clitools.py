"""Helpers for testing the command line: in process (CliRunner) and as the installed program.

``invoke`` asserts the exit code and shows stdout and stderr when it is wrong, and re-raises
real crashes so that an internal error can never pass as an expected exit code (sqlfluff's
``invoke_assert_code``). ``run_dqcheck`` runs the installed ``dqcheck`` entry point.

Both run with ``DQCHECK_DEBUG=1`` (so an internal error surfaces as an exception or a
traceback rather than as exit 3) and without ``DQCHECK_URL`` unless the test sets it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence

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


def invoke(
    args: Sequence[str],
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


def dqcheck_executable() -> str:
    """The ``dqcheck`` script installed next to the running interpreter."""
    found = shutil.which("dqcheck", path=os.path.dirname(sys.executable))
    assert found, f"no dqcheck entry point next to {sys.executable}; is the package installed?"
    return found


def run_dqcheck(
    args: Sequence[str],
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
