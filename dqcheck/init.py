"""``dqcheck init``: profile tables (one scan each) and write one starter suite with bounds taken
from the data seen, with headroom. The profiling lives in ``dqcheck.profile``; this module turns
profiles into checks and the checks into commented YAML."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from fractions import Fraction
from typing import Any

from dqcheck.connections import Resolver
from dqcheck.engines import create_engine
from dqcheck.errors import EvaluationError
from dqcheck.fields import TableRef
from dqcheck.profile import ColumnProfile, TableProfile, is_category, profile_table
from dqcheck.secrets import mask

#: Preferred freshness columns, best first: the time a row was last written or loaded.
FRESH_NAMES = ("updated_at", "modified_at", "loaded_at", "inserted_at", "created_at")
#: Clean ``max_age`` values, in seconds; past the last one, whole days.
_HOUR, _DAY = 3600, 86400
CLEAN_AGES = tuple(h * _HOUR for h in (1, 2, 3, 4, 6, 8, 12)) + tuple(
    d * _DAY for d in (1, 2, 3, 4, 7, 14, 30, 60, 90, 180, 365)
)
#: Column kinds that can be a key: whole numbers, text and UUIDs. A unique float, amount or
#: timestamp is usually a coincidence of small data, not a key.
_KEY_KINDS = ("integer", "text", "uuid")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def starter_suite(
    resolver: Resolver,
    tables: Sequence[TableRef] = (),
    schema: str | None = None,
    connection: str | None = None,
) -> str:
    """One suite (YAML text) for ``tables``, or for every table of ``schema``; ``connection``
    is written as the suite's ``connection:``."""
    from dqcheck.profile import table_exists, tables_in

    engine = create_engine(resolver.resolve().url, pool_size=1)
    where = f"schema {schema}" if schema is not None else ", ".join(map(str, tables))
    try:
        with engine.connect() as conn:
            refs = list(tables) if schema is None else tables_in(conn, schema)
            if not refs:
                raise EvaluationError(f"schema {schema} has no tables (or does not exist)")
            missing = [str(r) for r in refs if not table_exists(conn, r)]
            if missing:
                raise EvaluationError(f"table {', '.join(missing)} does not exist")
            profiles = [profile_table(conn, ref) for ref in refs]
    except EvaluationError:
        raise
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig else str(exc)
        lines = text.strip().splitlines() or [type(exc).__name__]
        raise EvaluationError(mask(f"cannot profile {where}: {lines[0]}")) from None
    finally:
        engine.dispose()
    if schema is not None:
        suite = schema
    elif len(refs) == 1:
        suite = refs[0].name
    else:
        suite = "starter"
    return render(profiles, _name(suite), connection, schema)


# -- proposals ------------------------------------------------------------------------------------


def row_count_floor(rows: int) -> int:
    """Half the rows seen, at least 1: a table that loses half its rows was truncated or
    half-loaded, while normal churn (deletes, retention windows) stays well above it. No
    ceiling: tables grow."""
    return max(1, math.floor(Fraction(rows, 2)))


def null_percent_ceiling(nulls: int, rows: int) -> int:
    """The observed NULL percentage × 1.5 + 1, rounded up, at most 100: room for day-to-day
    variation (and for a small table's NULLs to move by a row) while a column that suddenly
    goes mostly NULL still fails."""
    observed = Fraction(100 * nulls, rows)
    return min(100, math.ceil(observed * Fraction(3, 2) + 1))


def clean_max_age(lag_seconds: float) -> str:
    """Twice the observed lag, at least one hour, rounded up to a clean duration."""
    target = max(float(_HOUR), 2 * max(lag_seconds, 0.0))
    seconds = next((s for s in CLEAN_AGES if s >= target), None)
    if seconds is None:
        return f"{math.ceil(target / _DAY)}d"
    return f"{seconds // _DAY}d" if seconds >= _DAY else f"{seconds // _HOUR}h"


def freshness_column(p: TableProfile) -> tuple[ColumnProfile, float] | None:
    """The column whose newest value shows when the table was last written, and its lag (by
    the database clock): a preferred name if there is one, else the most recent timestamp."""
    from dqcheck.checks.freshness import age_seconds, sentinel_of

    lags: dict[str, tuple[ColumnProfile, float]] = {}
    for c in p.columns:
        if c.kind != "timestamp" or c.maximum is None or sentinel_of(c.maximum) is not None:
            continue
        try:
            lags[c.name] = (c, age_seconds(p.now, c.maximum))
        except (ValueError, TypeError):  # e.g. SQLite text that is not a timestamp
            continue
    for name in FRESH_NAMES:
        if name in lags:
            return lags[name]
    return min(lags.values(), key=lambda pair: pair[1], default=None)


def schema_columns(p: TableProfile) -> dict[str, str | None]:
    """Every column with its type as lower-case SQL; null (any type) where the reflected type
    would not match its own spelling (a type the dialect cannot render)."""
    from dqcheck.checks.schema import normalize_type, type_matches

    out: dict[str, str | None] = {}
    for c in p.columns:
        written = normalize_type(c.type, full=False)
        out[c.name] = written if type_matches(c.type, written) else None
    return out


def proposals(p: TableProfile, prefix: str, seen: str) -> list[dict[str, Any]]:
    """The checks proposed for one profiled table; ``seen`` says when (for descriptions)."""
    table = str(p.table)
    checks: list[dict[str, Any]] = []

    def add(what: str, type_: str, description: str, **params: Any) -> None:
        checks.append(
            {"name": f"{prefix}_{what}", "type": type_, "table": table, **params}
            | {"description": description}
        )

    if p.rows == 0:
        add("row_count", "row_count", f"the table was empty {seen}: raise the bound", min=0)
    else:
        floor = row_count_floor(p.rows)
        add("row_count", "row_count", f"at least half the {p.rows} rows {seen}", min=floor)
    for c in p.columns if p.rows else ():
        col = _name(c.name)
        if c.nullable and c.nulls == 0:
            add(f"{col}_not_null", "null_count", f"no NULLs {seen}", column=c.name, max=0)
        elif c.nulls:
            pct = null_percent_ceiling(c.nulls, p.rows)
            text = f"{c.nulls} of {p.rows} rows NULL {seen}, with headroom"
            add(f"{col}_null_percent", "null_percent", text, column=c.name, max=pct)
        if is_category(c, p.rows) and c.values:
            text = f"the {len(c.values)} values {seen}"
            add(f"{col}_accepted_values", "accepted_values", text, column=c.name, values=c.values)
        if _candidate_key(p, c):
            text = f"unique in the {p.rows} rows {seen}, but not declared UNIQUE"
            add(f"{col}_unique", "duplicate_count", text, column=c.name, max=0)
    fresh = freshness_column(p)
    if fresh is not None:
        c, lag = fresh
        age = clean_max_age(lag)
        text = f"newest {c.name} was {_human(lag)} old {seen}; twice that, rounded up"
        add("freshness", "freshness", text, column=c.name, max_age=age)
    add("schema", "schema", f"the columns and types {seen}", columns=schema_columns(p))
    return checks


def _candidate_key(p: TableProfile, c: ColumnProfile) -> bool:
    """Distinct on every non-NULL row (and more than one), in a key-like type, and not already
    kept unique by the database (primary key, UNIQUE, unique index)."""
    non_null = p.rows - c.nulls
    return (
        c.kind in _KEY_KINDS
        and non_null > 1
        and c.distinct == non_null
        and not p.declared_unique(c.name)
    )


# -- YAML -----------------------------------------------------------------------------------------


def render(
    profiles: Sequence[TableProfile],
    suite: str,
    connection: str | None,
    schema: str | None,
    now: datetime | None = None,
) -> str:
    """The suite as YAML with comments: how it was made, and per table what the scan saw."""
    import yaml

    when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    seen = f"when profiled ({when[:10]})"
    source = (
        f"--schema {schema}"
        if schema is not None
        else "--table " + " --table ".join(str(p.table) for p in profiles)
    )
    sizes = ", ".join(f"{p.table} {p.rows} rows" for p in profiles)
    lines = [
        f"Starter suite written by `dqcheck init {source}` at {when}.",
        f"Profiled with one scan per table: {sizes}.",
        "The bounds come from the data seen then, with headroom: review them before relying",
        "on this suite (a check that passes on today's defects only keeps them).",
    ]
    lines = [_comment(line) for line in lines]
    head: dict[str, Any] = {"suite": suite}
    if connection:
        head["connection"] = connection
    lines.append(yaml.safe_dump(head, sort_keys=False).rstrip("\n"))
    lines.append("checks:")
    prefixes = _prefixes([p.table for p in profiles])
    names: set[str] = set()
    for p, prefix in zip(profiles, prefixes, strict=True):
        lines.append("")
        lines += [_comment(line) for line in table_notes(p)]
        for check in proposals(p, prefix, seen):
            check["name"] = _unique(check["name"], names)
            dumped = yaml.safe_dump([check], sort_keys=False, width=100, allow_unicode=True)
            lines.append(dumped.rstrip("\n"))
    return "\n".join(lines) + "\n"


def table_notes(p: TableProfile) -> list[str]:
    """Comment lines for one table: its size, what the database already enforces, and the
    profile of each column."""
    notes = [f"-- {p.table}: {p.rows} rows"]
    enforced = [c.name for c in p.columns if not c.nullable]
    if enforced:
        notes.append(f"NOT NULL, enforced by the database (no null check): {', '.join(enforced)}")
    if p.unique_keys:
        keys = ", ".join("(" + ", ".join(k) + ")" for k in dict.fromkeys(p.unique_keys))
        notes.append(f"unique, enforced by the database: {keys}")
    for c in p.columns:
        parts = [f"  {c.name}: {c.type.lower()}", f"{c.nulls} NULL"]
        if c.distinct is not None:
            parts.append(f"{c.distinct} distinct")
        if c.minimum is not None and c.maximum is not None:
            parts.append(f"{c.minimum} .. {c.maximum}")
        notes.append(", ".join(parts))
    return notes


def _prefixes(tables: Sequence[TableRef]) -> list[str]:
    """Check-name prefixes: the table's name, or schema_table where two schemas share it."""
    names = [t.name for t in tables]
    return [_name(str(t).replace(".", "_") if names.count(t.name) > 1 else t.name) for t in tables]


def _name(text: str) -> str:
    """A valid check or suite name (``[A-Za-z0-9_.-]+``) from a table or column name."""
    return _NOT_NAME.sub("_", text).strip("_") or "x"


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _comment(text: str) -> str:
    """One YAML comment line; control characters (a newline in a quoted column name) cannot
    end the comment early, and a secret-looking value is masked."""
    return mask("# " + _CONTROL.sub(" ", text)).rstrip()


def _human(seconds: float) -> str:
    from dqcheck.durations import format_duration

    return format_duration(max(seconds, 0.0))
