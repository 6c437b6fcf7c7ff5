"""Validators for the values a suite may hold. Each returns the parsed value or raises
``FieldError`` with a message meant for the person who wrote the suite."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dqcheck.durations import parse_duration
from dqcheck.errors import short


class FieldError(ValueError):
    """A value that does not fit its field."""


_BAD_IDENT_CHARS = re.compile(r"[;\"'`\\\x00-\x1f\x7f]")
MAX_IDENTIFIER = 128


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def identifier(value: Any) -> str:
    """A table or column name: one plausible SQL identifier (quoted later, never pasted)."""
    if not isinstance(value, str):
        raise FieldError(f"expected a name, got {_type_name(value)}")
    if not value.strip():
        raise FieldError("expected a name, got an empty string")
    if value != value.strip():
        raise FieldError(f"name {short(value)} has leading or trailing spaces")
    if len(value) > MAX_IDENTIFIER:
        raise FieldError(f"name is longer than {MAX_IDENTIFIER} characters")
    if _BAD_IDENT_CHARS.search(value):
        raise FieldError(
            f"{short(value)} is not a plausible name (quotes, ';' and control characters "
            "are not allowed)"
        )
    return value


@dataclass(frozen=True)
class TableRef:
    """``name`` or ``schema.name``; both parts are quoted as identifiers by SQLAlchemy."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def table_ref(value: Any) -> TableRef:
    if not isinstance(value, str):
        raise FieldError(f"expected a table name such as public.orders, got {_type_name(value)}")
    parts = value.split(".")
    if len(parts) > 2:
        raise FieldError(f"expected 'table' or 'schema.table', got {short(value)}")
    try:
        names = [identifier(p) for p in parts]
    except FieldError as exc:
        raise FieldError(f"table {short(value)}: {exc}") from None
    return TableRef(names[-1], names[0] if len(names) == 2 else None)


def column_list(value: Any) -> tuple[str, ...]:
    if value == []:
        raise FieldError("expected a non-empty list of column names, got an empty list")
    if not isinstance(value, list):
        raise FieldError(f"expected a non-empty list of column names, got {_type_name(value)}")
    names = tuple(identifier(v) for v in value)
    if len(set(names)) != len(names):
        raise FieldError("a column is listed twice")
    return names


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(f"expected a non-empty string, got {_type_name(value)}")
    return value


def sql_fragment(value: Any) -> str:
    """A SQL expression or predicate written by the suite's author (``:name`` binds a
    variable). It is part of a statement, so it may hold no ``;`` at all."""
    from dqcheck.sqltext import has_separator

    fragment = text(value).strip()
    if has_separator(fragment):
        raise FieldError("a ';' is not allowed here: this is part of one SQL statement")
    return fragment


def sql_statement(value: Any) -> str:
    """One SQL statement; a trailing ``;`` is dropped, a second statement is refused."""
    sql = text(value).strip()
    body = _strip_trailing_semicolons(sql)
    from dqcheck.sqltext import has_separator

    if has_separator(body):
        raise FieldError("expected a single SQL statement, found a ';' separating statements")
    if not body:
        raise FieldError("expected a SQL statement")
    return body


def _strip_trailing_semicolons(sql: str) -> str:
    body = sql.rstrip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    return body


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


_LARGEST = Decimal(sys.float_info.max)

Number = int | Decimal | float
"""A bound or a measured value: ints and decimals are exact, floats are floats."""


def number(value: Any) -> int | Decimal:
    """A bound, kept exact: an int stays an int (``9007199254740993`` keeps every digit); a
    float or ``1e6`` (a string to YAML 1.1) becomes an int when integral, else the Decimal of
    its shortest repr (``0.1`` is ``Decimal('0.1')``, not the binary float). Numbers beyond
    the float range are refused (no measured value could be compared with them usefully)."""
    if isinstance(value, bool):
        raise FieldError(f"expected a number, got {_type_name(value)}")
    exact: int | Decimal
    if isinstance(value, int):
        exact = value
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        exact = Decimal(value.strip())
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError("expected a finite number")
        exact = Decimal(repr(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise FieldError("expected a finite number")
        exact = value
    else:
        raise FieldError(f"expected a number, got {_type_name(value)} ({short(value)})")
    magnitude = exact.copy_abs() if isinstance(exact, Decimal) else abs(exact)
    if magnitude > _LARGEST:  # an exact comparison; copy_abs never overflows
        raise FieldError("number is too large")
    if isinstance(exact, Decimal) and exact == exact.to_integral_value():
        return int(exact)
    return exact


def duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise FieldError(str(exc)) from None


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"expected true or false, got {_type_name(value)}")
    return value


def scalar_list(value: Any) -> tuple[Any, ...]:
    if value == []:
        raise FieldError("expected a non-empty list of values, got an empty list")
    if not isinstance(value, list):
        raise FieldError(f"expected a non-empty list of values, got {_type_name(value)}")
    out = []
    for v in value:
        if isinstance(v, (datetime, date)):
            v = v.isoformat()
        if v is None or not isinstance(v, (str, int, float, bool)):
            raise FieldError(f"expected plain values (strings or numbers), got {_type_name(v)}")
        out.append(v)
    return tuple(out)


def string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FieldError("expected a list of strings")
    return tuple(value)


def column_types(value: Any) -> dict[str, str | None]:
    """``{column: type or null}`` for the schema check."""
    if not isinstance(value, dict) or not value:
        raise FieldError(f"expected a mapping of column name to type, got {_type_name(value)}")
    out: dict[str, str | None] = {}
    for name, typ in value.items():
        col = identifier(name)
        if typ is not None and not (isinstance(typ, str) and typ.strip()):
            raise FieldError(
                f"column {short(col)}: expected a type name or null, got {_type_name(typ)}"
            )
        out[col] = typ.strip() if isinstance(typ, str) else None
    return out


def variable_value(value: Any) -> str:
    """Variables are strings; plain YAML scalars are converted, anything else refused."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise FieldError(f"expected a plain value, got {_type_name(value)}")


Parser = Callable[[Any], Any]
