"""Planning: which query answers which checks. Every scan check on the same connection,
table and filter shares one SELECT (SPEC 2.3); the other checks run their own query."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check
from dqcheck.fields import TableRef
from dqcheck.sql import Metric, variables_in

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.sql.expression import Select


@dataclass
class Query:
    """One statement and the checks it answers."""

    checks: list[Check]
    is_scan: bool
    table: TableRef | None = None
    where: str | None = None
    connection: str | None = None

    def subset(self, checks: list[Check]) -> Query:
        """The same query answering only ``checks``."""
        return Query(checks, self.is_scan, self.table, self.where, self.connection)

    def timeout(self, default: float | None) -> float | None:
        """The checks' own timeout (all checks of a scan share it), else the run's."""
        return self.checks[0].timeout if self.checks[0].timeout is not None else default

    def metric_keys(self) -> set[str]:
        return {m.key for c in self.checks for m in c.metrics()}

    def scan_statement(self) -> tuple[Select[Any], dict[Metric, str]]:
        """The one SELECT of a scan, and the column label of each metric it computes."""
        from dqcheck.sql import scan_select, where_clause

        assert self.table is not None
        metrics = [m for check in self.checks for m in check.metrics()]
        where = where_clause(self.where, self.checks[0].variables) if self.where else None
        return scan_select(self.table, where, metrics)

    def statement(self) -> Any:
        if self.is_scan:
            return self.scan_statement()[0]
        return self.checks[0].statement()

    def render(self, dialect: Dialect | None = None) -> str | None:
        """The SQL as text with ``:name`` placeholders (values are bound, never pasted)."""
        stmt = self.statement()
        if stmt is None:
            return None
        display = _display_dialect(dialect)
        return str(stmt.compile(dialect=display)).strip()

    def params(self, dialect: Dialect | None = None) -> dict[str, Any]:
        stmt = self.statement()
        if stmt is None:
            return {}
        return dict(stmt.compile(dialect=_display_dialect(dialect)).params)

    def describe(self) -> str:
        if self.is_scan:
            where = f" where {self.where}" if self.where else ""
            return f"scan of {self.table}{where}"
        check = self.checks[0]
        if self.statement() is None:
            return f"reflection of {check.table} ({check.type})"
        return f"query of {check.id} ({check.type})"


@dataclass
class Plan:
    """The queries of a run, in the order of their first check, and the checks in suite order."""

    checks: list[Check]
    queries: list[Query] = field(default_factory=list)


#: Distinct metrics one SELECT computes at most: keeps statements far below Redshift's 16 MB
#: statement limit (a metric is at most a few hundred bytes, plus its accepted values).
MAX_METRICS_PER_SCAN = 500


def make_plan(
    checks: list[Check], connection_key: Callable[[Check], Hashable] | None = None
) -> Plan:
    """Group the scan checks sharing a connection, table, ``where`` (with the values of its
    variables) and timeout into one query each; every other check is a query of its own.

    ``connection_key`` says which checks share a connection (by default the suites'
    ``connection:`` names; a run passes the resolved URLs).
    """
    key_of = connection_key or (lambda c: c.connection)
    groups: dict[tuple[Any, ...], tuple[Query, set[str]]] = {}
    queries: list[Query] = []
    for check in checks:
        if check.is_scan and check.table is not None:
            used = tuple(sorted((n, check.variables[n]) for n in variables_in(check.where or "")))
            key = (key_of(check), check.table, check.where, used, check.timeout)
            keys = {m.key for m in check.metrics()}
            if key in groups:
                query, metrics = groups[key]
                if len(metrics | keys) <= MAX_METRICS_PER_SCAN:
                    query.checks.append(check)
                    metrics |= keys
                    continue
            query = Query([check], True, check.table, check.where, check.connection)
            groups[key] = (query, keys)
        else:
            query = Query([check], False, check.table, check.where, check.connection)
        queries.append(query)
    return Plan(list(checks), queries)


def _display_dialect(dialect: Dialect | None) -> Dialect:
    """The same SQL dialect, but with ``:name`` placeholders for people to read."""
    from sqlalchemy.dialects import postgresql

    if dialect is None:
        return postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
    try:
        return type(dialect)(paramstyle="named")  # type: ignore[call-arg]
    except TypeError:
        return dialect
