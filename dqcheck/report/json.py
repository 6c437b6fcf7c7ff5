"""The JSON report of SPEC section 4."""

from __future__ import annotations

import json
from typing import Any

from dqcheck.results import RunResult


def render(result: RunResult) -> str:
    return json.dumps(result.as_record(), indent=2, default=_default) + "\n"


def _default(value: Any) -> Any:
    return str(value)
