"""The project config, ``dqcheck.yml`` (SPEC section 3): found by ``--config``, env
``DQCHECK_CONFIG``, else the nearest ``dqcheck.yml`` in the current folder or a parent. Its
connections expand ``${VAR}`` only when a run uses them, and relative paths in it are relative
to its own folder, never to the current directory."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dqcheck.errors import ConfigError, Problem, short
from dqcheck.yamlio import LineDict, YamlError, load_yaml, read_limited

DEFAULT_FILE = "dqcheck.yml"
CONFIG_NAMES = ("dqcheck.yml", "dqcheck.yaml")
MAX_CONFIG_BYTES = 1024 * 1024
ENV_VAR = "DQCHECK_CONFIG"
KNOWN_KEYS = ("connections", "notify", "statsd", "prometheus", "log", "history", "sla")
SUPPORTED_KEYS = KNOWN_KEYS
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Connections(Mapping[str, str]):
    """Connection id → URL, ``${VAR}`` expanded when looked up: an unset variable is an error
    only for a connection the run uses (located at its line in the config)."""

    def __init__(
        self, raw: Mapping[str, str] | None = None, file: str | None = None, lines: Any = None
    ) -> None:
        self.raw = dict(raw or {})
        self.file = file
        self.lines: Mapping[str, int] = lines if lines is not None else {}

    def __getitem__(self, conn_id: str) -> str:
        try:
            return expand_env(self.raw[conn_id])
        except KeyError as exc:
            if conn_id not in self.raw:
                raise
            raise ConfigError(
                [
                    Problem(
                        f"environment variable {exc.args[0]} is not set",
                        self.file,
                        self.lines.get(conn_id),
                        field=f"connections.{conn_id}.url",
                    )
                ]
            ) from None

    def __setitem__(self, conn_id: str, url: str) -> None:
        self.raw[conn_id] = url

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


@dataclass
class ProjectConfig:
    """What ``dqcheck.yml`` says. ``connections`` maps an id to its URL (expanded on lookup)."""

    file: str | None = None
    connections: Connections = field(default_factory=Connections)
    #: The file line of each connection id and section, for error messages.
    lines: dict[str, int] = field(default_factory=dict)
    #: The monitoring sections (notify, statsd, prometheus, log, sla), validated by
    #: ``dqcheck.monitor.load_settings``.
    sections: dict[str, Any] = field(default_factory=dict)
    section_lines: dict[str, int] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The folder relative paths in the config are relative to."""
        return Path(self.file).resolve().parent if self.file else Path.cwd()

    def path(self, value: str) -> str:
        """A path written in the config, made absolute from the config's folder."""
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else self.folder / p)


def find_config(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> tuple[Path | None, str]:
    """The config file to use and how it was chosen: ``--config``, env ``DQCHECK_CONFIG``, else
    the nearest ``dqcheck.yml``/``dqcheck.yaml`` in ``cwd`` or a parent (None if there is none)."""
    env = os.environ if env is None else env
    if path is not None:
        return Path(path), "--config"
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]), ENV_VAR
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate, "found"
    return None, "none"


def load_project(
    path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> ProjectConfig:
    """The project config as SPEC section 3 finds it; an explicit file that is missing (by
    ``--config`` or ``DQCHECK_CONFIG``) is an error, no config at all is fine."""
    found, source = find_config(path, env)
    if found is None:
        return ProjectConfig()
    if source != "found" and not found.is_file():
        raise ConfigError([Problem("config file not found", str(found), field=source)])
    return load_config(found, explicit=True)


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
        doc = load_yaml(read_limited(p, MAX_CONFIG_BYTES, "a config file").decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError([Problem(f"cannot read the config file: {exc}", file)]) from None
    except YamlError as exc:
        raise ConfigError([Problem(exc.message, file, exc.line)]) from None
    if doc is None:
        return ProjectConfig(file)
    if not isinstance(doc, LineDict):
        raise ConfigError([Problem("expected a mapping at the top of the config", file, 1)])
    problems: list[Problem] = []
    config = ProjectConfig(file)
    config.connections = Connections(file=file, lines=config.lines)
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
        config.connections[str(conn_id)] = spec["url"]
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
