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

from dqcheck.durations import parse_duration
from dqcheck.errors import ConfigError, Problem, short

if TYPE_CHECKING:
    from dqcheck.config import ProjectConfig
from dqcheck.secrets import register_secrets, register_webhook

EVENTS = ("pass", "warn", "fail", "error", "sla_miss")
DEFAULT_ON = ("fail", "error", "sla_miss")
LOG_FORMATS = ("text", "json")


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
    """The ``run`` flags that override the config sections (None / empty: not given)."""

    notify: Sequence[str] = ()
    statsd: str | None = None
    prometheus_textfile: str | None = None
    pushgateway: str | None = None
    log_format: str | None = None
    log_file: str | None = None
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

    Paths written in the config (textfile, log file) are relative to ``config``'s folder;
    paths given as flags are relative to the current directory. Without statsd config,
    ``AIRFLOW__METRICS__STATSD_HOST``/``_PORT``/``_PREFIX`` are used,
    so dqcheck's metrics land next to Airflow's.
    """
    import os

    from dqcheck.config import expand_env

    flags = flags or Flags()
    env = os.environ if env is None else env
    lines = lines or {}
    problems: list[Problem] = []

    def problem(section: str, message: str) -> None:
        problems.append(Problem(message, file, lines.get(section), field=section))

    def config_path(section: str, value: Any) -> Any:
        value = expanded(section, value)
        return config.path(value) if config is not None and isinstance(value, str) else value

    def expanded(section: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return expand_env(value)
        except KeyError as exc:
            problem(section, f"environment variable {exc.args[0]} is not set")
            return value

    settings = Settings()
    # notify
    if flags.notify:
        settings.notify = [NotifyTarget(u) for u in flags.notify]
    elif "notify" in sections:
        raw = sections["notify"]
        if not isinstance(raw, list):
            problem("notify", "expected a list of {url: ..., on: [...]}")
        else:
            for i, item in enumerate(raw, start=1):
                if isinstance(item, str):
                    item = {"url": item}
                if not isinstance(item, dict) or not isinstance(item.get("url"), str):
                    problem("notify", f"target #{i}: expected {{url: ..., on: [...]}}")
                    continue
                extra = sorted(set(item) - {"url", "on"})
                if extra:
                    problem("notify", f"target #{i}: unknown key {short(extra[0])}")
                    continue
                on = item.get("on", list(DEFAULT_ON))
                if isinstance(on, str):
                    on = [on]
                bad = [e for e in on if e not in EVENTS] if isinstance(on, list) else [on]
                if bad:
                    problem(
                        "notify",
                        f"target #{i}: unknown event {short(bad[0])} (events: {', '.join(EVENTS)})",
                    )
                    continue
                settings.notify.append(NotifyTarget(expanded("notify", item["url"]), frozenset(on)))
    for target in settings.notify:
        register_webhook(target.url)  # before anything can print it (an Apprise exception)
        if "://" not in target.url:
            problem(
                "notify", "expected an Apprise URL such as slack://..., mailto://..., json://..."
            )
    # statsd
    if flags.statsd:
        host, _, port = flags.statsd.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            problem("--statsd", f"expected HOST:PORT, got {short(flags.statsd)}")
        else:
            # the flag says where; a prefix from the config still applies
            raw = sections.get("statsd")
            prefix = raw.get("prefix", "dqcheck") if isinstance(raw, dict) else "dqcheck"
            settings.statsd = StatsdSettings(host, int(port), str(prefix))
    elif "statsd" in sections:
        raw = sections["statsd"]
        if not isinstance(raw, dict) or not isinstance(raw.get("host"), str):
            problem("statsd", "expected {host: ..., port: 8125, prefix: dqcheck}")
        else:
            port, prefix = raw.get("port", 8125), raw.get("prefix", "dqcheck")
            extra = sorted(set(raw) - {"host", "port", "prefix"})
            if extra:
                problem("statsd", f"unknown key {short(extra[0])}")
            elif not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                problem("statsd", f"port: expected a port number, got {short(port)}")
            elif not isinstance(prefix, str):
                problem("statsd", "prefix: expected a string")
            else:
                settings.statsd = StatsdSettings(expanded("statsd", raw["host"]), port, prefix)
    elif env.get("AIRFLOW__METRICS__STATSD_HOST"):
        port_text = env.get("AIRFLOW__METRICS__STATSD_PORT", "8125")
        settings.statsd = StatsdSettings(
            env["AIRFLOW__METRICS__STATSD_HOST"],
            int(port_text) if port_text.isdigit() else 8125,
            env.get("AIRFLOW__METRICS__STATSD_PREFIX") or "dqcheck",
        )
    # prometheus
    raw_prom = sections.get("prometheus", {})
    if not isinstance(raw_prom, dict) or set(raw_prom) - {"textfile", "pushgateway"}:
        problem("prometheus", "expected {textfile: PATH, pushgateway: URL}")
        raw_prom = {}
    settings.prometheus = PrometheusSettings(
        flags.prometheus_textfile or config_path("prometheus", raw_prom.get("textfile")),
        flags.pushgateway or expanded("prometheus", raw_prom.get("pushgateway")),
    )
    if isinstance(settings.prometheus.pushgateway, str):
        register_secrets(settings.prometheus.pushgateway)
    # log
    raw_log = sections.get("log", {})
    if not isinstance(raw_log, dict) or set(raw_log) - {"format", "file"}:
        problem("log", "expected {format: json|text, file: PATH}")
        raw_log = {}
    log_format = flags.log_format or raw_log.get("format", "text")
    if log_format not in LOG_FORMATS:
        problem("log", f"format: expected json or text, got {short(log_format)}")
        log_format = "text"
    settings.log = LogSettings(
        log_format, flags.log_file or config_path("log", raw_log.get("file"))
    )
    for section, path in (
        ("--log-file" if flags.log_file else "log", settings.log.file),
        ("prometheus", settings.prometheus.textfile),
    ):
        if path and not _parent_writable(str(path)):
            problem(section, f"cannot write {path}: its folder does not exist or is not writable")
    # sla
    sla = flags.sla if flags.sla is not None else sections.get("sla")
    if sla is not None:
        try:
            settings.sla = parse_duration(sla)
        except ValueError as exc:
            problem("--sla" if flags.sla is not None else "sla", str(exc))
    if problems:
        raise ConfigError(problems)
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
