"""The JSON report of SPEC section 4: always strict JSON (no NaN or Infinity)."""

from __future__ import annotations

import json
from typing import Any

from dqcheck.results import RunResult, json_safe


def render(result: RunResult) -> str:
    return dumps(result.as_record()) + "\n"


def dumps(record: Any) -> str:
    """``record`` as strict JSON: a NaN or infinite number left anywhere becomes null, a Decimal
    a number, and anything else JSON lacks its text; never a bare ``NaN``."""
    return json.dumps(json_safe(record), indent=2, default=_default, allow_nan=False)


def _default(value: Any) -> Any:
    return str(value)
