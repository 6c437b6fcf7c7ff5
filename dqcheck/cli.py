"""The command line: a thin shell over ``dqcheck.api``.

Only click and the light ``dqcheck.errors`` are imported at start-up, so ``--version`` and
``--help`` stay fast; SQLAlchemy, rich and the drivers load inside the commands that use them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from dqcheck import __version__
from dqcheck.errors import ConfigError, DqcheckError, ExitCode, Problem

if TYPE_CHECKING:
    from dqcheck.config import ProjectConfig
    from dqcheck.results import CheckResult, RunResult
    from dqcheck.suite import Suite

F = TypeVar("F", bound=Callable[..., Any])


class DqcheckGroup(click.Group):
    """Converts every outcome into the exit codes of SPEC section 1, in one place."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("dqcheck: interrupted", err=True)
            sys.exit(ExitCode.SIGINT)
        except KeyboardInterrupt:
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
            from dqcheck.connections import mask

            message = f"dqcheck: internal error: {type(exc).__name__}: {exc}"
            click.echo(mask(message) + " (set DQCHECK_DEBUG=1 for a traceback)", err=True)
            sys.exit(ExitCode.ERROR)
        sys.exit(rv if isinstance(rv, int) else 0)


def fail(exc: DqcheckError) -> NoReturn:
    from dqcheck.connections import mask

    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            click.echo(mask(f"dqcheck: error: {problem}"), err=True)
    else:
        click.echo(mask(f"dqcheck: error: {exc}"), err=True)
    sys.exit(exc.exit_code)


# -- shared options -------------------------------------------------------------------------------


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from dqcheck.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def connection_options(func: F) -> F:
    """--url, --conn-id and --config: which database (SPEC section 3)."""
    for option in reversed(
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
            click.option(
                "--config",
                "config_file",
                metavar="FILE",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Project config (default: dqcheck.yml here, if present).",
            ),
        ]
    ):
        func = option(func)
    return func


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
    callback=_duration,
    help="Limit for each query, e.g. 90s, 15m.",
)


def monitor_options(func: F) -> F:
    """The monitoring flags of ``run`` (SPEC section 5); each overrides its config section."""
    for option in reversed(
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
                "history_flag",
                metavar="URL",
                help="Append the results to dqcheck_results there (change checks read it).",
            ),
        ]
    ):
        func = option(func)
    return func


def suite_options(func: F) -> F:
    """The options of run, validate and list."""
    func = connection_options(func)
    for option in reversed(
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
        ]
    ):
        func = option(func)
    return click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


# -- commands -------------------------------------------------------------------------------------


@click.group(cls=DqcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dqcheck", message="%(prog)s %(version)s")
def cli() -> None:
    """Data-quality checks that exit non-zero when data is bad.

    Exit codes: 0 every check passed, 1 a check failed, 2 usage or configuration error,
    3 a check could not be evaluated.
    """


@cli.command()
@suite_options
@format_option
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON report to FILE.",
)
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a JUnit XML report to FILE (CI test reporters).",
)
@click.option(
    "--markdown",
    "markdown_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a Markdown report to FILE (e.g. $GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--jobs", default=4, show_default=True, type=click.IntRange(1, 64), help="Queries run at once."
)
@timeout_option
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    default=("fail",),
    show_default=True,
    type=click.Choice(["fail", "warn", "sla"]),
    help="'warn' makes warnings fail the run too (repeatable).",
)
@click.option(
    "--retries",
    default=2,
    show_default=True,
    type=click.IntRange(0, 10),
    help="Retries of transient connection failures, with backoff.",
)
@click.option("--dry-run", is_flag=True, help="Print the SQL each query would run; no connection.")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line and problems.")
@click.option("--explain-exit", is_flag=True, hidden=True)
@monitor_options
def run(
    paths: Sequence[Path],
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
    variables: Sequence[str],
    select: Sequence[str],
    tags: Sequence[str],
    fmt: str,
    json_file: Path | None,
    junit_file: Path | None,
    markdown_file: Path | None,
    jobs: int,
    timeout: float | None,
    fail_on: Sequence[str],
    dry_run: bool,
    quiet: bool,
    explain_exit: bool,
    retries: int,
    **monitoring: Any,
) -> int:
    """Run the checks of the suites in PATHS (files, or folders of *.yml) and report."""
    from dqcheck import api
    from dqcheck.history import history_url
    from dqcheck.monitor import Flags, load_settings
    from dqcheck.monitor.run import Monitor

    suites = _load(paths, variables)
    the_plan = api.plan(suites, select, tags)
    _require_checks(the_plan.checks, select, tags)
    if dry_run:
        url = url or os.environ.get("DQCHECK_URL")
        if url or conn_id:  # one connection for every suite: scans are shared across suites
            from dqcheck.plan import make_plan

            the_plan = make_plan(the_plan.checks, lambda c: None)
        _print_plan(the_plan, url)
        return 0
    files = {"json": json_file, "junit": junit_file, "markdown": markdown_file}
    for kind, path in files.items():
        _check_writable(path, f"--{kind}")
    config = _config(config_file)
    history = history_url(config.sections, monitoring.pop("history_flag"))
    flags = Flags(**monitoring)
    settings = load_settings(config.sections, flags, file=config.file, lines=config.section_lines)
    log_configured = "log" in config.sections or bool(flags.log_format or flags.log_file)
    monitor = Monitor(settings, log_configured=log_configured)
    try:
        monitor.start(the_plan)
        with _signals_interrupt(), _progress(len(the_plan.checks), enabled=not quiet) as progress:

            def on_result(r: CheckResult) -> None:
                monitor.on_result(r)
                if progress is not None:
                    progress(r)

            result = api.run(
                the_plan,
                url,
                conn_id=conn_id,
                config=config,
                jobs=jobs,
                timeout=timeout,
                retries=retries,
                fail_on=fail_on,
                on_result=on_result,
                history=history,
            )
        monitor.finish(result)
    finally:
        monitor.close()
    _report(result, fmt, files, quiet, explain_exit)
    if result.interrupted:
        _exit_now(result)
    return int(result.exit_code)


@cli.command()
@suite_options
def validate(
    paths: Sequence[Path],
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
    variables: Sequence[str],
    select: Sequence[str],
    tags: Sequence[str],
) -> int:
    """Load and validate suites without touching a database."""
    from dqcheck import api

    suites = _load(paths, variables)
    _config(config_file)
    checks = api.select_checks(suites, select, tags)
    click.echo(
        f"ok: {len(suites)} suite{'s' * (len(suites) != 1)}, "
        f"{len(checks)} check{'s' * (len(checks) != 1)}"
    )
    return 0


@cli.command(name="list")
@suite_options
@format_option
def list_checks(
    paths: Sequence[Path],
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
    variables: Sequence[str],
    select: Sequence[str],
    tags: Sequence[str],
    fmt: str,
) -> int:
    """List the checks: suite, name, type, table, tags."""
    from dqcheck import api

    checks = api.select_checks(_load(paths, variables), select, tags)
    rows: list[dict[str, Any]] = [
        {
            "suite": c.suite,
            "name": c.name,
            "type": c.type,
            "table": str(c.table) if c.table else None,
            "tags": list(c.tags),
        }
        for c in checks
    ]
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return 0
    widths = [
        max([len(h)] + [len(str(r[h] or "-")) for r in rows])
        for h in ("suite", "name", "type", "table")
    ]
    header = ("suite", "name", "type", "table", "tags")
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, [*widths, 0], strict=True)).rstrip())
    for r in rows:
        cells = [str(r[h] or "-") for h in ("suite", "name", "type", "table")]
        tags_text = ",".join(r["tags"]) or "-"
        click.echo(
            "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + tags_text
        )
    return 0


@cli.command()
@connection_options
def ping(url: str | None, conn_id: str | None, config_file: Path | None) -> int:
    """Connect with the resolved connection and print the server and its version."""
    from dqcheck.connections import Resolver
    from dqcheck.ping import ping as do_ping

    click.echo(do_ping(Resolver(url, conn_id, _config(config_file))))
    return 0


@cli.command(name="has-rows")
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
@format_option
@timeout_option
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line and problems.")
def has_rows(
    table: str,
    url: str | None,
    conn_id: str | None,
    config_file: Path | None,
    variables: Sequence[str],
    where: str | None,
    minimum: int,
    fmt: str,
    timeout: float | None,
    quiet: bool,
) -> int:
    """Fail unless TABLE has at least --min rows (the HasRowsOperator, as one command)."""
    from dqcheck import api
    from dqcheck.suite import has_rows_suite, parse_vars

    suite = has_rows_suite(table, where, minimum, parse_vars(variables))
    config = _config(config_file)
    result = api.run(api.plan([suite]), url, conn_id=conn_id, config=config, timeout=timeout)
    _report(result, fmt, {}, quiet, False)
    return int(result.exit_code)


@cli.command()
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
    from dqcheck.connections import Resolver
    from dqcheck.fields import FieldError, table_ref
    from dqcheck.init import starter_suite

    try:
        table_ref(table)
    except FieldError as exc:
        raise ConfigError([Problem(str(exc), field="--table")]) from None
    _check_writable(output, "--output")
    text = starter_suite(Resolver(url, conn_id, _config(config_file)), table)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    return 0


@cli.command(name="history")
@click.option("--check", "check_name", metavar="NAME", help="Only this check's results.")
@click.option("--suite", metavar="NAME", help="Only this suite's results.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@format_option
@click.option("--history", "history_flag", metavar="URL", help="The history database.")
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Project config (default: dqcheck.yml here, if present).",
)
def history_command(
    check_name: str | None,
    suite: str | None,
    limit: int,
    fmt: str,
    history_flag: str | None,
    config_file: Path | None,
) -> int:
    """Recent results from the history store, newest first."""
    from dqcheck.connections import mask
    from dqcheck.history import History, history_url

    url = history_url(_config(config_file).sections, history_flag)
    if url is None:
        raise ConfigError(
            [Problem("no history configured: history: {url: ...} in dqcheck.yml, or --history")]
        )
    store = History(url)
    try:
        rows = store.recent(check_name, suite, limit)
    finally:
        store.close()
    if fmt == "json":
        import json

        click.echo(mask(json.dumps(rows, indent=2, default=str)))
        return 0
    if not rows:
        click.echo("no results stored yet")
        return 0
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:g}"
        click.echo(
            f"{row['started_at'][:19]}  {row['status']:5}  {row['suite']}.{row['check_name']}"
            f"  {value}"
        )
    return 0


@cli.command(name="schema")
def json_schema() -> int:
    """Print the JSON Schema of the suite format (for editor completion)."""
    import json

    from dqcheck.jsonschema import suite_schema

    click.echo(json.dumps(suite_schema(), indent=2))
    return 0


# -- helpers --------------------------------------------------------------------------------------


class _Signal(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT so the runner cancels what is in flight."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.reason = name


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While running, SIGTERM (Airflow killing a task) and SIGINT stop the run: the runner
    cancels the queries on the server, and the run reports what finished."""
    import signal

    def handler(signum: int, _frame: Any) -> None:
        raise _Signal(signal.Signals(signum).name)

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _exit_now(result: RunResult) -> None:
    """Exit 130/143 now, even if a cancelled query's thread has not come back yet."""
    sys.stdout.flush()
    sys.stderr.flush()
    click.echo(f"dqcheck: interrupted by {result.interrupted}", err=True)
    if any(t.name.startswith("dqcheck") and t.is_alive() for t in threading.enumerate()):
        os._exit(int(result.exit_code))


@contextlib.contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[CheckResult], None] | None]:
    """A live progress bar on stderr when it is a terminal and the run takes over a second."""
    if not (enabled and sys.stderr.isatty() and total > 1):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("checks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("checks", total=total)
    lock = threading.Lock()
    shown = False

    def show() -> None:
        nonlocal shown
        with lock:
            bar.start()
            shown = True

    timer = threading.Timer(1.0, show)
    timer.daemon = True
    timer.start()

    def advance(_result: CheckResult) -> None:
        with lock:
            bar.advance(task)

    try:
        yield advance
    finally:
        timer.cancel()
        with lock:
            if shown:
                bar.stop()


def _config(config_file: Path | None) -> ProjectConfig:
    from dqcheck.config import load_config

    return load_config(config_file, explicit=config_file is not None)


def _load(paths: Sequence[Path], variables: Sequence[str]) -> list[Suite]:
    from dqcheck import api
    from dqcheck.suite import parse_vars

    return api.load_suites(paths, parse_vars(variables))


def _require_checks(checks: Sequence[object], select: Sequence[str], tags: Sequence[str]) -> None:
    if not checks:
        raise ConfigError(
            [
                Problem(
                    "no checks match the selection"
                    + (f" --select {' '.join(select)}" if select else "")
                    + (f" --tag {' '.join(tags)}" if tags else "")
                )
            ]
        )


def _check_writable(path: Path | None, option: str) -> None:
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError([Problem(f"{option} {path}: folder {parent} does not exist")])
    if path.is_dir() or not os.access(parent, os.W_OK):
        raise ConfigError([Problem(f"{option} {path}: cannot write there")])


def _report(
    result: RunResult,
    fmt: str,
    files: dict[str, Path | None],
    quiet: bool,
    explain_exit: bool,
) -> None:
    """Write the report files, then the stdout report; every text goes through ``mask``."""
    from dqcheck.connections import mask
    from dqcheck.report import render

    for kind, path in files.items():
        if path is not None:
            path.write_text(mask(render(kind, result)), encoding="utf-8")
    if fmt == "json":
        click.echo(mask(render("json", result)), nl=False)
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        text = render("text", result, quiet=quiet, color=color, width=width)
        if explain_exit:
            from dqcheck.report.text import explain

            text += explain(result) + "\n"
        click.echo(mask(text), nl=False)


def _print_plan(the_plan: Any, url: str | None) -> None:
    from dqcheck.connections import validate_url

    dialect = None
    if url:
        from sqlalchemy.engine import make_url

        from dqcheck.connections import normalize_url

        url = normalize_url(url)
        validate_url(url)
        dialect = make_url(url).get_dialect()()
    name = dialect.name if dialect is not None else "postgresql"
    click.echo(
        f"-- {len(the_plan.queries)} quer{'y' if len(the_plan.queries) == 1 else 'ies'} "
        f"for {len(the_plan.checks)} checks ({name} SQL; no connection made)"
    )
    for i, query in enumerate(the_plan.queries, start=1):
        click.echo("")
        click.echo(f"-- query {i}: {query.describe()}")
        click.echo(f"--   answers: {', '.join(c.id for c in query.checks)}")
        params = query.params(dialect)
        if params:
            click.echo(f"--   parameters: {params}")
        sql = query.render(dialect)
        click.echo(f"{sql};" if sql else "-- (reads the table's columns by reflection)")


def main() -> NoReturn:
    cli.main(prog_name="dqcheck")
    raise AssertionError("unreachable")  # pragma: no cover


if __name__ == "__main__":
    main()
