"""Monitoring (SPEC section 5): alerts, statsd, Prometheus, logs and the SLA.

``load_settings`` validates the config sections and the flags that override them (a
ConfigError before any query); ``Monitor`` consumes the same result records as the reports.
A monitoring failure is logged and never changes the exit code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqcheck.config_sections import DEFAULT_ON, LOG_FORMATS, check_sections
from dqcheck.durations import parse_duration
from dqcheck.errors import short
from dqcheck.secrets import register_secrets, register_webhook
from dqcheck.validation import Problems, line_of

if TYPE_CHECKING:
    from dqcheck.config import ProjectConfig


@dataclass(frozen=True)
class NotifyTarget:
    """An Apprise URL and the run events it is told about."""

    url: str
    on: frozenset[str] = frozenset(DEFAULT_ON)


@dataclass(frozen=True)
class StatsdSettings:
    host: str
    port: int = 8125
    prefix: str = "dqcheck"


@dataclass(frozen=True)
class PrometheusSettings:
    textfile: str | None = None
    pushgateway: str | None = None


@dataclass(frozen=True)
class LogSettings:
    format: str = "text"
    file: str | None = None


@dataclass
class Settings:
    """Everything monitoring needs to know, validated."""

    notify: list[NotifyTarget] = field(default_factory=list)
    statsd: StatsdSettings | None = None
    prometheus: PrometheusSettings = field(default_factory=PrometheusSettings)
    log: LogSettings = field(default_factory=LogSettings)
    sla: float | None = None


@dataclass
class Flags:
    """Monitoring for one run: each field given overrides its section of the project config
    (SPEC section 5; None / empty: not given). Paths given here are relative to the current
    directory. ``dqcheck.api.Monitoring`` is this class; ``sla`` is also an argument of run."""

    notify: Sequence[str] = ()
    statsd: str | None = None
    prometheus_textfile: str | None = None
    pushgateway: str | None = None
    log_format: str | None = None
    log_file: str | None = None
    history: str | None = None
    sla: str | None = None


def load_settings(
    sections: Mapping[str, Any],
    flags: Flags | None = None,
    *,
    file: str | None = None,
    lines: Mapping[str, int] | None = None,
    env: Mapping[str, str] | None = None,
    config: ProjectConfig | None = None,
) -> Settings:
    """Settings from the config ``sections`` with ``flags`` overriding them.

    The sections' own problems (unknown keys, wrong types) are all reported at once, each at
    its key's line (``dqcheck.config_sections``); then what depends on the run: the flags,
    ``${VAR}`` expansion, and whether the files can be written. Paths written in the config
    (textfile, log file) are relative to ``config``'s folder; paths given as flags are relative
    to the current directory. Without statsd config,
    ``AIRFLOW__METRICS__STATSD_HOST``/``_PORT``/``_PREFIX`` are used,
    so dqcheck's metrics land next to Airflow's.
    """
    import os

    from dqcheck.config import expand_env

    flags = flags or Flags()
    env = os.environ if env is None else env
    lines = lines or {}
    p = Problems(file)
    check_sections(p, sections, lines)
    p.raise_if_any(by_line=True)

    def problem(section: str, message: str, key: str | None = None) -> None:
        line = line_of(sections.get(section), key, lines.get(section))
        p.add(message, line, field=f"{section}.{key}" if key else section)

    def config_path(section: str, key: str, value: Any) -> Any:
        value = expanded(section, key, value)
        return config.path(value) if config is not None and isinstance(value, str) else value

    def expanded(section: str, key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return expand_env(value)
        except KeyError as exc:
            problem(section, f"environment variable {exc.args[0]} is not set", key)
            return value

    settings = Settings()
    # notify (its shape is checked: a list of URLs or {url, on} mappings)
    if flags.notify:
        settings.notify = [NotifyTarget(u) for u in flags.notify]
    for item in sections.get("notify", ()) if not flags.notify else ():
        item = {"url": item} if isinstance(item, str) else item
        on = item.get("on", list(DEFAULT_ON))
        events = frozenset([on] if isinstance(on, str) else on)
        settings.notify.append(NotifyTarget(expanded("notify", "url", item["url"]), events))
    for target in settings.notify:
        register_webhook(target.url)  # before anything can print it (an Apprise exception)
        if "://" not in target.url:
            problem(
                "--notify" if flags.notify else "notify",
                "expected an Apprise URL such as slack://..., mailto://..., json://...",
            )
    # statsd
    raw_statsd = sections.get("statsd", {})
    prefix = str(raw_statsd.get("prefix", "dqcheck"))
    if flags.statsd:
        host, _, port = flags.statsd.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            problem("--statsd", f"expected HOST:PORT, got {short(flags.statsd)}")
        else:  # the flag says where; a prefix from the config still applies
            settings.statsd = StatsdSettings(host, int(port), prefix)
    elif "statsd" in sections:
        if "host" not in raw_statsd:
            problem("statsd", "missing required key 'host' (or give --statsd HOST:PORT)")
        else:
            host = expanded("statsd", "host", raw_statsd["host"])
            settings.statsd = StatsdSettings(host, raw_statsd.get("port", 8125), prefix)
    elif env.get("AIRFLOW__METRICS__STATSD_HOST"):
        port_text = env.get("AIRFLOW__METRICS__STATSD_PORT", "8125")
        settings.statsd = StatsdSettings(
            env["AIRFLOW__METRICS__STATSD_HOST"],
            int(port_text) if port_text.isdigit() else 8125,
            env.get("AIRFLOW__METRICS__STATSD_PREFIX") or "dqcheck",
        )
    # prometheus
    raw_prom = sections.get("prometheus", {})
    settings.prometheus = PrometheusSettings(
        flags.prometheus_textfile
        or config_path("prometheus", "textfile", raw_prom.get("textfile")),
        flags.pushgateway or expanded("prometheus", "pushgateway", raw_prom.get("pushgateway")),
    )
    if isinstance(settings.prometheus.pushgateway, str):
        register_secrets(settings.prometheus.pushgateway)
    # log
    raw_log = sections.get("log", {})
    log_format = flags.log_format or raw_log.get("format", "text")
    if log_format not in LOG_FORMATS:
        problem("--log-format", f"expected json or text, got {short(log_format)}")
        log_format = "text"
    settings.log = LogSettings(
        log_format, flags.log_file or config_path("log", "file", raw_log.get("file"))
    )
    log_file = ("--log-file", None) if flags.log_file else ("log", "file")
    for (section, key), path in (
        (log_file, settings.log.file),
        (("prometheus", "textfile"), settings.prometheus.textfile),
    ):
        if path and not _parent_writable(str(path)):
            message = f"cannot write {path}: its folder does not exist or is not writable"
            problem(section, message, key)
    # sla (the config's value is checked with the sections)
    if flags.sla is not None:
        try:
            settings.sla = parse_duration(flags.sla)
        except ValueError as exc:
            problem("--sla", str(exc))
    elif "sla" in sections:
        settings.sla = parse_duration(sections["sla"])
    p.raise_if_any()
    return settings


def _parent_writable(path: str) -> bool:
    import os

    parent = os.path.dirname(os.path.abspath(path))
    return os.path.isdir(parent) and os.access(parent, os.W_OK)


_STATSD_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


def statsd_name(part: str) -> str:
    """A metric name component: dots, colons, pipes, @ and spaces become ``_``."""
    return _STATSD_UNSAFE.sub("_", part)


logger = logging.getLogger("dqcheck")
