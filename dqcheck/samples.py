"""Samples of the bad rows (SPEC 2.5): the second phase of a run.

After the scans, each check that ended ``fail`` or ``warn`` and whose type declares samples
(``Check.sample_ask``) gets one bounded read-only query, on the run's engines and under the
check's timeout, through the runner's own session (so a signal or the deadline cancels it like
any other query). A check whose own query already returned its rows (``failing_rows``) needs no
query. A sample that cannot be read never changes the check's status: it adds a note to its
message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dqcheck.asks import answer
from dqcheck.checks.base import Answer, Ask, Check, sample_cell
from dqcheck.plan import Plan, Query
from dqcheck.results import CheckResult, Status

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

Session = Callable[["Engine", Query], contextlib.AbstractContextManager["Connection"]]


def with_samples(plan: Plan, n: int) -> Plan:
    """The same plan, every check showing up to ``n`` samples (``--samples N``; 0 = none)."""
    checks = {c.id: replace(c, samples=n) for c in plan.checks}
    return Plan(
        [checks[c.id] for c in plan.checks],
        [q.subset([checks[c.id] for c in q.checks]) for q in plan.queries],
    )


def wanted(check: Check, result: CheckResult) -> bool:
    """Whether the check gets samples: it failed or warned, and asks for some."""
    if result.status not in (Status.FAIL, Status.WARN) or check.samples <= 0:
        return False
    return result.rows is not None or check.sample_ask(check.samples) is not None


def fetch(
    check: Check,
    result: CheckResult,
    engine_for: Callable[[str | None], Engine],
    session: Session,
    describe: Callable[[BaseException, Query], str],
) -> CheckResult:
    """``result`` with its samples (or a note saying why there are none)."""
    n = check.samples
    if result.rows is not None:  # its own query returned them already
        result.samples = result.rows[:n]
        return result
    query = Query([check], False, check.table, check.where, check.connection)
    try:
        with session(engine_for(check.connection), query) as conn:
            ask = check.sample_ask(n)
            assert ask is not None
            if ask.answer is Answer.PRIMARY_KEY:
                key = answer(conn, ask, check)
                if not key:
                    _note(
                        result,
                        f"no samples: {check.table} has no primary key "
                        "(sample_columns: [...] names the columns that identify a row)",
                    )
                    return result
                ask = check.sample_ask(n, key)
                assert ask is not None and ask.answer is not Answer.PRIMARY_KEY
            rows = answer(conn, ask, check)
    except Exception as exc:
        _note(result, f"no samples: {describe(exc, query)}")
        return result
    result.samples = shape(ask, rows)[:n]
    return result


def shape(ask: Ask, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Sample rows in the JSON shape of SPEC 2.5, every cell JSON-friendly and cut."""
    out: list[dict[str, Any]] = []
    for row in rows:
        cells = [(str(k), v) for k, v in row.items()]
        if ask.answer is Answer.VALUE_COUNTS:
            (_, value), (_, count) = cells
            out.append({"value": sample_cell(value), "count": int(count)})
        elif ask.answer is Answer.KEY_COUNTS:
            *key, (_, count) = cells
            out.append({"key": {k: sample_cell(v) for k, v in key}, "count": int(count)})
        else:
            out.append({k: sample_cell(v) for k, v in cells})
    return out


def _note(result: CheckResult, note: str) -> None:
    result.message = f"{result.message}; {note}" if result.message else note
