"""The project config, ``dqcheck.yml``: connections now; monitoring sections are reserved."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dqcheck.errors import ConfigError, Problem, short
from dqcheck.yamlio import LineDict, YamlError, load_yaml

DEFAULT_FILE = "dqcheck.yml"
KNOWN_KEYS = ("connections", "notify", "statsd", "prometheus", "log", "history", "sla")
SUPPORTED_KEYS = KNOWN_KEYS
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ProjectConfig:
    """What ``dqcheck.yml`` says. ``connections`` maps an id to its (expanded) URL."""

    file: str | None = None
    connections: dict[str, str] = field(default_factory=dict)
    #: The file line of each connection id and section, for error messages.
    lines: dict[str, int] = field(default_factory=dict)
    #: The monitoring sections (notify, statsd, prometheus, log, sla), validated by
    #: ``dqcheck.monitor.load_settings``.
    sections: dict[str, Any] = field(default_factory=dict)
    section_lines: dict[str, int] = field(default_factory=dict)


def load_config(path: str | Path | None, *, explicit: bool) -> ProjectConfig:
    """Load ``path``; a missing default file is fine, a missing ``--config`` file is an error."""
    if path is None:
        path = DEFAULT_FILE
        explicit = False
    p = Path(path)
    if not p.is_file():
        if explicit:
            raise ConfigError([Problem("config file not found", str(p), field="--config")])
        return ProjectConfig()
    file = str(p)
    try:
        doc = load_yaml(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(f"cannot read the config file: {exc}", file)]) from None
    except YamlError as exc:
        raise ConfigError([Problem(exc.message, file, exc.line)]) from None
    if doc is None:
        return ProjectConfig(file)
    if not isinstance(doc, LineDict):
        raise ConfigError([Problem("expected a mapping at the top of the config", file, 1)])
    problems: list[Problem] = []
    config = ProjectConfig(file)
    for key in doc:
        if key not in KNOWN_KEYS:
            problems.append(
                Problem(
                    f"unknown key {short(key)} (known keys: {', '.join(KNOWN_KEYS)})",
                    file,
                    doc.line_of(key),
                )
            )
        elif key not in SUPPORTED_KEYS:
            problems.append(
                Problem(
                    f"'{key}' is not supported by this version of dqcheck yet",
                    file,
                    doc.line_of(key),
                    field=key,
                )
            )
        elif key != "connections":
            config.sections[key] = doc[key]
            config.section_lines[key] = doc.line_of(key)
    raw = doc.get("connections")
    if raw is None:  # no section, or an empty one
        raw = LineDict()
        raw.key_lines = {}
    elif not isinstance(raw, LineDict):
        problems.append(
            Problem(
                "expected a mapping of connection id to {url: ...}",
                file,
                doc.line_of("connections"),
                field="connections",
            )
        )
        raw = LineDict()
        raw.key_lines = {}
    for conn_id, spec in raw.items():
        line = raw.line_of(conn_id)
        where = f"connections.{conn_id}"
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            problems.append(Problem('expected {url: "..."}', file, line, field=where))
            continue
        extra = [k for k in spec if k != "url"]
        if extra:
            problems.append(
                Problem(
                    f"unknown key {short(extra[0])} (a connection has only 'url')",
                    file,
                    line,
                    field=where,
                )
            )
            continue
        config.lines[str(conn_id)] = line
        try:
            config.connections[str(conn_id)] = expand_env(spec["url"])
        except KeyError as exc:
            problems.append(
                Problem(
                    f"environment variable {exc.args[0]} is not set",
                    file,
                    line,
                    field=f"{where}.url",
                )
            )
    if problems:
        raise ConfigError(problems)
    return config


def expand_env(text: str) -> str:
    """``${NAME}`` replaced by the environment's value; KeyError(NAME) if it is unset."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KeyError(name)
        return os.environ[name]

    return _ENV.sub(value, text)
