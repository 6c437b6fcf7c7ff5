"""The command line: a thin shell over ``dqcheck.api``.

Each command parses its options, makes one API call, hands the result to a reporter and exits.
Every exit code and every error message leaves through ``DqcheckGroup.main``. Only click and
``dqcheck.errors`` load at start-up, so ``--version`` and ``--help`` stay fast; the API (and
SQLAlchemy, rich, the drivers) load inside the commands that use them.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from dqcheck import __version__
from dqcheck.cli import commands, run_commands
from dqcheck.cli.live import Interrupt
from dqcheck.errors import ConfigError, DqcheckError, ExitCode


class DqcheckGroup(click.Group):
    """Converts every outcome into the exit codes of SPEC section 1, in one place."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except Interrupt as exc:  # a signal outside the run itself (loading, reporting)
            click.echo(f"dqcheck: interrupted by {exc.reason}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("dqcheck: interrupted", err=True)
            sys.exit(ExitCode.SIGINT)
        except click.ClickException as exc:  # usage errors: exit 2, never click's 1
            exc.show()
            sys.exit(ExitCode.CONFIG)
        except DqcheckError as exc:
            fail(exc)
        except Exception as exc:
            if os.environ.get("DQCHECK_DEBUG"):
                raise
            from dqcheck.api import mask

            message = f"dqcheck: internal error: {type(exc).__name__}: {exc}"
            click.echo(mask(message) + " (set DQCHECK_DEBUG=1 for a traceback)", err=True)
            sys.exit(ExitCode.ERROR)
        sys.exit(rv if isinstance(rv, int) else 0)


def fail(exc: DqcheckError) -> NoReturn:
    from dqcheck.api import mask

    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            click.echo(mask(f"dqcheck: error: {problem}"), err=True)
    else:
        click.echo(mask(f"dqcheck: error: {exc}"), err=True)
    sys.exit(exc.exit_code)


@click.group(cls=DqcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dqcheck", message="%(prog)s %(version)s")
def cli() -> None:
    """Data-quality checks that exit non-zero when data is bad.

    Exit codes: 0 every check passed, 1 a check failed, 2 usage or configuration error,
    3 a check could not be evaluated.
    """


for _command in (*run_commands.COMMANDS, *commands.COMMANDS):
    cli.add_command(_command)


def main() -> NoReturn:
    cli.main(prog_name="dqcheck")
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["cli", "main"]
