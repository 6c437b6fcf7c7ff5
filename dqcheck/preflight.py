"""Everything a run does before its first query: suites loaded and validated, checks
selected, the project config and the monitoring settings validated, connections resolved and
the plan made, once. Every problem is a ConfigError (exit 2); nothing connects."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check
from dqcheck.config import ProjectConfig, load_project
from dqcheck.errors import ConfigError, Problem
from dqcheck.monitor import Flags as Monitoring  # the public name of run flags
from dqcheck.plan import Plan, make_plan
from dqcheck.planner import Choice, choose, plan_value
from dqcheck.suite import Suite, parse_vars
from dqcheck.suite import load_suites as _load_suites

if TYPE_CHECKING:
    from dqcheck.connections import Resolved
    from dqcheck.monitor import Settings

__all__ = [
    "Config",
    "Monitoring",
    "Prepared",
    "Target",
    "chooser",
    "load_suites",
    "plan_flag",
    "prepare",
    "prepare_has_rows",
    "project_config",
    "replan",
    "resolve_connections",
    "select_checks",
    "suites_and_checks",
]

Config = ProjectConfig | str | Path | None
Target = Sequence[str | Path] | Sequence[Suite] | Sequence[Check] | Plan


@dataclass
class Prepared:
    """Suites validated, checks selected, project config and monitoring validated, connections
    resolved and the plan made (once): everything before the first query."""

    suites: list[Suite]
    plan: Plan
    config: ProjectConfig
    settings: Settings
    history_url: str | None
    log_configured: bool
    resolved: dict[str, Resolved] = field(default_factory=dict)
    #: ``--plan`` (``fastest`` or ``single_scan``), beating the suites' ``plan:``.
    plan_flag: str | None = None


def load_suites(
    paths: Iterable[str | Path], variables: Mapping[str, str] | Sequence[str] | None = None
) -> list[Suite]:
    """Load and validate suites from files or folders; raises ConfigError listing every problem.
    ``variables`` is a mapping or ``KEY=VALUE`` strings (``--var``)."""
    if variables is not None and not isinstance(variables, Mapping):
        variables = parse_vars(variables)
    return _load_suites(paths, variables)


def select_checks(
    suites: Sequence[Suite], select: Sequence[str] = (), tags: Sequence[str] = ()
) -> list[Check]:
    """Checks matching any ``select`` glob (on ``suite.name`` or ``name``) and any ``tag``."""
    out = []
    for suite in suites:
        for check in suite.checks:
            if select and not any(
                fnmatch.fnmatchcase(check.id, p) or fnmatch.fnmatchcase(check.name, p)
                for p in select
            ):
                continue
            if tags and not set(tags) & set(check.tags):
                continue
            out.append(check)
    return out


def project_config(config: Config) -> ProjectConfig:
    return config if isinstance(config, ProjectConfig) else load_project(config)


def suites_and_checks(
    target: Target, variables: Any, select: Sequence[str], tags: Sequence[str]
) -> tuple[list[Suite], list[Check]]:
    if isinstance(target, Plan):
        return [], list(target.checks)
    items = list(target)
    if items and all(isinstance(i, Check) for i in items):
        return [], [i for i in items if isinstance(i, Check)]
    if items and all(isinstance(i, Suite) for i in items):
        suites = [i for i in items if isinstance(i, Suite)]
    else:
        suites = load_suites([i for i in items if isinstance(i, (str, Path))], variables)
    checks = select_checks(suites, select, tags)
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
    return suites, checks


def prepare(
    target: Target,
    *,
    variables: Mapping[str, str] | Sequence[str] | None = None,
    select: Sequence[str] = (),
    tags: Sequence[str] = (),
    url: str | None = None,
    conn_id: str | None = None,
    config: Config = None,
    monitoring: Monitoring | None = None,
    sla: str | float | None = None,
    resolve: bool = True,
    plan: str | None = None,
) -> Prepared:
    """Everything a run does before its first query; every problem is a ConfigError.
    ``resolve=False`` (``validate``) checks all but the connections. ``plan`` (``--plan``:
    ``fastest`` or ``single_scan``) beats the suites' ``plan:`` and the engine's default."""
    from dqcheck.monitor import load_settings
    from dqcheck.monitor.history import history_url

    plan = plan_flag(plan)
    suites, checks = suites_and_checks(target, variables, select, tags)
    project = project_config(config)
    monitoring = monitoring or Monitoring()
    if sla is not None:  # the argument wins over the monitoring's own
        monitoring = replace(monitoring, sla=sla if isinstance(sla, str) else f"{float(sla)}s")
    flags = replace(monitoring, notify=tuple(monitoring.notify))
    settings = load_settings(
        project.sections, flags, file=project.file, lines=project.section_lines, config=project
    )
    store = history_url(project, monitoring.history)
    needing = [c for c in checks if c.needs_history]
    if store is None and needing:
        raise ConfigError(
            [
                Problem(
                    f"a {needing[0].type} check compares with stored runs: configure the history "
                    "(history: {url: ...} in dqcheck.yml, or --history URL)",
                    needing[0].file,
                    needing[0].line,
                    needing[0].name,
                )
            ]
        )
    log_configured = "log" in project.sections or bool(monitoring.log_format or monitoring.log_file)
    prepared = Prepared(suites, make_plan(checks), project, settings, store, log_configured)
    prepared.plan_flag = plan
    if resolve:
        resolve_connections(prepared, url, conn_id)
    return prepared


def prepare_has_rows(
    table: str,
    *,
    where: str | None = None,
    minimum: int = 1,
    variables: Mapping[str, str] | Sequence[str] | None = None,
    **options: Any,
) -> Prepared:
    """``prepare`` for the one-check suite of ``dqcheck has-rows`` (the HasRowsOperator)."""
    from dqcheck.suite import has_rows_suite

    if variables is not None and not isinstance(variables, Mapping):
        variables = parse_vars(variables)
    return prepare([has_rows_suite(table, where, minimum, variables or {})], **options)


def resolve_connections(prepared: Prepared, url: str | None, conn_id: str | None) -> None:
    """Resolve every connection the plan uses, then plan again by resolved URL: suites naming
    different connections that resolve to one database share their scans."""
    from dqcheck.connections import Resolver
    from dqcheck.engines import REFERENCE

    resolver = Resolver(url, conn_id, prepared.config)
    checks = prepared.plan.checks
    resolved = {str(c.connection): resolver.resolve(c.connection) for c in checks}
    # A reference in another database is named explicitly: --url does not override it.
    for other in {c.other_connection for c in checks} - {None}:
        resolved[REFERENCE + str(other)] = resolver.lookup(str(other), "to.connection")
    prepared.resolved = resolved
    replan(prepared)


def replan(prepared: Prepared) -> None:
    """Plan again by resolved URL (suites naming different connections that resolve to one
    database share their scans), each group with its plan (``chooser``)."""
    resolved = prepared.resolved

    def url_of(check: Check) -> str:
        return resolved[str(check.connection)].url

    choose = chooser(prepared.suites, prepared.plan_flag, url_of)
    prepared.plan = make_plan(prepared.plan.checks, url_of, choose)


def plan_flag(value: str | None) -> str | None:
    """``--plan`` checked: None, ``fastest`` or ``single_scan`` (else a ConfigError)."""
    try:
        return None if value is None else plan_value(value)
    except ValueError as exc:
        raise ConfigError([Problem(str(exc), field="--plan")]) from None


def chooser(
    suites: Sequence[Suite], flag: str | None, url_of: Callable[[Check], str | None]
) -> Callable[[Check], Choice]:
    """A check's plan: ``flag`` (``--plan``), else its suite's ``plan:``, else the default of
    the engine of ``url_of(check)``."""
    by_suite = {s.name: s.plan for s in suites}

    def choice(check: Check) -> Choice:
        return choose(flag, by_suite.get(check.suite), url_of(check))

    return choice
