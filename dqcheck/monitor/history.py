"""The history store (SPEC section 6): every run appends its results to ``dqcheck_results``;
``change`` checks compare against the last stored measurement; ``dqcheck history`` reads it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqcheck.connections import mask, normalize_url, register_secrets
from dqcheck.errors import ConfigError, EvaluationError, Problem

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from dqcheck.results import RunResult

TABLE = "dqcheck_results"


def history_url(sections: Mapping[str, Any], flag: str | None) -> str | None:
    """``--history URL``, else ``history: {url: ...}`` in the project config, else None."""
    if flag:
        return flag
    raw = sections.get("history")
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != {"url"} or not isinstance(raw["url"], str):
        raise ConfigError([Problem("expected {url: ...}", field="history")])
    from dqcheck.config import expand_env

    try:
        return expand_env(raw["url"])
    except KeyError as exc:
        raise ConfigError(
            [Problem(f"environment variable {exc.args[0]} is not set", field="history.url")]
        ) from None


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
        self.engine: Engine = create_engine(u)
        self.table = _table()

    def close(self) -> None:
        self.engine.dispose()

    def _exists(self) -> bool:
        from sqlalchemy import inspect

        return inspect(self.engine).has_table(TABLE)

    def last_measures(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """The last stored measurement of each (suite, check) that has one."""
        from sqlalchemy import func, select

        wanted = set(keys)
        if not wanted:
            return {}
        t = self.table
        try:
            if not self._exists():
                return {}
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
                rows = conn.execute(stmt).all()
        except Exception as exc:
            raise EvaluationError(mask(f"cannot read the history: {_first_line(exc)}")) from None
        return {(r[0], r[1]): float(r[2]) for r in rows if (r[0], r[1]) in wanted}

    def append(self, result: RunResult) -> None:
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
            }
            for c in result.checks
        ]
        run_id = rows[0]["run_id"] if rows else ""
        for row in rows:
            row["run_id"] = run_id
        self.table.metadata.create_all(self.engine, checkfirst=True)
        with self.engine.begin() as conn:
            conn.execute(self.table.insert(), rows)

    def recent(
        self, check: str | None = None, suite: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        from sqlalchemy import select

        t = self.table
        try:
            if not self._exists():
                return []
            stmt = select(t).order_by(t.c.id.desc()).limit(limit)
            if check:
                stmt = stmt.where(t.c.check_name == check)
            if suite:
                stmt = stmt.where(t.c.suite == suite)
            with self.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(stmt).mappings()]
        except Exception as exc:
            raise EvaluationError(mask(f"cannot read the history: {_first_line(exc)}")) from None
        for row in rows:
            row["started_at"] = str(row["started_at"])
        return rows


def _table() -> Table:
    from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text

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
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _first_line(exc: BaseException) -> str:
    from sqlalchemy.exc import DBAPIError

    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__
