"""Structured logs: one event per line, JSON for fluentd or text for people; stderr or a file,
never stdout (stdout is for reports), never a password."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

from dqcheck.monitor import LogSettings
from dqcheck.results import json_safe
from dqcheck.secrets import mask

LOGGER = "dqcheck"
FIELDS = ("suite", "check", "status", "value", "duration_seconds")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "event", "suite", "check", "status", "value", "duration_seconds", ...}``"""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = getattr(record, "dq", {})
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "event": data.get("event", "log"),
        }
        line.update({k: data.get(k) for k in FIELDS})
        line.update({k: v for k, v in data.items() if k not in line})
        line["message"] = record.getMessage()
        return mask(json.dumps(json_safe(line), default=str, allow_nan=False))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = getattr(record, "dq", {}).get("event", "log")
        return mask(f"{ts} {record.levelname:7} {event}: {record.getMessage()}")


def configure(settings: LogSettings, *, configured: bool) -> logging.Logger:
    """The ``dqcheck`` logger, writing to the file or stderr. Unless logging was configured
    (config ``log:`` or a ``--log-*`` flag), only warnings reach stderr."""
    logger = logging.getLogger(LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    handler: logging.Handler
    if settings.file:
        handler = logging.FileHandler(settings.file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if configured else logging.WARNING)
    logger.propagate = False
    return logger


def event(name: str, message: str, level: int = logging.INFO, **fields: Any) -> None:
    logging.getLogger(LOGGER).log(level, message, extra={"dq": {"event": name, **fields}})


def close() -> None:
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
