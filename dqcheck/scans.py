"""Running a scan query (SPEC 2.3): its one SELECT, or under ``plan: fastest`` the checks the
catalog answers left out of it (``dqcheck.catalog``), the catalog read once per table."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from dqcheck.catalog import TableFacts, answerable
from dqcheck.checks.base import Measurement
from dqcheck.plan import Query
from dqcheck.sql import CLOCK, clock_statement

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class Facts:
    """Catalog facts per (connection, table), read at most once per run, however many
    queries of the table ask at once. A read that fails is remembered as no facts (the checks
    are scanned); ``passthrough`` exceptions (interruption, connection failure) propagate and
    are not remembered."""

    def __init__(self, passthrough: tuple[type[BaseException], ...] = ()) -> None:
        self.passthrough = passthrough
        self._facts: dict[Hashable, TableFacts | None] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], TableFacts]) -> TableFacts | None:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._facts:
                try:
                    self._facts[key] = read()
                except self.passthrough:
                    raise
                except Exception:  # a view, no permission, an engine without that catalog
                    self._facts[key] = None
            return self._facts[key]


def candidates(query: Query) -> bool:
    """True when the catalog may answer some check of ``query`` (``plan: fastest`` on an
    engine that enforces constraints, and a check type that constraints can answer)."""
    if query.choice is None or not query.choice.constraints or query.table is None:
        return False
    return any(answerable(c) is not None for c in query.checks)


def answered_only(query: Query, answered: dict[str, str]) -> dict[str, Measurement]:
    """Every check answered by the catalog: 0, with the constraint named."""
    return {c.id: Measurement(0, note=answered[c.id]) for c in query.checks}


def measure(conn: Connection, query: Query, answered: dict[str, str]) -> dict[str, Measurement]:
    """The scan's SELECT for the checks the catalog did not answer. When it answered them all
    and there is a ``where``, the database still plans the filter (``LIMIT 0``: no row read),
    so a broken ``where`` is an error, not a pass."""
    rest = [c for c in query.checks if c.id not in answered]
    values: dict[Any, Any] = {}
    if rest:
        stmt, labels = query.scan_statement(rest)
        row = conn.execute(stmt).mappings().one()
        values = {metric: row[label] for metric, label in labels.items()}
        if any(c.needs_clock for c in rest):
            values[CLOCK] = conn.execute(clock_statement()).scalar()
    elif query.where:
        conn.execute(filter_probe(query)).all()
    return {
        c.id: Measurement(0, note=answered[c.id])
        if c.id in answered
        else Measurement(c.compute(values))
        for c in query.checks
    }


def filter_probe(query: Query) -> Any:
    """``SELECT 1 FROM table WHERE (where) LIMIT 0``."""
    from sqlalchemy import literal_column, select

    from dqcheck.sql import table_of, where_clause

    assert query.table is not None and query.where is not None
    where = where_clause(query.where, query.checks[0].variables)
    return select(literal_column("1")).select_from(table_of(query.table)).where(where).limit(0)
