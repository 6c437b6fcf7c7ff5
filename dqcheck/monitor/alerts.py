"""Alerts through Apprise: one message per run and event to each target that asks for it.

Events are ``pass`` (every check passed), ``warn``, ``fail``, ``error`` (some check ended so)
and ``sla_miss``. A target that fails or hangs is reported back, never raised: each is sent
on a daemon thread and abandoned after ``timeout`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dqcheck.monitor import NotifyTarget
from dqcheck.report import sample_block
from dqcheck.results import RunResult, Status
from dqcheck.secrets import mask, mask_url, register_webhook

MAX_LISTED = 20


@dataclass(frozen=True)
class AlertOutcome:
    target: str  # masked
    event: str
    ok: bool
    error: str | None = None


def events_of(result: RunResult) -> list[str]:
    """The run's events, in a stable order."""
    present = {c.status for c in result.checks}
    events = []
    if result.status is Status.PASS:
        events.append("pass")
    events += [s.value for s in (Status.WARN, Status.FAIL, Status.ERROR) if s in present]
    if result.sla_missed:
        events.append("sla_miss")
    return events


def message(result: RunResult, event: str) -> tuple[str, str]:
    """Title and body of the alert for ``event``."""
    suites = sorted({c.suite for c in result.checks})
    where = ", ".join(suites)
    if event == "sla_miss":
        title = f"dqcheck: SLA missed ({where})"
        lines = [f"The run took {result.duration_seconds:.1f}s, past its SLA."]
    elif event == "pass":
        title = f"dqcheck: all {len(result.checks)} checks passed ({where})"
        lines = []
    else:
        hit = [c for c in result.checks if c.status.value == event]
        noun = "check" if len(hit) == 1 else "checks"
        verb = {"warn": "warned", "fail": "failed", "error": "could not run"}[event]
        title = f"dqcheck: {len(hit)} {noun} {verb} ({where})"
        lines = []
        for c in hit[:MAX_LISTED]:
            if c.status is Status.ERROR:
                lines.append(f"- {c.id}: {c.error or c.message}")
            else:
                value = c.value_text or c.value
                lines.append(f"- {c.id}: value {value}, expected {c.expectation}. {c.message}")
                lines += sample_block(c, "    ")
        if len(hit) > MAX_LISTED:
            lines.append(f"- … and {len(hit) - MAX_LISTED} more")
    lines += [
        "",
        result.summary_line(),
        f"exit code {int(result.exit_code)}"
        + (f", connection {result.connection}" if result.connection else ""),
    ]
    return mask(title), mask("\n".join(lines).strip())


def private_url(url: str) -> str:
    """The target as it may be shown or logged: Apprise's own privacy rendering (tokens in the
    host or path shortened, ``slack://T...2/B...D/t...Q``, passwords hidden), then what that
    keeps visible hidden as well: the path segments of webhooks (``json://host/hook/TOKEN`` →
    ``json://host/***/***``), ``+Header`` values (``+Authorization=***``) and query values
    whose key names a secret."""
    register_webhook(url)
    shown = None
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
        if plugin is not None:
            shown = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
    except Exception:  # an unparsable URL: show only its scheme
        pass
    if shown is None:
        return url.split("://", 1)[0] + "://***" if "://" in url else "<target>"
    return mask(mask_url(shown, hide_path=True))


class _MaskApprise(logging.Filter):
    """Masks what Apprise logs (its debug lines print the HTTP URL it posts to, path and all):
    dqcheck's secrets never reach a handler the host application (Airflow) put on the root
    logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


_APPRISE_FILTER = _MaskApprise()


def _guard_apprise_logs() -> None:
    logger = logging.getLogger("apprise")
    if _APPRISE_FILTER not in logger.filters:
        logger.addFilter(_APPRISE_FILTER)


def _notify_type(event: str) -> str:
    return {"pass": "success", "warn": "warning"}.get(event, "failure")


def _send(url: str, title: str, body: str, kind: str, timeout: float) -> str | None:
    """None on success, else why it failed."""
    import apprise

    app = apprise.Apprise()
    if not app.add(url):
        return "Apprise does not understand this URL"
    ok = app.notify(body=body, title=title, notify_type=kind, timeout=timeout)
    return None if ok else "the service did not accept the message"


def send_alerts(
    result: RunResult, targets: Sequence[NotifyTarget], *, timeout: float = 10.0
) -> list[AlertOutcome]:
    """Send every (target, event) message at once; wait at most ``timeout`` seconds in all."""
    events = events_of(result)
    for target in targets:  # an exception message of Apprise or requests may print it
        register_webhook(target.url)
    _guard_apprise_logs()
    jobs: list[tuple[NotifyTarget, str, threading.Thread, list[str | None]]] = []
    for target in targets:
        for event in events:
            if event not in target.on:
                continue
            title, body = message(result, event)
            box: list[str | None] = []

            def work(
                url: str = target.url,
                t: str = title,
                b: str = body,
                e: str = event,
                out: list[str | None] = box,
            ) -> None:
                try:
                    out.append(_send(url, t, b, _notify_type(e), timeout))
                except Exception as exc:
                    out.append(f"{type(exc).__name__}: {exc}")

            thread = threading.Thread(target=work, name="dqcheck-alert", daemon=True)
            thread.start()
            jobs.append((target, event, thread, box))
    deadline = time.monotonic() + timeout
    outcomes = []
    for target, event, thread, box in jobs:
        thread.join(max(0.0, deadline - time.monotonic()))
        shown = private_url(target.url)
        if thread.is_alive():
            outcomes.append(AlertOutcome(shown, event, False, f"no answer within {timeout:g}s"))
        elif box and box[0] is None:
            outcomes.append(AlertOutcome(shown, event, True))
        else:
            error = mask(box[0] or "unknown error") if box else "unknown error"
            outcomes.append(AlertOutcome(shown, event, False, error))
    return outcomes
