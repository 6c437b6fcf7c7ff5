"""The history store (SPEC section 6): every run appends its results to ``dqcheck_results``;
``change`` checks compare against the last stored measurement; ``dqcheck history`` reads it.

The history never hangs a run: its connections have a connect timeout and (PostgreSQL) a
statement timeout, and every operation runs on a worker thread the caller waits for with a
deadline, so the calling thread stays free to handle SIGTERM/SIGINT and gives up on a database
that accepted the connection and then went silent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dqcheck.connections import POSTGRES_FAMILY, normalize_url
from dqcheck.errors import ConfigError, EvaluationError, Problem
from dqcheck.monitor.bounded import (
    CONNECT_TIMEOUT,
    STATEMENT_TIMEOUT,
    Worker,
    bound_statements,
    engine_options,
)
from dqcheck.secrets import mask, register_secrets

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from dqcheck.checks.base import Check
    from dqcheck.config import ProjectConfig
    from dqcheck.monitor.trends import Trends
    from dqcheck.results import RunResult

TABLE = "dqcheck_results"
#: Seconds one history operation (a read, or the write of a run) may take in all, however the
#: database behaves: its connection, a couple of statements, and a margin.
DEADLINE = CONNECT_TIMEOUT + STATEMENT_TIMEOUT + 10

T = TypeVar("T")


def check_url(url: str, source: str = "--history") -> str:
    """``url`` normalized, or a ConfigError naming ``source`` when it is not a database URL
    (checked before any query, not when the history is first used)."""
    from dqcheck.connections import validate_url

    normalized = normalize_url(url)
    validate_url(normalized, source)
    return normalized


def history_url(config: ProjectConfig | Mapping[str, Any], flag: str | None) -> str | None:
    """``--history URL``, else ``history: {url: ...}`` in the project config, else None. A
    relative SQLite path in the config is relative to the config file's folder. Problems are
    located at the line of the key in the config file."""
    if flag:
        check_url(flag, "--history")
        return flag
    from dqcheck.config import ProjectConfig, expand_env
    from dqcheck.config_sections import check_sections
    from dqcheck.validation import Problems, line_of

    project = config if isinstance(config, ProjectConfig) else ProjectConfig(sections=dict(config))
    if "history" not in project.sections:
        return None
    raw = project.sections["history"]
    p = Problems(project.file)
    check_sections(p, {"history": raw}, project.section_lines)
    p.raise_if_any()
    line = line_of(raw, "url", project.section_lines.get("history"))
    try:
        url = expand_env(raw["url"])
    except KeyError as exc:
        message = f"environment variable {exc.args[0]} is not set"
        raise ConfigError([Problem(message, project.file, line, field="history.url")]) from None
    try:
        check_url(url, "history.url")
    except ConfigError as exc:  # located at its line in the config
        raise ConfigError(
            [Problem(e.message, project.file, line, e.check, e.field) for e in exc.problems]
        ) from None
    return _relative_to(project, url)


def _relative_to(project: ProjectConfig, url: str) -> str:
    """A SQLite file URL whose path is relative, made absolute from the config's folder."""
    from sqlalchemy.engine import make_url

    u = make_url(normalize_url(url))
    database = u.database or ""
    if u.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or Path(database).is_absolute() or project.file is None:
        return url
    return u.set(database=project.path(database)).render_as_string(hide_password=False)


class History:
    """The ``dqcheck_results`` table in a database of its own (SQLite by default)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.url = normalize_url(url)
        register_secrets(self.url)
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(u, **engine_options(u))
        if u.get_backend_name() in POSTGRES_FAMILY:
            bound_statements(self.engine)
        self.table = _table()
        self._upgraded = False  # ``details`` added to an older table (monitor/trends.py)
        self._worker = Worker()

    def close(self) -> None:
        self._worker.stop()
        self.engine.dispose()

    def _bounded(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()`` on the history's worker thread, waited for at most DEADLINE seconds."""
        return self._worker.call(what, fn, DEADLINE)

    def _exists(self) -> bool:
        from sqlalchemy import inspect

        found = inspect(self.engine).has_table(TABLE)
        if found and not self._upgraded:
            self._upgrade()
        return found

    def _upgrade(self) -> None:
        """Once: the columns an older dqcheck did not create, added; else used without."""
        from dqcheck.monitor.trends import add_missing_columns

        self._upgraded = True
        if not add_missing_columns(self.engine, TABLE):
            self.table = _table(details=False)

    def last_measures(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """The last stored measurement of each (suite, check) that has one."""
        from sqlalchemy import func, select

        wanted = set(keys)
        if not wanted:
            return {}
        t = self.table

        def read() -> list[Any]:
            if not self._exists():
                return []
            latest = (
                select(t.c.suite, t.c.check_name, func.max(t.c.id).label("id"))
                .where(t.c.measure.is_not(None))
                .group_by(t.c.suite, t.c.check_name)
                .subquery()
            )
            stmt = select(t.c.suite, t.c.check_name, t.c.measure).join(
                latest, t.c.id == latest.c.id
            )
            with self.engine.connect() as conn:
                return list(conn.execute(stmt).all())

        rows = self._bounded("cannot read the history", read)
        return {(r[0], r[1]): float(r[2]) for r in rows if (r[0], r[1]) in wanted}

    def series(
        self, keys: Iterable[tuple[str, str]], limit: int
    ) -> dict[tuple[str, str], list[tuple[datetime, float]]]:
        """The last ``limit`` stored measures of each (suite, check), oldest first, as (aware UTC
        start time, measure); runs that ended ``error`` or stored no measure are left out."""
        from sqlalchemy import func, select

        wanted = set(keys)

        def read() -> list[Any]:
            if not wanted or not self._exists():
                return []
            t = self.table  # after _exists(), which may adapt it to an older table
            order = func.row_number().over(
                partition_by=(t.c.suite, t.c.check_name), order_by=t.c.id.desc()
            )
            ranked = (
                select(t.c.suite, t.c.check_name, t.c.started_at, t.c.measure, order.label("n"))
                .where(t.c.measure.is_not(None), t.c.status != "error")
                .where(t.c.suite.in_(sorted({s for s, _ in wanted})))
                .where(t.c.check_name.in_(sorted({c for _, c in wanted})))
                .subquery()
            )
            stmt = select(ranked).where(ranked.c.n <= limit).order_by(ranked.c.n.desc())
            with self.engine.connect() as conn:
                return list(conn.execute(stmt).all())

        out: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
        for suite, check, started, measure, _ in self._bounded("cannot read the history", read):
            if (suite, check) in wanted:
                when = started.replace(tzinfo=started.tzinfo or timezone.utc)  # SQLite: naive UTC
                point = (when.astimezone(timezone.utc), float(measure))
                out.setdefault((suite, check), []).append(point)
        return out

    def append(self, result: RunResult) -> None:
        from dqcheck.monitor.trends import details

        rows = [
            {
                "run_id": str(uuid.uuid4()),
                "started_at": result.started_at,
                "suite": c.suite,
                "check_name": c.name,
                "type": c.type,
                "table_name": c.table,
                "status": c.status.value,
                "value": _number(c.value),
                "measure": _number(c.measure),
                "duration_seconds": c.duration_seconds,
                "message": c.message[:2000],
                "details": details(c, result),
            }
            for c in result.checks
        ]
        run_id = rows[0]["run_id"] if rows else ""
        for row in rows:
            row["run_id"] = run_id

        def write() -> None:
            self.table.metadata.create_all(self.engine, checkfirst=True)
            if not self._upgraded:
                self._upgrade()
            if "details" not in self.table.c:
                for row in rows:
                    del row["details"]
            with self.engine.begin() as conn:
                conn.execute(self.table.insert(), rows)

        self._bounded("could not write the history", write)

    def trends(self, limit: int = 30, keys: Iterable[tuple[str, str]] | None = None) -> Trends:
        """The latest run of each suite and the last ``limit`` results of each of its checks (or
        of ``keys``), oldest first (``monitor.trends.read_trends``); nothing without a run."""
        from dqcheck.monitor.trends import read_trends

        wanted = None if keys is None else list(keys)

        def read() -> Trends:
            if not self._exists():
                return [], {}
            return read_trends(self.engine, self.table, limit, wanted)

        return self._bounded("cannot read the history", read)

    def recent(
        self, check: str | None = None, suite: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        from sqlalchemy import select

        t = self.table

        def read() -> list[dict[str, Any]]:
            if not self._exists():
                return []
            stmt = select(t).order_by(t.c.id.desc()).limit(limit)
            if check:
                stmt = stmt.where(t.c.check_name == check)
            if suite:
                stmt = stmt.where(t.c.suite == suite)
            with self.engine.connect() as conn:
                return [dict(r) for r in conn.execute(stmt).mappings()]

        rows = self._bounded("cannot read the history", read)
        for row in rows:
            row["started_at"] = str(row["started_at"])
        return rows

    def names(self) -> list[tuple[str, str]]:
        """Every (suite, check) the history holds, for did-you-mean on an unknown name."""
        from sqlalchemy import select

        t = self.table

        def read() -> list[tuple[str, str]]:
            if not self._exists():
                return []
            stmt = select(t.c.suite, t.c.check_name).distinct()
            with self.engine.connect() as conn:
                return [(str(a), str(b)) for a, b in conn.execute(stmt)]

        return self._bounded("cannot read the history", read)


def _table(details: bool = True) -> Table:
    """The history table; ``details`` (JSON for the HTML report) unless the stored table has
    none and it could not be added."""
    from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text

    extra = [Column("details", Text)] if details else []
    return Table(
        TABLE,
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("run_id", String(36), nullable=False, index=True),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("suite", String(200), nullable=False),
        Column("check_name", String(200), nullable=False),
        Column("type", String(50), nullable=False),
        Column("table_name", String(300)),
        Column("status", String(10), nullable=False),
        Column("value", Float),
        Column("measure", Float),
        Column("duration_seconds", Float),
        Column("message", Text),
        *extra,
    )


def _number(value: Any) -> float | None:
    """A stored number: finite, or None (a NaN, an infinity, an integer past float range)."""
    import math
    from decimal import Decimal

    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def load_previous(
    store: History | None, checks: Sequence[Check]
) -> tuple[dict[str, Any], str | None]:
    """The last stored measurement of every check that compares with it, by check id (for a
    check whose ``history_depth`` is above 1, its ``History.series``: a list, oldest first); and
    the problem, if the history cannot be read (the checks that need it then end in ``error``)."""
    needing = [c for c in checks if c.needs_history]
    if store is None or not needing:
        return {}, None
    deep = [c for c in needing if c.history_depth > 1]
    try:
        stored = store.last_measures((c.suite, c.name) for c in needing if c.history_depth <= 1)
        depth = max((c.history_depth for c in deep), default=0)
        series = store.series(((c.suite, c.name) for c in deep), depth) if deep else {}
    except EvaluationError as exc:
        return {}, str(exc)
    previous: dict[str, Any] = {
        c.id: stored[(c.suite, c.name)] for c in needing if (c.suite, c.name) in stored
    }
    for c in deep:  # each gets its own depth, out of the one read of the deepest
        previous[c.id] = series.get((c.suite, c.name), [])[-c.history_depth :]
    return previous, None


def record(store: History, result: RunResult, read_problem: str | None) -> None:
    """Append the run to the history; a failure is logged and never changes the outcome."""
    import logging

    log = logging.getLogger("dqcheck")
    try:
        if read_problem is not None:  # unreachable minutes ago: no second wait for it
            log.error(
                mask(f"could not write the history: it could not be read ({read_problem})"),
                extra={"dq": {"event": "history_failed"}},
            )
        elif result.interrupted is None:  # a cut-short run is no baseline for the next one
            store.append(result)
    except EvaluationError as exc:
        log.error(mask(str(exc)), extra={"dq": {"event": "history_failed"}})
    except Exception as exc:
        log.error(
            mask(f"could not write the history: {type(exc).__name__}: {exc}"),
            extra={"dq": {"event": "history_failed"}},
        )
