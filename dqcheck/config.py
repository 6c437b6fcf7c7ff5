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

from dqcheck.config_sections import check_sections
from dqcheck.errors import ConfigError, Problem
from dqcheck.validation import Problems, line_of, locator, type_name
from dqcheck.yamlio import LineDict, YamlError, load_yaml, read_limited

DEFAULT_FILE = "dqcheck.yml"
CONFIG_NAMES = ("dqcheck.yml", "dqcheck.yaml")
MAX_CONFIG_BYTES = 1024 * 1024
ENV_VAR = "DQCHECK_CONFIG"
KNOWN_KEYS = ("connections", "notify", "statsd", "prometheus", "log", "history", "sla")
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
    #: The monitoring and history sections (notify, statsd, prometheus, log, history, sla) as
    #: read (mappings from the file are ``LineDict``, so their keys can be located), checked by
    #: ``dqcheck.config_sections`` and turned into settings by ``dqcheck.monitor``.
    sections: dict[str, Any] = field(default_factory=dict)
    #: The line of each section's key in the file.
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
    problems = Problems(file)
    config = ProjectConfig(file)
    config.connections = Connections(file=file, lines=config.lines)
    problems.unknown_keys(doc, KNOWN_KEYS)
    for key in doc:
        if key in KNOWN_KEYS and key != "connections":
            config.sections[key] = doc[key]
            config.section_lines[key] = doc.line_of(key)
    check_sections(problems, config.sections, config.section_lines)
    if "connections" in doc:
        _connections(problems, doc["connections"], doc.line_of("connections"), config)
    problems.raise_if_any(by_line=True)  # every problem of the file at once, in file order
    return config


def _connections(p: Problems, raw: Any, line: int, config: ProjectConfig) -> None:
    """``connections: {ID: {url: ...}}`` into ``config.connections``; problems into ``p``."""
    if raw is None:  # an empty section
        return
    if not isinstance(raw, Mapping):
        message = f"expected a mapping of connection id to {{url: ...}}, got {type_name(raw)}"
        p.add(message, line, field="connections")
        return
    for conn_id, spec in raw.items():
        at = line_of(raw, conn_id) or line
        where = f"connections.{conn_id}"
        if not isinstance(spec, Mapping):
            p.add(f'expected {{url: "..."}}, got {type_name(spec)}', at, field=where)
            continue
        extra = p.unknown_keys(spec, ("url",), where, locator(spec, at))
        if "url" not in spec:
            if not extra:
                p.add("missing required key 'url'", at, field=where)
            continue
        url_line = line_of(spec, "url", at)
        if p.expect_type(spec["url"], str, "a URL", url_line, f"{where}.url") and not extra:
            config.lines[str(conn_id)] = at
            config.connections[str(conn_id)] = spec["url"]


def expand_env(text: str) -> str:
    """``${NAME}`` replaced by the environment's value; KeyError(NAME) if it is unset."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KeyError(name)
        return os.environ[name]

    return _ENV.sub(value, text)
