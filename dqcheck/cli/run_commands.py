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
    examples,
    format_option,
    monitor_options,
    plan_option,
    report_options,
    suite_options,
    var_option,
)
from dqcheck.cli.output import report

MONITOR_KEYS = (
    "notify",
    "statsd",
    "prometheus_textfile",
    "pushgateway",
    "log_format",
    "log_file",
    "history",
)


def _prepare_options(o: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The keyword arguments of ``api.prepare`` from the parsed options: ``keys`` as given,
    plus where the database, the config and the monitoring are."""
    from dqcheck.api import Monitoring

    monitoring = Monitoring(**{k: o[k] for k in MONITOR_KEYS})
    return {
        **{k: o[k] for k in ("variables", "url", "conn_id", *keys)},
        "config": o["config_file"],
        "monitoring": monitoring,
        "sla": o["sla"],
    }


def _execute(prepared: Any, o: dict[str, Any], explain_exit: bool = False) -> int:
    """``api.run`` under signal handling and live progress, then the reports; the exit code."""
    from dqcheck import api

    files = {"json": o["json_file"], "junit": o["junit_file"], "markdown": o["markdown_file"]}
    files["html"] = o["html_file"]
    for kind, path in files.items():
        check_writable(path, f"--{kind}")
    with live.signals_interrupt():
        total = len(prepared.plan.checks)
        with live.progress(total, enabled=not o["quiet"]) as on_result:
            result = api.run(
                prepared,
                jobs=o.get("jobs", 4),
                timeout=o["timeout"],
                retries=o["retries"],
                fail_on=o["fail_on"],
                samples=o["samples"],
                on_result=on_result,
            )
        code = report(
            result,
            o["fmt"],
            files,
            quiet=o["quiet"],
            explain_exit=explain_exit,
            history_url=prepared.history_url,
        )
        if result.interrupted:
            click.echo(f"dqcheck: interrupted by {result.interrupted}", err=True)
            live.exit_now_if_stuck(code)
    return code


@click.command(
    short_help="Run the checks of suites and report.",
    epilog=examples(
        "dqcheck run checks/ --conn-id warehouse --var ds=2026-11-30",
        "dqcheck run checks/orders.yml --url sqlite:///shop.db --json report.json",
    ),
)
@suite_options
@report_options
@click.option(
    "--jobs", default=4, show_default=True, type=click.IntRange(1, 64), help="Queries run at once."
)
@click.option("--dry-run", is_flag=True, help="Print the SQL each query would run; no connection.")
@plan_option
@click.option("--explain-exit", is_flag=True, hidden=True)
@monitor_options
def run(paths: Sequence[Path], dry_run: bool, explain_exit: bool, **o: Any) -> int:
    """Run the checks of the suites in PATHS (files, or folders of *.yml) and report."""
    from dqcheck import api

    if dry_run:
        keys = ("variables", "select", "tags", "url", "conn_id", "plan")
        _print_plan(api.dry_run(paths, config=o["config_file"], **{k: o[k] for k in keys}))
        return 0
    prepared = api.prepare(paths, **_prepare_options(o, "select", "tags", "plan"))
    return _execute(prepared, o, explain_exit)


@click.command(
    short_help="Validate suites and the project config.",
    epilog=examples(
        "dqcheck validate checks/",
    ),
)
@suite_options
@monitor_options
def validate(paths: Sequence[Path], **o: Any) -> int:
    """Load and validate suites and the project config without touching a database."""
    from dqcheck import api

    prepared = api.prepare(paths, **_prepare_options(o, "select", "tags"), resolve=False)
    n_suites, n_checks = len(prepared.suites), len(prepared.plan.checks)
    click.echo(
        f"ok: {n_suites} suite{'s' * (n_suites != 1)}, {n_checks} check{'s' * (n_checks != 1)}"
    )
    return 0


@click.command(
    name="list",
    short_help="List the checks: suite, name, type, table, tags.",
    epilog=examples(
        "dqcheck list checks/ --tag daily",
    ),
)
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


@click.command(
    name="has-rows",
    short_help="Fail unless a table has at least --min rows.",
    epilog=examples(
        'dqcheck has-rows public.orders --conn-id warehouse --where "created_at >= :ds"'
        " --var ds=2026-11-30",
    ),
)
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

    options = _prepare_options(o, "where", "minimum")
    return _execute(api.prepare_has_rows(table, **options), o)


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
        if query.plan:
            click.echo(f"--   plan: {query.plan}")
        if query.params:
            click.echo(f"--   parameters: {query.params}")
        click.echo(f"{query.sql};" if query.sql else "-- (reads the table's columns by reflection)")


COMMANDS = (run, validate, list_checks, has_rows)
