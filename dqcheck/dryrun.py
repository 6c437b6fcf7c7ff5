"""``dqcheck run --dry-run``: the SQL a run would send, grouped by query, and the plan of each
scan and why (SPEC 2.3); nothing connects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dqcheck.plan import make_plan
from dqcheck.preflight import Config, Target, chooser, plan_flag, suites_and_checks


@dataclass(frozen=True)
class PlannedQuery:
    description: str
    answers: list[str]
    params: dict[str, Any]
    sql: str | None
    #: The plan of a scan and why (SPEC 2.3); None for other queries.
    plan: str | None = None


@dataclass(frozen=True)
class DryRun:
    """What ``run`` would send, without connecting: the SQL of each query, for ``dialect``."""

    dialect: str
    checks: int
    queries: list[PlannedQuery]


def dry_run(
    target: Target,
    *,
    variables: Mapping[str, str] | Sequence[str] | None = None,
    select: Sequence[str] = (),
    tags: Sequence[str] = (),
    url: str | None = None,
    conn_id: str | None = None,
    config: Config = None,
    plan: str | None = None,
) -> DryRun:
    """The SQL a run would send, grouped by query; nothing connects. With one connection for
    every suite (``url``, ``conn_id`` or env ``DQCHECK_URL``) scans are shared across suites.
    Each scan says its plan (``plan``: ``--plan``) and why; without a URL, PostgreSQL's."""
    import os

    from dqcheck.engines import dialect_of

    flag = plan_flag(plan)
    suites, checks = suites_and_checks(target, variables, select, tags)
    url = url or os.environ.get("DQCHECK_URL")
    choose = chooser(suites, flag, lambda c: url or "postgresql://")
    if url or conn_id:
        the_plan = make_plan(checks, lambda c: None, choose)
    else:
        the_plan = make_plan(checks, None, choose)
    dialect = dialect_of(url) if url else None
    return DryRun(
        dialect.name if dialect is not None else "postgresql",
        len(the_plan.checks),
        [
            PlannedQuery(
                q.describe(),
                [c.id for c in q.checks],
                q.params(dialect),
                q.render(dialect),
                q.explain(),
            )
            for q in the_plan.queries
        ],
    )
