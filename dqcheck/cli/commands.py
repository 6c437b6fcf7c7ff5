"""The commands around the checks: ``ping``, ``init``, ``history`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dqcheck.cli.options import check_writable, config_option, connection_options, format_option


@click.command()
@connection_options
def ping(url: str | None, conn_id: str | None, config_file: Path | None) -> int:
    """Connect with the resolved connection and print the server and its version."""
    from dqcheck import api

    click.echo(api.ping(url, conn_id=conn_id, config=config_file))
    return 0


@click.command()
@click.option("--table", required=True, metavar="TABLE", help="The table to inspect (schema.name).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the suite to FILE instead of stdout.",
)
@connection_options
def init(
    table: str,
    output: Path | None,
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
) -> int:
    """Inspect TABLE and write a starter suite (row count, not-null, unique key, freshness)."""
    from dqcheck import api

    check_writable(output, "--output")
    text = api.init_suite(table, url, conn_id=conn_id, config=config_file)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    return 0


@click.command(name="history")
@click.option("--check", "check_name", metavar="NAME", help="Only this check's results.")
@click.option("--suite", metavar="NAME", help="Only this suite's results.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
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
        return 0
    if not rows:
        click.echo("no results stored yet")
        return 0
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:g}"
        click.echo(
            api.mask(
                f"{row['started_at'][:19]}  {row['status']:5}  {row['suite']}.{row['check_name']}"
                f"  {value}"
            )
        )
    return 0


@click.command(name="schema")
def json_schema() -> int:
    """Print the JSON Schema of the suite format (for editor completion)."""
    from dqcheck import api

    click.echo(json.dumps(api.json_schema(), indent=2))
    return 0


COMMANDS = (ping, init, history_command, json_schema)
