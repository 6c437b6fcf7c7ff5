"""What the history keeps beside each result for the HTML report (SPEC section 11), and the read
of each check's trend.

Each row of ``dqcheck_results`` carries ``details``: JSON with the check's bounds, expectation,
expected range (``anomaly``), value for people, error, SQL and samples, and the run's masked
connection and duration. A history table made by an older dqcheck has no ``details`` column: it
is added once (``ALTER TABLE ... ADD COLUMN``); where that is refused (a read-only role), the
history is read and written without it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from dqcheck.results import Bounds, CheckResult, RunResult, Status, json_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from dqcheck.monitor.history import History
    from dqcheck.report.svg import Point, Trend

#: The latest run's rows, and each check's last results (oldest first) by (suite, check).
Trends = tuple[list[dict[str, Any]], dict[tuple[str, str], list[dict[str, Any]]]]
#: The column this module adds to ``dqcheck_results``.
DETAILS = "details"
#: Most samples kept per result, and most characters of a result's SQL.
MAX_SAMPLES = 20
MAX_SQL = 20_000
#: Largest ``details`` JSON written; past it the samples, then the SQL, are left out.
MAX_DETAILS = 64_000


def details(c: CheckResult, run: RunResult) -> str:
    """The ``details`` JSON of one result."""
    record: dict[str, Any] = {
        "bounds": {"fail": c.fail_bounds.as_dict(), "warn": c.warn_bounds.as_dict()},
        "expectation": c.expectation,
        "expected_range": json_safe(getattr(c, "expected_range", None)),
        "value_text": c.value_text,
        "error": c.error,
        "sql": (c.sql or "")[:MAX_SQL] or None,
        "samples": json_safe((c.samples if c.samples is not None else c.rows or [])[:MAX_SAMPLES]),
        "run": {"connection": run.connection, "duration_seconds": run.duration_seconds},
    }
    text = json.dumps(record, default=str, allow_nan=False)
    for key in ("samples", "sql"):
        if len(text) > MAX_DETAILS:
            record[key] = None
            text = json.dumps(record, default=str, allow_nan=False)
    return text


def add_missing_columns(engine: Engine, table_name: str) -> bool:
    """Add ``details`` to a history table made without it; whether the table has it now."""
    from sqlalchemy import Text, inspect, text

    def has_it() -> bool:
        return DETAILS in {c["name"] for c in inspect(engine).get_columns(table_name)}

    if has_it():
        return True
    kind = engine.dialect.type_compiler_instance.process(Text())
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {quote(table_name)} ADD COLUMN {DETAILS} {kind}"))
    except Exception:  # refused (a read-only role), or another run added it just now
        return has_it()
    return True


def read_trends(
    engine: Engine, t: Table, limit: int, keys: Iterable[tuple[str, str]] | None = None
) -> Trends:
    """The latest run of each suite (its rows in order) and the last ``limit`` results of each
    of its checks (or of each of ``keys``), oldest first. Rows are dicts with ``started_at`` an
    aware UTC datetime and ``details`` parsed (empty for rows an older dqcheck wrote)."""
    from sqlalchemy import and_, func, or_, select

    latest_id = select(t.c.suite, func.max(t.c.id).label("id")).group_by(t.c.suite).subquery()
    runs = select(t.c.suite, t.c.run_id).join(latest_id, t.c.id == latest_id.c.id)
    with engine.connect() as conn:
        latest = {(suite, run_id) for suite, run_id in conn.execute(runs)}
        if not latest:
            return [], {}
        last = [
            dict(r)
            for r in conn.execute(
                select(t)
                .where(or_(*(and_(t.c.suite == s, t.c.run_id == r) for s, r in sorted(latest))))
                .order_by(t.c.id)
            ).mappings()
        ]
        order = func.row_number().over(
            partition_by=(t.c.suite, t.c.check_name), order_by=t.c.id.desc()
        )
        ranked = select(t, order.label("n")).subquery()
        history = [
            dict(r)
            for r in conn.execute(
                select(ranked).where(ranked.c.n <= limit).order_by(ranked.c.id)
            ).mappings()
        ]
    shown = set(keys) if keys is not None else {(r["suite"], r["check_name"]) for r in last}
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in history:
        key = (row["suite"], row["check_name"])
        if key in shown:
            series.setdefault(key, []).append(_parsed(row))
    return [_parsed(r) for r in last], series


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    started = row["started_at"]
    if isinstance(started, datetime):  # SQLite hands back naive UTC
        row["started_at"] = started.replace(tzinfo=started.tzinfo or timezone.utc).astimezone(
            timezone.utc
        )
    raw = row.pop(DETAILS, None)
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        parsed = {}
    row[DETAILS] = parsed if isinstance(parsed, dict) else {}
    row.pop("n", None)
    return row


# -- the HTML report's data -------------------------------------------------------------------


def _fmt(kind: str) -> Callable[[Any], str]:
    """How a check type writes its values (``5h12m``, ``1.5%``)."""
    from dqcheck.checks import REGISTRY
    from dqcheck.checks.base import Check

    return REGISTRY.get(kind, Check).fmt


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):
        return None


def _shown_number(value: Any) -> Any:
    """A stored float as the report writes it: an integral one as an int."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _bounds(raw: Any) -> Bounds:
    raw = raw if isinstance(raw, dict) else {}
    return Bounds(min=raw.get("min"), max=raw.get("max"), equals=raw.get("equals"))


def _range(raw: Any) -> tuple[float, float] | None:
    if isinstance(raw, (list, tuple)) and len(raw) == 2:
        low, high = _float(raw[0]), _float(raw[1])
        if low is not None and high is not None:
            return (low, high)
    return None


def _status(raw: Any) -> Status:
    try:
        return Status(raw)
    except ValueError:
        return Status.ERROR


def stored_point(row: dict[str, Any]) -> Point:
    """A history row as a point of its check's trend."""
    from dqcheck.report.svg import Point

    d = row["details"]
    bounds = d.get("bounds") if isinstance(d.get("bounds"), dict) else {}
    value = _shown_number(row["value"])
    text = d.get("value_text") or ("-" if value is None else _fmt(row["type"])(value))
    return Point(
        when=row["started_at"],
        value=_float(value),
        status=_status(row["status"]),
        text=str(text),
        fail=_bounds(bounds.get("fail")),
        warn=_bounds(bounds.get("warn")),
        expected=_range(d.get("expected_range")),
        message=str(row.get("message") or ""),
    )


def result_point(c: CheckResult, when: datetime) -> Point:
    """A result of this run as the last point of its trend."""
    from dqcheck.report.svg import Point

    return Point(
        when=when,
        value=None if c.status is Status.ERROR else _float(json_safe(c.value)),
        status=c.status,
        text=c.value_text or ("-" if c.value is None else _fmt(c.type)(c.value)),
        fail=c.fail_bounds,
        warn=c.warn_bounds,
        expected=getattr(c, "expected_range", None),
        message=c.message,
    )


def stored_run(rows: list[dict[str, Any]]) -> RunResult:
    """The latest run of each suite, as read by ``read_trends``, as one result to report."""
    from datetime import timedelta

    checks, ends, connections = [], [], set()
    for row in rows:
        d = row["details"]
        bounds = d.get("bounds") if isinstance(d.get("bounds"), dict) else {}
        value = _shown_number(row["value"])
        samples = d.get("samples")
        checks.append(
            CheckResult(
                suite=row["suite"],
                name=row["check_name"],
                type=row["type"],
                table=row["table_name"],
                status=_status(row["status"]),
                value=value,
                fail_bounds=_bounds(bounds.get("fail")),
                warn_bounds=_bounds(bounds.get("warn")),
                expectation=str(d.get("expectation") or ""),
                message=str(row["message"] or ""),
                error=d.get("error"),
                duration_seconds=float(row["duration_seconds"] or 0.0),
                sql=d.get("sql"),
                samples=samples if isinstance(samples, list) and samples else None,
                value_text=str(d.get("value_text") or ""),
                expected_range=_range(d.get("expected_range")),
            )
        )
        run = d.get("run") if isinstance(d.get("run"), dict) else {}
        seconds = _float(run.get("duration_seconds")) or float(row["duration_seconds"] or 0.0)
        ends.append(row["started_at"] + timedelta(seconds=seconds))
        if run.get("connection"):
            connections.add(str(run["connection"]))
    started = min(r["started_at"] for r in rows)
    return RunResult(
        checks=checks,
        started_at=started,
        finished_at=max(ends, default=started),
        connection=", ".join(sorted(connections)) or None,
    )


def page_from_history(store: History, limit: int, where: str) -> str:
    """``dqcheck report --html``: the latest run of each suite and each check's trend."""
    from dqcheck.report.html import render
    from dqcheck.report.svg import Trend

    last, series = store.trends(limit)
    if not last:
        return render(_empty(), note=f"The history {where} holds no runs yet.")
    result = stored_run(last)
    trends = {
        f"{s}.{c}": Trend([stored_point(r) for r in rows], _fmt(rows[-1]["type"]))
        for (s, c), rows in series.items()
    }
    note = (
        f"From the history {where}: the latest run of each suite, and up to {limit} results of "
        "each check."
    )
    return render(result, trends=trends, note=note)


def page_for_run(result: RunResult, store: History | None, limit: int) -> str:
    """``run --html``: this run's results, each check's trend from the history (when there is
    one) with this run as its last point. A history that cannot be read leaves the trends out
    and says so."""
    from dqcheck.errors import EvaluationError
    from dqcheck.report.html import render
    from dqcheck.report.svg import Trend

    if store is None:
        return render(result, note="No history configured: no trends (history: in dqcheck.yml).")
    note = None
    try:
        _, series = store.trends(limit, [(c.suite, c.name) for c in result.checks])
    except EvaluationError as exc:
        series, note = {}, f"No trends: {exc}"
    trends: dict[str, Trend] = {}
    for c in result.checks:
        before = [  # this run, if the history stored it, is the point added below
            stored_point(r)
            for r in series.get((c.suite, c.name), [])
            if abs((r["started_at"] - result.started_at).total_seconds()) > 0.001
        ]
        kept = before[len(before) - limit + 1 :] if limit > 1 else []
        points = [*kept, result_point(c, result.started_at)]
        trends[c.id] = Trend(points, _fmt(c.type))
    return render(result, trends=trends, note=note)


def _empty() -> RunResult:
    now = datetime.now(timezone.utc)
    return RunResult(checks=[], started_at=now, finished_at=now)
