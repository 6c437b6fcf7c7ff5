"""``dqcheck init``: inspect a table and write a starter suite for it."""

from __future__ import annotations

import re
from typing import Any

from dqcheck.connections import Resolver
from dqcheck.engines import create_engine
from dqcheck.errors import EvaluationError
from dqcheck.fields import table_ref
from dqcheck.secrets import mask

_TIMESTAMP = re.compile(r"^(timestamp|datetime|date)", re.I)
_FRESH_NAMES = ("updated_at", "modified_at", "loaded_at", "created_at", "inserted_at")


def starter_suite(resolver: Resolver, table: str) -> str:
    """A suite (YAML text) for ``table``: row_count, null_count for each NOT NULL column,
    duplicate_count for the primary key, freshness for a timestamp column."""
    import yaml
    from sqlalchemy import inspect

    ref = table_ref(table)
    engine = create_engine(resolver.resolve().url, pool_size=1)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            if not inspector.has_table(ref.name, schema=ref.schema):
                raise EvaluationError(f"table {ref} does not exist")
            columns = inspector.get_columns(ref.name, schema=ref.schema)
            primary_key = inspector.get_pk_constraint(ref.name, schema=ref.schema)
    except EvaluationError:
        raise
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig else str(exc)
        raise EvaluationError(mask(f"cannot inspect {ref}: {text.splitlines()[0]}")) from None
    finally:
        engine.dispose()
    name = str(ref).replace(".", "_")
    checks: list[dict[str, Any]] = [
        {"name": f"{name}_has_rows", "type": "row_count", "table": str(ref)}
    ]
    key = list(primary_key.get("constrained_columns") or [])
    for col in columns:
        if not col.get("nullable", True) and col["name"] not in key:
            checks.append(
                {
                    "name": f"{col['name']}_not_null",
                    "type": "null_count",
                    "table": str(ref),
                    "column": col["name"],
                }
            )
    if key:
        unique: dict[str, Any] = {
            "name": f"{'_'.join(key)}_unique",
            "type": "duplicate_count",
            "table": str(ref),
        }
        unique |= {"column": key[0]} if len(key) == 1 else {"columns": key}
        checks.append(unique)
    stamps = [c["name"] for c in columns if _TIMESTAMP.match(_type_name(c["type"], engine))]
    fresh = next((n for n in _FRESH_NAMES if n in stamps), stamps[0] if stamps else None)
    if fresh:
        checks.append(
            {
                "name": f"{name}_fresh",
                "type": "freshness",
                "table": str(ref),
                "column": fresh,
                "max_age": "1d",
            }
        )
    header = f"# Starter suite for {ref}, written by `dqcheck init`: review the bounds.\n"
    body = yaml.safe_dump({"suite": name, "checks": checks}, sort_keys=False, width=100)
    return header + body


def _type_name(type_: Any, engine: Any) -> str:
    try:
        return str(type_.compile(dialect=engine.dialect))
    except Exception:
        return type(type_).__name__
