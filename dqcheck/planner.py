"""The adaptive planner's choices per engine, written down in one place (SPEC 2.3).

``plan: single_scan`` answers every scan check of a (connection, table, where) group with one
SELECT: what engines billed by bytes scanned want. ``plan: fastest`` may instead

- answer a check from a constraint the engine *enforces*, without a scan: a single-column
  ``duplicate_count`` on a column that alone is a PRIMARY KEY or UNIQUE (0 duplicates), a
  ``null_count``/``null_percent`` on a NOT NULL column (0). The catalog is read at run time;
  if that read fails, the checks are scanned (never a false green);
- move each single-column ``duplicate_count`` (a ``COUNT(DISTINCT col)``, a serial sort on
  PostgreSQL) into its own statement, run concurrently with the group's main SELECT.

A run's plan: ``--plan`` (``api.run(plan=...)``), else the suite's ``plan:``, else the
engine's default below. This module imports nothing heavy and never connects.
"""

from __future__ import annotations

from dataclasses import dataclass

FASTEST = "fastest"
SINGLE_SCAN = "single_scan"
PLANS = (FASTEST, SINGLE_SCAN)

#: Distinct-count strategies: ``COUNT(DISTINCT col)``, or a ``GROUP BY col`` subquery counted.
COUNT_DISTINCT = "count_distinct"
GROUP_BY = "group_by"


@dataclass(frozen=True)
class Engine:
    """What the planner knows of an engine."""

    #: The plan when neither ``--plan`` nor the suite chooses.
    default: str
    #: PRIMARY KEY, UNIQUE and NOT NULL are enforced, so the catalog may answer checks.
    enforces_constraints: bool
    #: How a split-off distinct count is computed.
    distinct: str
    #: Why, in one line (measurements where there are some).
    note: str


#: Engine (SQLAlchemy backend name) → choices. Distinct strategy measured on PostgreSQL 15
#: (2 CPUs, shared machine, work_mem 4MB, jit on, bench.orders of bench/run.py, median of 3):
#:
#:   rows   COUNT(DISTINCT id)  GROUP BY id   COUNT(DISTINCT email)  GROUP BY email
#:   1M     0.14 s              0.57 s        0.43 s                 0.62 s
#:   3M     0.59 s              1.47 s        1.45 s                 2.16 s
#:
#: The GROUP BY's hash aggregate spills past work_mem (64 partitions at 3M) and is not run in
#: parallel; the sort of COUNT(DISTINCT) is cheap on nearly-ordered keys. So COUNT(DISTINCT)
#: stays, in its own statement, concurrent with the main scan. Other engines: not measured.
ENGINES: dict[str, Engine] = {
    "postgresql": Engine(FASTEST, True, COUNT_DISTINCT, "COUNT(DISTINCT) beat GROUP BY at 1M, 3M"),
    "sqlite": Engine(FASTEST, True, COUNT_DISTINCT, "embedded: one reader per connection"),
    "duckdb": Engine(FASTEST, True, COUNT_DISTINCT, "enforces PK/UNIQUE/NOT NULL"),
    "mysql": Engine(FASTEST, True, COUNT_DISTINCT, "InnoDB enforces PK/UNIQUE/NOT NULL"),
    "mariadb": Engine(FASTEST, True, COUNT_DISTINCT, "InnoDB enforces PK/UNIQUE/NOT NULL"),
    # Billed by bytes scanned, or constraints declared but never enforced: one scan, no
    # constraint answers even under `plan: fastest`.
    "redshift": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "constraints not enforced"),
    "snowflake": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "constraints not enforced"),
    "bigquery": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "billed by bytes scanned"),
    "awsathena": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "billed by bytes scanned"),
    "trino": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "often billed by bytes scanned"),
    "databricks": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "constraints not enforced"),
    "mssql": Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "not measured"),
}
UNKNOWN = Engine(SINGLE_SCAN, False, COUNT_DISTINCT, "unknown engine: one scan")

#: Hosts of Amazon Redshift reached through the PostgreSQL dialect (sqlalchemy-redshift not
#: installed): never trusted with constraint answers.
_REDSHIFT_HOSTS = (".redshift.amazonaws.com", ".redshift-serverless.amazonaws.com")


def engine_name(url: str | None) -> str:
    """The backend name of ``url`` (``postgresql``, ``sqlite``...); ``redshift`` also for a
    Redshift host or port 5439 behind the PostgreSQL dialect; ``""`` when unknown."""
    if not url:
        return ""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
        name = u.get_backend_name()
    except Exception:
        return ""
    host = (u.host or "").lower()
    if name == "postgresql" and (u.port == 5439 or host.endswith(_REDSHIFT_HOSTS)):
        return "redshift"
    return name


def engine_of(name: str) -> Engine:
    return ENGINES.get(name, UNKNOWN)


@dataclass(frozen=True)
class Choice:
    """The plan of a group of checks and why it was chosen."""

    plan: str
    reason: str
    engine: Engine

    @property
    def fastest(self) -> bool:
        return self.plan == FASTEST

    @property
    def constraints(self) -> bool:
        return self.fastest and self.engine.enforces_constraints


def choose(flag: str | None, suite_plan: str | None, url: str | None) -> Choice:
    """``--plan`` beats the suite's ``plan:``, which beats the engine's default."""
    name = engine_name(url)
    engine = engine_of(name)
    if flag:
        return Choice(flag, "--plan", engine)
    if suite_plan:
        return Choice(suite_plan, "the suite's plan:", engine)
    return Choice(engine.default, f"default on {name or 'an unknown engine'}", engine)


def plan_value(value: object) -> str:
    """A ``plan:`` / ``--plan`` value, or ValueError naming the choices (did you mean...)."""
    from dqcheck.errors import short
    from dqcheck.validation import suggest

    if isinstance(value, str) and value in PLANS:
        return value
    hint = suggest(value, PLANS)
    raise ValueError(f"unknown plan {short(value)}{hint}; choose one of {', '.join(PLANS)}")
