"""Options shared by several commands, declared once and applied by name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from dqcheck.errors import ConfigError, Problem

F = TypeVar("F", bound=Callable[..., Any])


def examples(*commands: str) -> str:
    """A command's help epilog: example command lines, kept as written (click's ``\\b``)."""
    return "\b\nExamples:\n" + "\n".join(f"  {c}" for c in commands)


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


config_option = click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Project config (default: env DQCHECK_CONFIG, else the nearest dqcheck.yml upward).",
)


def connection_options(func: F) -> F:
    """--url, --conn-id and --config: which database (SPEC section 3)."""
    return _apply(
        func,
        [
            click.option(
                "--url",
                metavar="URL",
                help="SQLAlchemy URL of the database (else env DQCHECK_URL).",
            ),
            click.option(
                "--conn-id",
                metavar="ID",
                help="A named connection: env AIRFLOW_CONN_<ID>, else connections: in the config.",
            ),
            config_option,
        ],
    )


var_option = click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a suite variable, bound as a parameter (repeatable).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What goes to stdout.",
)
timeout_option = click.option(
    "--timeout",
    default="15m",
    show_default=True,
    metavar="DURATION",
    help="Limit for each query, e.g. 90s, 15m.",
)
plan_option = click.option(
    "--plan",
    metavar="fastest|single_scan",
    help="fastest: split distinct counts, answer from enforced constraints; single_scan: one "
    "statement per table and filter (default: the suite's plan:, else the engine's).",
)
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Only the summary line and problems."
)


def monitor_options(func: F) -> F:
    """The monitoring flags (SPEC section 5); each overrides its config section."""
    return _apply(
        func,
        [
            click.option(
                "--notify",
                multiple=True,
                metavar="URL",
                help="Apprise URL alerted on fail, error and sla_miss (repeatable).",
            ),
            click.option("--statsd", metavar="HOST:PORT", help="Send statsd metrics there."),
            click.option(
                "--prometheus-textfile",
                metavar="PATH",
                help="Write Prometheus metrics for node_exporter's textfile collector.",
            ),
            click.option("--pushgateway", metavar="URL", help="Push Prometheus metrics there."),
            click.option(
                "--log-format",
                type=click.Choice(["json", "text"]),
                help="Event logs as JSON lines (fluentd) or text, on stderr or --log-file.",
            ),
            click.option("--log-file", metavar="PATH", help="Write the event log to PATH."),
            click.option(
                "--sla",
                metavar="DURATION",
                help="The run must finish within this; past it an sla_miss is alerted.",
            ),
            click.option(
                "--history",
                metavar="URL",
                help="Append the results to dqcheck_results there (change checks read it).",
            ),
        ],
    )


def report_options(func: F) -> F:
    """Where the reports go, and how the run is judged and limited."""
    return _apply(
        func,
        [
            format_option,
            click.option(
                "--json",
                "json_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write the JSON report to FILE.",
            ),
            click.option(
                "--junit",
                "junit_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write a JUnit XML report to FILE (CI test reporters).",
            ),
            click.option(
                "--markdown",
                "markdown_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write a Markdown report to FILE (e.g. $GITHUB_STEP_SUMMARY).",
            ),
            click.option(
                "--html",
                "html_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write a self-contained HTML page to FILE, with trends from the history.",
            ),
            timeout_option,
            click.option(
                "--fail-on",
                "fail_on",
                multiple=True,
                default=("fail",),
                show_default=True,
                type=click.Choice(["fail", "warn", "sla"]),
                help="'warn' makes warnings fail the run too; 'sla' an SLA miss (repeatable).",
            ),
            click.option(
                "--samples",
                type=click.IntRange(0, 1000),
                metavar="N",
                help="Bad rows shown per failing or warning check, for every check (0: none).",
            ),
            click.option(
                "--retries",
                default=2,
                show_default=True,
                type=click.IntRange(0, 10),
                help="Retries of transient connection failures, with backoff.",
            ),
            quiet_option,
        ],
    )


def suite_options(func: F) -> F:
    """The options of run, validate and list: which suites, which checks, which database."""
    func = connection_options(func)
    func = _apply(
        func,
        [
            var_option,
            click.option(
                "--select",
                multiple=True,
                metavar="PATTERN",
                help="Only checks whose suite.name or name matches the glob (repeatable).",
            ),
            click.option(
                "--tag",
                "tags",
                multiple=True,
                metavar="TAG",
                help="Only checks carrying the tag (repeatable).",
            ),
        ],
    )
    return click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


def check_writable(path: Path | None, option: str) -> None:
    """A report file must be writable before any query runs (exit 2, not a lost report)."""
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError([Problem(f"{option} {path}: folder {parent} does not exist")])
    if path.is_dir() or not os.access(parent, os.W_OK):
        raise ConfigError([Problem(f"{option} {path}: cannot write there")])
