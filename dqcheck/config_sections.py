"""The monitoring and history sections of ``dqcheck.yml`` (SPEC sections 5 and 6): the keys of
each and the types of their values, checked when the file is loaded, so that every problem of
the file is reported at once, each at its own line.

What depends on the run (the flags that override a section, ``${VAR}`` expansion, paths,
whether a folder is writable) is checked later, by ``dqcheck.monitor.load_settings`` and
``dqcheck.monitor.history.history_url``, which call :func:`check_sections` too when handed
sections that did not come from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqcheck.durations import parse_duration
from dqcheck.validation import Problems, line_of, locator, type_name, unknown

EVENTS = ("pass", "warn", "fail", "error", "sla_miss")
DEFAULT_ON = ("fail", "error", "sla_miss")
LOG_FORMATS = ("text", "json")
NOTIFY_KEYS = ("url", "on")

#: Each mapping section: its shape (for messages) and each key's type, described.
SECTIONS: dict[str, tuple[str, dict[str, tuple[type, str]]]] = {
    "statsd": (
        "{host: ..., port: 8125, prefix: dqcheck}",
        {"host": (str, "a host name"), "port": (int, "a port number"), "prefix": (str, "a string")},
    ),
    "prometheus": (
        "{textfile: PATH, pushgateway: URL}",
        {"textfile": (str, "a file path"), "pushgateway": (str, "a URL")},
    ),
    "log": (
        "{format: json|text, file: PATH}",
        {"format": (str, "json or text"), "file": (str, "a file path")},
    ),
    "history": ("{url: ...}", {"url": (str, "a database URL")}),
}
REQUIRED = {"history": ("url",)}


def check_sections(
    p: Problems, sections: Mapping[str, Any], lines: Mapping[str, int] | None = None
) -> None:
    """Report every problem of the monitoring and history ``sections`` (keys are located at
    their own line when the sections came from YAML, else at the section's ``lines``)."""
    lines = lines or {}
    for name, raw in sections.items():
        line = lines.get(name) or line_of(raw)
        if name == "notify":
            _notify(p, raw, line)
        elif name == "sla":
            try:
                parse_duration(raw)
            except ValueError as exc:
                p.add(str(exc), line, field="sla")
        elif name in SECTIONS:
            _mapping(p, name, raw, line)


def _mapping(p: Problems, name: str, raw: Any, line: int | None) -> None:
    shape, types = SECTIONS[name]
    if not isinstance(raw, Mapping):
        p.add(f"expected {shape}, got {type_name(raw)}", line, field=name)
        return
    locate = locator(raw, line)
    extra = p.unknown_keys(raw, types, name, locate)
    for key, (kind, described) in types.items():
        if key in raw:
            p.expect_type(raw[key], kind, described, locate(key), f"{name}.{key}")
        elif key in REQUIRED.get(name, ()) and not extra:
            p.add(f"missing required key '{key}'", line, field=name)
    port = raw.get("port")
    if name == "statsd" and isinstance(port, int) and not 0 < port < 65536:
        p.add(f"expected a port number (1-65535), got {port}", locate("port"), field="statsd.port")
    fmt = raw.get("format")
    if name == "log" and isinstance(fmt, str) and fmt not in LOG_FORMATS:
        p.add(unknown(fmt, LOG_FORMATS, "format", "formats"), locate("format"), field="log.format")


def _notify(p: Problems, raw: Any, line: int | None) -> None:
    if not isinstance(raw, list):
        p.add(f"expected a list of {{url: ..., on: [...]}}, got {type_name(raw)}", line, "notify")
        return
    for i, item in enumerate(raw, start=1):
        where = f"notify[{i}]"
        if isinstance(item, str):
            continue  # a bare URL: every default event
        if not isinstance(item, Mapping):
            p.add(f"expected {{url: ..., on: [...]}}, got {type_name(item)}", line, field=where)
            continue
        at = line_of(item, default=line)
        locate = locator(item, at)
        extra = p.unknown_keys(item, NOTIFY_KEYS, where, locate)
        if "url" in item:
            p.expect_type(item["url"], str, "an Apprise URL", locate("url"), f"{where}.url")
        elif not extra:
            p.add("missing required key 'url'", at, field=where)
        on = item.get("on", [])
        events = [on] if isinstance(on, str) else on
        if not isinstance(events, list):
            p.add(
                f"expected a list of events ({', '.join(EVENTS)}), got {type_name(on)}",
                locate("on"),
                field=f"{where}.on",
            )
            continue
        for event in events:
            if event not in EVENTS:
                p.add(unknown(event, EVENTS, "event", "events"), locate("on"), field=f"{where}.on")
