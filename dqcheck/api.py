"""The Python API, dqcheck's one door: what the CLI, an Airflow operator or a test calls.

result = run(["checks/"], url="postgresql://user@host/db", variables={"ds": "2026-11-30"},
             monitoring=Monitoring(notify=["slack://..."]), sla="15m")
result.exit_code  # 0, 1 or 3; result.sla_missed

``run`` does everything ``dqcheck run`` does: it loads and validates the suites and the project
config (every problem is a ConfigError before any query), resolves the connections, plans once
(scans shared by resolved database), runs, writes the history, monitors (logs, alerts, statsd,
Prometheus) and judges the SLA. Database problems never raise: they become ``error`` results.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check
from dqcheck.dryrun import DryRun, PlannedQuery, dry_run
from dqcheck.errors import ConfigError, Problem
from dqcheck.plan import Plan, make_plan
from dqcheck.preflight import (
    Config,
    Monitoring,
    Prepared,
    Target,
    chooser,
    load_suites,
    prepare,
    prepare_has_rows,
    project_config,
    replan,
    resolve_connections,
    select_checks,
)
from dqcheck.results import CheckResult, RunResult
from dqcheck.secrets import mask
from dqcheck.suite import Suite, parse_vars

if TYPE_CHECKING:
    from dqcheck.monitor.history import History

__all__ = [
    "CheckResult",
    "DryRun",
    "Monitoring",
    "PlannedQuery",
    "Prepared",
    "RunResult",
    "dry_run",
    "has_rows",
    "history",
    "init_suite",
    "json_schema",
    "list_checks",
    "load_suites",
    "mask",
    "parse_vars",
    "ping",
    "plan",
    "prepare",
    "prepare_has_rows",
    "report_html",
    "run",
    "run_html",
    "select_checks",
]


# -- suites and checks ----------------------------------------------------------------------------


def plan(
    suites: Sequence[Suite] | Sequence[Check], select: Sequence[str] = (), tags: Sequence[str] = ()
) -> Plan:
    """Group the selected checks into queries: one scan per connection, table and filter."""
    checks = [c for c in suites if isinstance(c, Check)]
    if len(checks) != len(suites):
        checks = select_checks([s for s in suites if isinstance(s, Suite)], select, tags)
    return make_plan(checks)


def list_checks(
    paths: Iterable[str | Path],
    variables: Mapping[str, str] | Sequence[str] | None = None,
    select: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """One record per selected check: suite, name, type, table, tags."""
    return [
        {
            "suite": c.suite,
            "name": c.name,
            "type": c.type,
            "table": str(c.table) if c.table else None,
            "tags": list(c.tags),
        }
        for c in select_checks(load_suites(paths, variables), select, tags)
    ]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the suite format (for editor completion)."""
    from dqcheck.jsonschema import suite_schema

    return suite_schema()


# -- running --------------------------------------------------------------------------------------


def run(
    target: Prepared | Target,
    url: str | None = None,
    *,
    conn_id: str | None = None,
    config: Config = None,
    variables: Mapping[str, str] | Sequence[str] | None = None,
    select: Sequence[str] = (),
    tags: Sequence[str] = (),
    monitoring: Monitoring | None = None,
    sla: str | float | None = None,
    jobs: int = 4,
    timeout: str | float | None = 900.0,
    retries: int = 2,
    fail_on: Iterable[str] = ("fail",),
    samples: int | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    plan: str | None = None,
) -> RunResult:
    """Run checks (suite paths, suites, checks, a plan or a ``Prepared``); every check ends
    pass, warn, fail or error, and the result carries ``sla_missed``. A signal (an exception
    that is not an ``Exception``, such as KeyboardInterrupt) ends the run as interrupted,
    whenever it comes, with the queries in flight cancelled. ``samples`` (``--samples``)
    overrides every check's ``samples:`` (SPEC 2.5; 0 turns them off). ``plan``
    (``--plan``: ``fastest`` or ``single_scan``) beats the suites' ``plan:`` (SPEC 2.3)."""
    from dqcheck.engines import Engines, check_timeouts
    from dqcheck.monitor.history import History, load_previous, record
    from dqcheck.monitor.run import Monitor
    from dqcheck.preflight import plan_flag

    if not isinstance(target, Prepared):
        target = prepare(
            target,
            variables=variables,
            select=select,
            tags=tags,
            url=url,
            conn_id=conn_id,
            config=config,
            monitoring=monitoring,
            sla=sla,
            plan=plan,
        )
    else:
        if plan is not None:
            target.plan_flag = plan_flag(plan)
        if not target.resolved:
            resolve_connections(target, url, conn_id)
        elif plan is not None:
            replan(target)
    if samples is not None:
        from dataclasses import replace

        from dqcheck.samples import with_samples

        target = replace(target, plan=with_samples(target.plan, samples))
    urls = {k: r.url for k, r in target.resolved.items()}
    seconds = check_timeouts(timeout, target.plan.checks, urls)
    store = History(target.history_url) if target.history_url else None
    monitor = Monitor(target.settings, log_configured=target.log_configured)
    try:
        monitor.start(target.plan)

        def each(r: CheckResult) -> None:
            for callback in (monitor.on_result, on_result):
                if callback is not None:
                    with contextlib.suppress(Exception):  # a callback never breaks a run
                        callback(r)

        started = datetime.now(timezone.utc)
        results, interrupted, read_problem = _execute(
            target, store, Engines(urls, jobs), each, jobs, seconds, retries, load_previous
        )
        finished = datetime.now(timezone.utc)
        sla = target.settings.sla
        shown = sorted({r.masked for r in target.resolved.values()})
        result = RunResult(
            checks=results,
            started_at=started,
            finished_at=finished,
            connection=", ".join(shown) if shown else None,
            fail_on=frozenset(fail_on),
            sla_missed=sla is not None and (finished - started).total_seconds() > sla,
            interrupted=interrupted,
        )
        if store is not None:
            record(store, result, read_problem)
        monitor.finish(result)
    finally:
        monitor.close()
        if store is not None:
            store.close()
    return result


def _execute(
    target: Prepared,
    store: History | None,
    engines: Any,
    each: Callable[[CheckResult], None],
    jobs: int,
    timeout: float | None,
    retries: int,
    load_previous: Callable[..., tuple[dict[str, float], str | None]],
) -> tuple[list[CheckResult], str | None, str | None]:
    """The checks' results, the signal that interrupted the run (if any), and the history's
    problem (if it could not be read: the checks needing it end in ``error``)."""
    from dqcheck.runner import Interrupted, Runner, error_result

    the_plan = target.plan
    done: dict[str, CheckResult] = {}
    interrupted: str | None = None
    read_problem: str | None = None
    try:
        # Read on the history's own thread with a deadline: this thread stays free for a signal.
        previous, read_problem = load_previous(store, the_plan.checks)
        rest = the_plan
        if read_problem is not None:
            for check in the_plan.checks:
                if check.needs_history:
                    done[check.id] = error_result(check, read_problem)
                    each(done[check.id])
            left = [c for c in the_plan.checks if c.id not in done]
            url_of = lambda c: target.resolved[str(c.connection)].url  # noqa: E731
            rest = make_plan(left, url_of, chooser(target.suites, target.plan_flag, url_of))
        runner = Runner(
            engines.engine_for, jobs=jobs, timeout=timeout, retries=retries, previous=previous
        )
        try:
            for r in runner.run(rest, each):
                done[r.id] = r
        except Interrupted as exc:
            interrupted = exc.reason
            for r in exc.results:
                done.setdefault(r.id, r)
    except BaseException as exc:
        if isinstance(exc, (Exception, SystemExit, GeneratorExit)):
            raise
        # SIGTERM/SIGINT outside the runner's queries: still a report of what is known
        interrupted = getattr(exc, "reason", None) or type(exc).__name__
    finally:
        engines.dispose()
    results = [done.get(c.id) or error_result(c, "interrupted") for c in the_plan.checks]
    return results, interrupted, read_problem


def has_rows(table: str, **options: Any) -> RunResult:
    """``dqcheck has-rows``: fail unless ``table`` has at least ``minimum`` rows; monitoring,
    history and SLA as ``run``."""
    keys = ("where", "minimum", "variables", "url", "conn_id", "config", "monitoring", "sla")
    prepared = prepare_has_rows(table, **{k: options.pop(k) for k in keys if k in options})
    return run(prepared, **options)


# -- the other commands ---------------------------------------------------------------------------


def ping(url: str | None = None, *, conn_id: str | None = None, config: Config = None) -> str:
    """Connect with the resolved connection; one line naming server, version and round trip."""
    from dqcheck.connections import Resolver
    from dqcheck.ping import ping as _ping

    return _ping(Resolver(url, conn_id, project_config(config)))


def init_suite(
    tables: Sequence[str] = (),
    url: str | None = None,
    *,
    schema: str | None = None,
    conn_id: str | None = None,
    config: Config = None,
) -> str:
    """A starter suite (YAML text) for ``tables``, or for every table of ``schema`` (exactly one
    of them): each table profiled with one scan, bounds from the data seen. ``conn_id`` is
    written as the suite's ``connection:``."""
    from dqcheck.connections import Resolver
    from dqcheck.fields import FieldError, identifier, table_ref
    from dqcheck.init import starter_suite

    if bool(tables) == (schema is not None):
        raise ConfigError([Problem("give --table (one or more) or --schema, not both")])
    try:
        refs = list(dict.fromkeys(table_ref(t) for t in tables))
    except FieldError as exc:
        raise ConfigError([Problem(str(exc), field="--table")]) from None
    if schema is not None:
        try:
            identifier(schema)
        except FieldError as exc:
            raise ConfigError([Problem(str(exc), field="--schema")]) from None
    resolver = Resolver(url, conn_id, project_config(config))
    return starter_suite(resolver, refs, schema, connection=conn_id)


def history(
    *,
    check: str | None = None,
    suite: str | None = None,
    limit: int = 20,
    url: str | None = None,
    config: Config = None,
) -> list[dict[str, Any]]:
    """Recent results from the history store, newest first."""
    from dqcheck.monitor.history import History, history_url

    store_url = history_url(project_config(config), url)
    if store_url is None:
        raise ConfigError(
            [Problem("no history configured: history: {url: ...} in dqcheck.yml, or --history")]
        )
    from dqcheck.checks import REGISTRY
    from dqcheck.results import json_safe

    store = History(store_url)
    try:
        rows: list[dict[str, Any]] = json_safe(store.recent(check, suite, limit))
        if not rows and (check or suite):
            _unknown_in_history(store.names(), check, suite)
    finally:
        store.close()
    for row in rows:  # the value as the report shows it: 5h12m, 1.5%, 9,978,340
        kind = REGISTRY.get(str(row.get("type")))
        value = row.get("value")
        row["value_text"] = "-" if value is None else (kind or Check).fmt(value)
    return rows


def _unknown_in_history(
    names: Sequence[tuple[str, str]], check: str | None, suite: str | None
) -> None:
    """An unknown ``--check``/``--suite`` is a usage error naming the nearest stored name."""
    import difflib

    for flag, wanted, known in (
        ("--check", check, sorted({c for _, c in names})),
        ("--suite", suite, sorted({s for s, _ in names})),
    ):
        if wanted and wanted not in known:
            close = difflib.get_close_matches(wanted, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError([Problem(f"no results stored for {wanted!r}{hint}", field=flag)])


# -- the HTML report (SPEC section 11) ------------------------------------------------------------


def report_html(*, url: str | None = None, config: Config = None, limit: int = 30) -> str:
    """``dqcheck report --html``: a self-contained page of the latest run of each suite in the
    history store (``url``, else the project config's ``history:``), each check's last ``limit``
    results drawn as its trend. No history configured: ConfigError; one that cannot be read:
    EvaluationError; one without runs: a page that says so."""
    from dqcheck.monitor.history import History, history_url
    from dqcheck.monitor.trends import page_from_history

    store_url = history_url(project_config(config), url)
    if store_url is None:
        raise ConfigError(
            [Problem("no history configured: history: {url: ...} in dqcheck.yml, or --history")]
        )
    store = History(store_url)
    try:
        return mask(page_from_history(store, limit, mask(store.url)))
    finally:
        store.close()


def run_html(result: RunResult, history_url: str | None = None, *, limit: int = 30) -> str:
    """``run --html``: the page of ``result``, each check's trend read from the history at
    ``history_url`` (a ``Prepared``'s) with this run as the last point; without a history, or
    when it cannot be read, the page says so and shows no trends."""
    from dqcheck.monitor.history import History
    from dqcheck.monitor.trends import page_for_run

    store = History(history_url) if history_url else None
    try:
        return mask(page_for_run(result, store, limit))
    finally:
        if store is not None:
            store.close()
