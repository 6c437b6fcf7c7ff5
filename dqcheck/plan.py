"""Planning: which query answers which checks. Every scan check on the same connection,
table and filter shares one SELECT (SPEC 2.3); the other checks run their own query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check, bound_text, variables_in
from dqcheck.fields import TableRef

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

    def single(self, check: Check) -> Query:
        return Query([check], self.is_scan, self.table, self.where, self.connection)

    def timeout(self, default: float | None) -> float | None:
        """The tightest per-check timeout, else the run's."""
        own = [c.timeout for c in self.checks if c.timeout is not None]
        return min(own) if own else default

    def scan_statement(self) -> tuple[Select[Any], dict[str, str]]:
        from dqcheck.sql import scan_select

        assert self.table is not None
        metrics: dict[str, Any] = {}
        for check in self.checks:
            for key, expr in check.metrics().items():
                metrics.setdefault(key, expr)
        where = bound_text(self.where, self.checks[0].variables) if self.where else None
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


#: Checks answered by one SELECT at most: keeps statements far below Redshift's 16 MB limit
#: (a check adds at most a few hundred bytes, plus its accepted values).
MAX_CHECKS_PER_SCAN = 200


def make_plan(checks: list[Check]) -> Plan:
    groups: dict[tuple[Any, ...], Query] = {}
    queries: list[Query] = []
    for check in checks:
        if check.is_scan and check.table is not None:
            used = tuple(sorted((n, check.variables[n]) for n in variables_in(check.where or "")))
            key = (check.connection, check.table, check.where, used)
            if key in groups and len(groups[key].checks) < MAX_CHECKS_PER_SCAN:
                groups[key].checks.append(check)
                continue
            query = Query([check], True, check.table, check.where, check.connection)
            groups[key] = query
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
