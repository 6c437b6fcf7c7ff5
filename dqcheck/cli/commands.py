"""The commands around the checks: ``ping``, ``init``, ``history``, ``report`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dqcheck.cli.options import (
    check_writable,
    config_option,
    connection_options,
    examples,
    format_option,
)


@click.command(
    short_help="Connect and print the server and its version.",
    epilog=examples(
        "dqcheck ping --conn-id warehouse",
    ),
)
@connection_options
def ping(url: str | None, conn_id: str | None, config_file: Path | None) -> int:
    """Connect with the resolved connection and print the server and its version."""
    from dqcheck import api

    click.echo(api.ping(url, conn_id=conn_id, config=config_file))
    return 0


@click.command(
    short_help="Profile tables and write a starter suite.",
    epilog=examples(
        "dqcheck init --schema shop --url postgresql://dq@db/shop --output checks/shop.yml",
    ),
)
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="TABLE",
    help="A table to profile, name or schema.name (repeatable).",
)
@click.option("--schema", metavar="SCHEMA", help="Profile every table of SCHEMA.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the suite to FILE instead of stdout.",
)
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@connection_options
def init(
    tables: tuple[str, ...],
    schema: str | None,
    output: Path | None,
    force: bool,
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
) -> int:
    """Profile tables (one scan each) and write one starter suite: row count, nulls, accepted
    values, candidate keys, freshness and schema, with bounds from the data seen."""
    from dqcheck import api
    from dqcheck.errors import ConfigError, Problem

    check_writable(output, "--output")
    if output is not None and output.exists() and not force:
        raise ConfigError([Problem(f"--output {output} exists: pass --force to overwrite it")])
    text = api.init_suite(tables, url, schema=schema, conn_id=conn_id, config=config_file)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    return 0


@click.command(
    name="history",
    short_help="Recent results from the history store.",
    epilog=examples(
        "dqcheck history --check orders_fresh --limit 10",
    ),
)
@click.option("--check", "check_name", metavar="NAME", help="Only this check's results.")
@click.option("--suite", metavar="NAME", help="Only this suite's results.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="How many results, newest first.",
)
@format_option
@click.option("--history", "history_url", metavar="URL", help="The history database.")
@config_option
def history_command(fmt: str, **o: Any) -> int:
    """Recent results from the history store, newest first."""
    from dqcheck import api

    rows = api.history(
        check=o["check_name"],
        suite=o["suite"],
        limit=o["limit"],
        url=o["history_url"],
        config=o["config_file"],
    )
    if fmt == "json":
        click.echo(api.mask(json.dumps(rows, indent=2, default=str, allow_nan=False)))
    else:
        from dqcheck.report.history import render_history

        click.echo(api.mask(render_history(rows)), nl=False)
    return 0


@click.command(
    name="schema",
    short_help="Print the JSON Schema of the suite format.",
    epilog=examples(
        "dqcheck schema > dqcheck-suite.schema.json",
    ),
)
def json_schema() -> int:
    """Print the JSON Schema of the suite format (for editor completion)."""
    from dqcheck import api

    click.echo(json.dumps(api.json_schema(), indent=2))
    return 0


@click.command(
    name="report",
    short_help="Write an HTML page of the last runs, with trends.",
    epilog=examples(
        "dqcheck report --html report.html --history sqlite:///.dqcheck/history.db",
    ),
)
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the page to FILE.",
)
@click.option("--history", "history_url", metavar="URL", help="The history database.")
@click.option(
    "--limit",
    default=30,
    show_default=True,
    type=click.IntRange(2, 1000),
    help="Results drawn in each check's trend.",
)
@config_option
def report_command(html_file: Path, history_url: str | None, limit: int, **o: Any) -> int:
    """Write one self-contained HTML page (no network, no script): the latest run of each
    suite in the history store, its samples and SQL, and each check's trend with its bounds."""
    from dqcheck import api
    from dqcheck.cli.output import write_atomic
    from dqcheck.errors import EvaluationError

    check_writable(html_file, "--html")
    page = api.report_html(url=history_url, config=o["config_file"], limit=limit)
    try:
        write_atomic(html_file, page)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EvaluationError(f"could not write --html {html_file}: {reason}") from None
    click.echo(f"wrote {html_file}", err=True)
    return 0


COMMANDS = (ping, init, history_command, json_schema, report_command)
