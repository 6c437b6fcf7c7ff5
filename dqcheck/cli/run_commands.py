"""The commands that read suites: ``run``, ``validate``, ``list`` and ``has-rows``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dqcheck.cli import live
from dqcheck.cli.options import (
    check_writable,
    connection_options,
    format_option,
    monitor_options,
    report_options,
    suite_options,
    var_option,
)
from dqcheck.cli.output import report


def _monitoring(options: dict[str, Any]) -> Any:
    from dqcheck.api import Monitoring

    return Monitoring(
        notify=tuple(options.pop("notify")),
        statsd=options.pop("statsd"),
        prometheus_textfile=options.pop("prometheus_textfile"),
        pushgateway=options.pop("pushgateway"),
        log_format=options.pop("log_format"),
        log_file=options.pop("log_file"),
        history=options.pop("history"),
    )


def _execute(
    call: Any, files: dict[str, Path | None], o: dict[str, Any], explain_exit: bool = False
) -> int:
    """Run ``call(on_result)`` under signal handling and progress, report, exit code."""
    for kind, path in files.items():
        check_writable(path, f"--{kind}")
    with live.signals_interrupt():
        with live.progress(o["total"], enabled=not o["quiet"]) as on_result:
            result = call(on_result)
        code = report(result, o["fmt"], files, quiet=o["quiet"], explain_exit=explain_exit)
        if result.interrupted:
            click.echo(f"dqcheck: interrupted by {result.interrupted}", err=True)
            live.exit_now_if_stuck(code)
    return code


@click.command()
@suite_options
@report_options
@click.option(
    "--jobs", default=4, show_default=True, type=click.IntRange(1, 64), help="Queries run at once."
)
@click.option("--dry-run", is_flag=True, help="Print the SQL each query would run; no connection.")
@click.option("--explain-exit", is_flag=True, hidden=True)
@monitor_options
def run(paths: Sequence[Path], dry_run: bool, explain_exit: bool, **o: Any) -> int:
    """Run the checks of the suites in PATHS (files, or folders of *.yml) and report."""
    from dqcheck import api

    monitoring = _monitoring(o)
    common = {k: o[k] for k in ("variables", "select", "tags", "url", "conn_id")}
    if dry_run:
        _print_plan(api.dry_run(paths, config=o["config_file"], **common))
        return 0
    files = {"json": o["json_file"], "junit": o["junit_file"], "markdown": o["markdown_file"]}
    prepared = api.prepare(
        paths, config=o["config_file"], monitoring=monitoring, sla=o["sla"], **common
    )
    o["total"] = len(prepared.plan.checks)
    return _execute(
        lambda on_result: api.run(
            prepared,
            jobs=o["jobs"],
            timeout=o["timeout"],
            retries=o["retries"],
            fail_on=o["fail_on"],
            on_result=on_result,
        ),
        files,
        o,
        explain_exit,
    )


@click.command()
@suite_options
@monitor_options
def validate(paths: Sequence[Path], **o: Any) -> int:
    """Load and validate suites and the project config without touching a database."""
    from dqcheck import api

    monitoring = _monitoring(o)
    prepared = api.prepare(
        paths,
        variables=o["variables"],
        select=o["select"],
        tags=o["tags"],
        url=o["url"],
        conn_id=o["conn_id"],
        config=o["config_file"],
        monitoring=monitoring,
        sla=o["sla"],
        resolve=False,
    )
    n_suites, n_checks = len(prepared.suites), len(prepared.plan.checks)
    click.echo(
        f"ok: {n_suites} suite{'s' * (n_suites != 1)}, {n_checks} check{'s' * (n_checks != 1)}"
    )
    return 0


@click.command(name="list")
@suite_options
@format_option
def list_checks(paths: Sequence[Path], fmt: str, **o: Any) -> int:
    """List the checks: suite, name, type, table, tags."""
    from dqcheck import api

    rows = api.list_checks(paths, o["variables"], o["select"], o["tags"])
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return 0
    columns = ("suite", "name", "type", "table")
    cells = [[str(r[h] or "-") for h in columns] + [",".join(r["tags"]) or "-"] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(columns)]
    for line in [[*columns, "tags"], *cells]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, [*widths, 0], strict=True)).rstrip())
    return 0


@click.command(name="has-rows")
@click.argument("table")
@connection_options
@var_option
@click.option("--where", help="SQL predicate; :name binds a --var.")
@click.option(
    "--min",
    "minimum",
    default=1,
    show_default=True,
    type=click.IntRange(0),
    help="Fewest rows that pass.",
)
@report_options
@monitor_options
def has_rows(table: str, **o: Any) -> int:
    """Fail unless TABLE has at least --min rows (the HasRowsOperator, as one command)."""
    from dqcheck import api

    monitoring = _monitoring(o)
    files = {"json": o["json_file"], "junit": o["junit_file"], "markdown": o["markdown_file"]}
    prepared = api.prepare_has_rows(
        table,
        where=o["where"],
        minimum=o["minimum"],
        variables=o["variables"],
        url=o["url"],
        conn_id=o["conn_id"],
        config=o["config_file"],
        monitoring=monitoring,
        sla=o["sla"],
    )
    o["total"] = 1
    return _execute(
        lambda on_result: api.run(
            prepared,
            timeout=o["timeout"],
            retries=o["retries"],
            fail_on=o["fail_on"],
            on_result=on_result,
        ),
        files,
        o,
    )


def _print_plan(dry: Any) -> None:
    n = len(dry.queries)
    click.echo(
        f"-- {n} quer{'y' if n == 1 else 'ies'} for {dry.checks} checks "
        f"({dry.dialect} SQL; no connection made)"
    )
    for i, query in enumerate(dry.queries, start=1):
        click.echo("")
        click.echo(f"-- query {i}: {query.description}")
        click.echo(f"--   answers: {', '.join(query.answers)}")
        if query.params:
            click.echo(f"--   parameters: {query.params}")
        click.echo(f"{query.sql};" if query.sql else "-- (reads the table's columns by reflection)")


COMMANDS = (run, validate, list_checks, has_rows)
