"""Reporters: pure functions of a ``RunResult``."""

from __future__ import annotations

from enum import Enum


class Format(str, Enum):
    """What ``--format`` may print to stdout."""

    TEXT = "text"
    JSON = "json"
