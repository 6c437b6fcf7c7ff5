"""schema: expected columns and types of a table, read by reflection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dqcheck import fields as f
from dqcheck.checks.base import TABLE, Answer, Ask, Check, Field, Measurement, register
from dqcheck.results import Bounds, Status

if TYPE_CHECKING:
    pass

# Common spellings, mapped to the long form PostgreSQL and the SQL standard use.
ALIASES = {
    "varchar": "character varying",
    "char": "character",
    "bpchar": "character",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "float4": "real",
    "float": "double precision",
    "decimal": "numeric",
    "bool": "boolean",
    "timestamptz": "timestamp with time zone",
    "timetz": "time with time zone",
}
_LEADING_WORD = re.compile(r"^([a-z0-9_]+)(.*)$", re.S)


def normalize_type(name: str, *, full: bool = True) -> str:
    """Lower-case SQL with aliases spelled out and no spaces after commas.

    With ``full``, a bare ``timestamp``/``time`` gets its implied ``without time zone``.
    """
    text = " ".join(name.lower().split())
    text = re.sub(r"\s*,\s*", ",", text).replace(" (", "(")
    m = _LEADING_WORD.match(text)
    if m and m.group(1) in ALIASES:
        text = ALIASES[m.group(1)] + m.group(2)
    if full and re.match(r"^time(stamp)?(\(\d+\))?$", text):
        text += " without time zone"
    return text


def type_matches(actual: str, expected: str) -> bool:
    """True when the reflected type, normalized, is the expected one or starts with it followed
    by a length or array suffix: ``varchar`` matches ``character varying(20)``. A bare
    ``timestamp`` or ``time`` matches either time zone flavour. Unlike a plain prefix test,
    ``char`` does not match ``character varying``, nor ``time`` ``timestamp``."""
    a, e = normalize_type(actual), normalize_type(expected, full=False)
    if a == e:
        return True
    boundary = "([ " if e in ("timestamp", "time") else "(["
    return a.startswith(e) and a[len(e)] in boundary


@register
class Schema(Check):
    """Missing columns plus type mismatches (and extra columns with allow_extra: false)."""

    type = "schema"
    fields = {
        "table": TABLE,
        "columns": Field(
            f.column_types,
            required=True,
            doc="column name to type (or null for any type)",
            schema={"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        ),
        "allow_extra": Field(f.boolean, doc="allow columns not listed", schema={"type": "boolean"}),
    }
    default_bounds = Bounds(max=0)

    def asks(self) -> list[Ask]:
        return [Ask(None, Answer.COLUMNS)]

    def measure(self, answers: Sequence[Any]) -> Measurement:
        actual: dict[str, str] = answers[0]
        problems = []
        for name, expected in self.params["columns"].items():
            if name not in actual:
                problems.append(f"missing column {name}")
            elif expected is not None and not type_matches(actual[name], expected):
                problems.append(f"{name} is {normalize_type(actual[name])}, expected {expected}")
        if self.params.get("allow_extra", True) is False:
            problems += [f"extra column {n}" for n in actual if n not in self.params["columns"]]
        return Measurement(len(problems), note="; ".join(problems))

    def message(self, value: float, status: Status, m: Measurement) -> str:
        return m.note or ("schema matches" if status is Status.PASS else "")

    def statement(self) -> Any:
        return None
