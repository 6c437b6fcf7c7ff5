"""Reporters: pure functions of a ``RunResult`` that return text."""

from __future__ import annotations

import importlib
from enum import Enum
from typing import Any

from dqcheck.results import RunResult


class Format(str, Enum):
    """The report formats; each is the module ``dqcheck.report.<value>`` with ``render``."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"


def render(kind: str, result: RunResult, **options: Any) -> str:
    """The report ``kind`` of ``result`` as text."""
    module = importlib.import_module(f"dqcheck.report.{Format(kind).value}")
    text: str = module.render(result, **options)
    return text
