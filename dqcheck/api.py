"""The Python API: what the CLI, an Airflow operator or a test calls.

suites = load_suites(["checks/"], {"ds": "2026-11-30"})
result = run(plan(suites), url="postgresql://user@host/db")
result.exit_code  # 0, 1 or 3
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from dqcheck.checks.base import Check
from dqcheck.config import ProjectConfig
from dqcheck.connections import create_engine
from dqcheck.errors import ConfigError, EvaluationError, Problem
from dqcheck.plan import Plan, make_plan
from dqcheck.results import CheckResult, RunResult
from dqcheck.suite import Suite
from dqcheck.suite import load_suites as _load_suites

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dqcheck.history import History

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
    conn_id: str | None = None,
    config: ProjectConfig | None = None,
    jobs: int = 4,
    timeout: float | None = 900.0,
    retries: int = 2,
    fail_on: Iterable[str] = ("fail",),
    on_result: Callable[[CheckResult], None] | None = None,
    history: str | None = None,
) -> RunResult:
    """Run a plan; every check ends pass, warn, fail or error.

    The connection of each check is resolved as SPEC section 3 says (``url`` or ``conn_id``,
    env ``DQCHECK_URL``, the suite's ``connection:``); a connection that cannot be resolved is a
    ConfigError raised before any query. Database problems never raise: they become ``error``
    results.
    """
    from dqcheck.connections import Resolver
    from dqcheck.runner import REFERENCE, Interrupted, Runner

    resolver = Resolver(url, conn_id, config)
    resolved = {name: resolver.resolve(name) for name in {c.connection for c in the_plan.checks}}
    # A reference in another database is named explicitly: --url does not override it.
    for other in {c.other_connection for c in the_plan.checks} - {None}:
        assert other is not None
        resolved[REFERENCE + other] = resolver.lookup(other, "to.connection")
    store = _history_for(the_plan, history)
    # Suites naming different connections that resolve to one database share their scans.
    the_plan = make_plan(the_plan.checks, lambda c: resolved[c.connection].url)
    engines: dict[str, Engine | EvaluationError] = {}
    lock = threading.Lock()

    def engine_for(name: str | None) -> Engine:
        target = resolved[name].url
        with lock:
            if target not in engines:
                try:
                    engines[target] = create_engine(target, pool_size=max(1, jobs))
                except EvaluationError as exc:
                    engines[target] = exc
            engine = engines[target]
        if isinstance(engine, EvaluationError):
            raise engine
        return engine

    started = datetime.now(timezone.utc)
    interrupted: str | None = None
    runner = Runner(engine_for, jobs=jobs, timeout=timeout, retries=retries)
    try:
        results = runner.run(the_plan, on_result)
    except Interrupted as exc:
        results, interrupted = exc.results, exc.reason
    finally:
        for engine in engines.values():
            if not isinstance(engine, EvaluationError):
                engine.dispose()
    shown = sorted({r.masked for r in resolved.values()})
    result = RunResult(
        checks=results,
        started_at=started,
        finished_at=datetime.now(timezone.utc),
        connection=", ".join(shown) if shown else None,
        fail_on=frozenset(fail_on),
        interrupted=interrupted,
    )
    if store is not None:
        try:
            if interrupted is None:  # a cut-short run is no baseline for the next one
                store.append(result)
        except Exception as exc:  # the history never changes the run's outcome
            import logging

            from dqcheck.connections import mask

            logging.getLogger("dqcheck").error(
                mask(f"could not write the history: {type(exc).__name__}: {exc}"),
                extra={"dq": {"event": "history_failed"}},
            )
        finally:
            store.close()
    return result


def _history_for(the_plan: Plan, url: str | None) -> History | None:
    """The history store, with the last measurement of every ``change`` check loaded; a
    ``change`` check without a history is a configuration error, before any query."""
    from dqcheck.history import History

    needing = [c for c in the_plan.checks if c.needs_history]
    if url is None:
        if needing:
            raise ConfigError(
                [
                    Problem(
                        "a change check compares with the last stored run: configure the "
                        "history (history: {url: ...} in dqcheck.yml, or --history URL)",
                        needing[0].file,
                        needing[0].line,
                        needing[0].name,
                    )
                ]
            )
        return None
    store = History(url)
    previous = store.last_measures((c.suite, c.name) for c in needing)
    for check in needing:
        check.previous = previous.get((check.suite, check.name))  # type: ignore[attr-defined]
    return store
