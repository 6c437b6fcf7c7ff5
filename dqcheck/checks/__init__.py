"""Check types. Each module holds one type, registered by ``@register``; import it here."""

from __future__ import annotations

from dqcheck.checks import (  # noqa: F401 - imported to register the types
    accepted_values,
    aggregate,
    anomaly,
    change,
    compare,
    duplicate_count,
    failing_rows,
    freshness,
    null_count,
    null_percent,
    relationship,
    row_count,
    schema,
    threshold,
)
from dqcheck.checks.base import REGISTRY, Check, Measurement, register

__all__ = ["REGISTRY", "Check", "Measurement", "register"]
