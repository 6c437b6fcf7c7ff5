"""dqcheck: data-quality checks that exit non-zero when data is bad.

The public API lives in ``dqcheck.api``; its names are re-exported here lazily, so that
``import dqcheck`` (and ``dqcheck --version``) does not import SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "ConfigError",
    "DqcheckError",
    "EvaluationError",
    "ExitCode",
    "RunResult",
    "Status",
    "__version__",
    "load_suites",
    "plan",
    "run",
    "select_checks",
]

_LAZY = {
    "load_suites": "dqcheck.api",
    "plan": "dqcheck.api",
    "run": "dqcheck.api",
    "select_checks": "dqcheck.api",
    "CheckResult": "dqcheck.results",
    "RunResult": "dqcheck.results",
    "Status": "dqcheck.results",
    "ConfigError": "dqcheck.errors",
    "DqcheckError": "dqcheck.errors",
    "EvaluationError": "dqcheck.errors",
    "ExitCode": "dqcheck.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dqcheck' has no attribute {name!r}")
