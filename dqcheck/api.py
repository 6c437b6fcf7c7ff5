"""The Python API: what the CLI, an Airflow operator or a test calls.

suites = load_suites(["checks/"], {"ds": "2026-11-30"})
result = run(plan(suites), url="postgresql://user@host/db")
result.exit_code  # 0, 1 or 3
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from dqcheck.checks.base import Check
from dqcheck.connections import create_engine, mask_url, resolve_url, secrets_of
from dqcheck.plan import Plan, make_plan
from dqcheck.results import CheckResult, RunResult
from dqcheck.suite import Suite
from dqcheck.suite import load_suites as _load_suites

__all__ = ["load_suites", "plan", "run", "select_checks"]


def load_suites(
    paths: Iterable[str | Path], variables: Mapping[str, str] | None = None
) -> list[Suite]:
    """Load and validate suites from files or folders; raises ConfigError listing every problem."""
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


def plan(
    suites: Sequence[Suite] | Sequence[Check], select: Sequence[str] = (), tags: Sequence[str] = ()
) -> Plan:
    """Group the selected checks into queries: one scan per connection, table and filter."""
    checks = [c for c in suites if isinstance(c, Check)]
    if len(checks) != len(suites):
        checks = select_checks([s for s in suites if isinstance(s, Suite)], select, tags)
    return make_plan(checks)


def run(
    the_plan: Plan,
    url: str | None = None,
    *,
    jobs: int = 4,
    timeout: float | None = 900.0,
    fail_on: Iterable[str] = ("fail",),
    on_result: Callable[[CheckResult], None] | None = None,
) -> RunResult:
    """Run a plan against ``url``; every check ends pass, warn, fail or error — never raises
    for a database problem (those become ``error`` results)."""
    from dqcheck.errors import EvaluationError
    from dqcheck.results import Status
    from dqcheck.runner import Runner

    resolved = resolve_url(url, (c.connection for c in the_plan.checks))
    started = datetime.now(timezone.utc)
    secrets = secrets_of(resolved)
    try:
        engine = create_engine(resolved, pool_size=max(1, jobs))
    except EvaluationError as exc:
        from dqcheck.runner import _result

        results = [
            _result(c, Status.ERROR, None, str(exc), str(exc), 0.0, None, None)
            for c in the_plan.checks
        ]
    else:
        try:
            results = Runner(engine, jobs=jobs, timeout=timeout, secrets=secrets).run(
                the_plan, on_result
            )
        finally:
            engine.dispose()
    return RunResult(
        checks=results,
        started_at=started,
        finished_at=datetime.now(timezone.utc),
        connection=mask_url(resolved),
        fail_on=frozenset(fail_on),
    )
