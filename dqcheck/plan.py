"""Planning: which query answers which checks. Every scan check on the same connection,
table and filter shares one SELECT (SPEC 2.3); the other checks run their own query. Under
``plan: fastest`` (``dqcheck.planner``) a group's single-column ``duplicate_count`` checks
move to one statement per key column, run concurrently with the group's main SELECT."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.checks.base import Check
from dqcheck.fields import TableRef
from dqcheck.planner import GROUP_BY, Choice
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
    #: The plan of a scan and why (None: single_scan, as planned before any connection).
    choice: Choice | None = None
    #: A split-off distinct count (``plan: fastest``): the key column of its checks.
    distinct: str | None = None

    def subset(self, checks: list[Check]) -> Query:
        """The same query answering only ``checks``."""
        return Query(
            checks,
            self.is_scan,
            self.table,
            self.where,
            self.connection,
            self.choice,
            self.distinct,
        )

    def timeout(self, default: float | None) -> float | None:
        """The checks' own timeout (all checks of a scan share it), else the run's."""
        return self.checks[0].timeout if self.checks[0].timeout is not None else default

    def metric_keys(self) -> set[str]:
        return {m.key for c in self.checks for m in c.metrics()}

    def scan_statement(
        self, checks: list[Check] | None = None
    ) -> tuple[Select[Any], dict[Metric, str]]:
        """The one SELECT of a scan (for ``checks``, by default all of the query's), and the
        column label of each metric it computes."""
        from dqcheck.sql import scan_select, where_clause

        assert self.table is not None
        checks = self.checks if checks is None else checks
        metrics = [m for check in checks for m in check.metrics()]
        where = where_clause(self.where, self.checks[0].variables) if self.where else None
        if self.distinct is not None and self.choice and self.choice.engine.distinct == GROUP_BY:
            return grouped_distinct(self.table, where, self.distinct)
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
            if self.distinct is not None:
                return f"distinct count of {self.distinct} in {self.table}{where}"
            return f"scan of {self.table}{where}"
        check = self.checks[0]
        if self.statement() is None:
            return f"reflection of {check.table} ({check.type})"
        return f"query of {check.id} ({check.type})"

    def explain(self) -> str | None:
        """The plan of a scan and why, for ``--dry-run`` (None for other queries)."""
        if not self.is_scan:
            return None
        c = self.choice
        if c is None or not c.fastest:
            why = f" ({c.reason})" if c is not None else ""
            return f"single_scan{why}: one statement for this table and filter"
        text = f"fastest ({c.reason})"
        if self.distinct is not None:
            text += (
                f": split, COUNT(DISTINCT {self.distinct}) in its own statement, run "
                "concurrently with the main scan"
            )
        from dqcheck.catalog import answerable

        if not any(answerable(check) for check in self.checks):
            return text
        if c.constraints:
            return text + "; constraints are read from the catalog at run time (fastest)"
        return text + "; the engine does not enforce constraints: no constraint answers"


@dataclass
class Plan:
    """The queries of a run, in the order of their first check, and the checks in suite order."""

    checks: list[Check]
    queries: list[Query] = field(default_factory=list)


#: Distinct metrics one SELECT computes at most: keeps statements far below Redshift's 16 MB
#: statement limit (a metric is at most a few hundred bytes, plus its accepted values).
MAX_METRICS_PER_SCAN = 500


def make_plan(
    checks: list[Check],
    connection_key: Callable[[Check], Hashable] | None = None,
    choose: Callable[[Check], Choice] | None = None,
) -> Plan:
    """Group the scan checks sharing a connection, table, ``where`` (with the values of its
    variables), timeout and plan into one query each; every other check is a query of its own.

    ``connection_key`` says which checks share a connection (by default the suites'
    ``connection:`` names; a run passes the resolved URLs). ``choose`` gives a check's plan
    (``dqcheck.planner.choose``); without it every scan is ``single_scan``.
    """
    key_of = connection_key or (lambda c: c.connection)
    groups: dict[tuple[Any, ...], tuple[Query, set[str]]] = {}
    queries: list[Query] = []
    for check in checks:
        if check.is_scan and check.table is not None:
            choice = choose(check) if choose is not None else None
            used = tuple(sorted((n, check.variables[n]) for n in variables_in(check.where or "")))
            key = (key_of(check), check.table, check.where, used, check.timeout, choice)
            keys = {m.key for m in check.metrics()}
            if key in groups:
                query, metrics = groups[key]
                if len(metrics | keys) <= MAX_METRICS_PER_SCAN:
                    query.checks.append(check)
                    metrics |= keys
                    continue
            query = Query([check], True, check.table, check.where, check.connection, choice)
            groups[key] = (query, keys)
        else:
            query = Query([check], False, check.table, check.where, check.connection)
        queries.append(query)
    return Plan(list(checks), [part for q in queries for part in split(q)])


#: The key prefix of ``dqcheck.sql.count_distinct`` metrics.
_DISTINCT = "count_distinct("


def distinct_column(check: Check) -> str | None:
    """The column of the check's ``COUNT(DISTINCT column)`` metric, if it has one."""
    for metric in check.metrics():
        if metric.key.startswith(_DISTINCT) and metric.key.endswith(")"):
            return metric.key[len(_DISTINCT) : -1]
    return None


def split(query: Query) -> list[Query]:
    """A ``fastest`` scan as its main SELECT and one statement per distinct-counted column
    (concurrent statements: the serial sort of a ``COUNT(DISTINCT)`` leaves the main scan);
    any other query as it is."""
    if not (query.is_scan and query.choice is not None and query.choice.fastest):
        return [query]
    main: list[Check] = []
    by_column: dict[str, list[Check]] = {}
    for check in query.checks:
        column = distinct_column(check)
        if column is None:
            main.append(check)
        else:
            by_column.setdefault(column, []).append(check)
    parts = [query.subset(main)] if main else []
    for column, checks in by_column.items():
        part = query.subset(checks)
        part.distinct = column
        parts.append(part)
    return parts


def grouped_distinct(
    ref: TableRef, where: Any, column: str
) -> tuple[Select[Any], dict[Metric, str]]:
    """``COUNT(col)`` and ``COUNT(DISTINCT col)`` from one ``GROUP BY col`` (the
    ``GROUP_BY`` strategy of ``dqcheck.planner``): the groups of non-NULL keys, counted, and
    their rows summed."""
    from sqlalchemy import BigInteger, and_, cast, func, literal_column, select

    from dqcheck.sql import col, count_distinct, count_values, table_of

    key = col(column)
    conditions = [key.is_not(None), *([where] if where is not None else [])]
    groups = (
        select(func.count().label("n"))
        .select_from(table_of(ref))
        .where(and_(*conditions))
        .group_by(key)
        .subquery("g")
    )
    n: Any = literal_column("g.n")
    rows = cast(func.coalesce(func.sum(n), literal_column("0")), BigInteger)
    stmt: Any = select(rows.label("m0"), func.count().label("m1")).select_from(groups)
    return stmt, {count_values(column): "m0", count_distinct(column): "m1"}


def _display_dialect(dialect: Dialect | None) -> Dialect:
    """The same SQL dialect, but with ``:name`` placeholders for people to read."""
    if dialect is None:
        # Only here: a run on another engine must not pay for importing this dialect.
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
    try:
        return type(dialect)(paramstyle="named")  # type: ignore[call-arg]
    except TypeError:
        return dialect
