"""The JSON Schema of the suite format, built from the registered check types."""

from __future__ import annotations

from typing import Any

from dqcheck.checks import REGISTRY
from dqcheck.suite import MAX_SAMPLES, NAME


def _bounds(keys: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v.schema) for k, v in keys.items()}


def suite_schema() -> dict[str, Any]:
    common: dict[str, Any] = {
        "name": {"type": "string", "pattern": f"^{NAME.pattern}$"},
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "timeout": {"type": "string", "description": "duration such as 90s, 15m, 6h"},
        "on_null": {"enum": ["pass", "warn", "fail"]},
        "samples": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_SAMPLES,
            "description": "bad rows shown when the check fails or warns (default 5, 0: none)",
        },
        "sample_columns": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "uniqueItems": True,
            "description": "columns that identify a row in the samples (default: primary key)",
        },
    }
    variants = []
    for type_name, cls in sorted(REGISTRY.items()):
        props: dict[str, Any] = {**common, "type": {"const": type_name}}
        props.update({k: {**dict(v.schema), "description": v.doc} for k, v in cls.fields.items()})
        if "table" in cls.fields:
            props["where"] = {"type": "string", "description": "SQL predicate; :name binds a var"}
        props.update(_bounds(cls.bound_keys))
        props["warn"] = {
            "type": "object",
            "properties": _bounds(cls.bound_keys),
            "additionalProperties": False,
        }
        required = ["name", "type", *(k for k, v in cls.fields.items() if v.required)]
        variants.append(
            {
                "title": type_name,
                "description": cls.summary(),
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
                "if": {"properties": {"type": {"const": type_name}}},
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dqcheck suite",
        "type": "object",
        "properties": {
            "suite": {"type": "string", "pattern": f"^{NAME.pattern}$"},
            "description": {"type": "string"},
            "connection": {"type": "string"},
            "plan": {
                "enum": ["fastest", "single_scan"],
                "description": "fastest (split, constraint answers) or single_scan (one "
                "statement per table and where); default per engine",
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "vars": {
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            },
            "checks": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "oneOf": [{k: v for k, v in var.items() if k != "if"} for var in variants]
                },
            },
        },
        "required": ["checks"],
        "additionalProperties": False,
    }
