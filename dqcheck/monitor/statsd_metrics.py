"""statsd metrics with the ``statsd`` package (UDP), names as SPEC section 5 gives them:
``<prefix>.check.<suite>.<check>.value|status|duration`` and ``<prefix>.run.*``."""

from __future__ import annotations

from dqcheck.monitor import StatsdSettings, statsd_name
from dqcheck.results import RunResult, Status

STATUS_CODE = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


def send_statsd(result: RunResult, settings: StatsdSettings) -> None:
    import statsd

    client = statsd.StatsClient(settings.host, settings.port, prefix=settings.prefix or None)
    pipe = client.pipeline()
    for c in result.checks:
        base = f"check.{statsd_name(c.suite)}.{statsd_name(c.name)}"
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
            pipe.gauge(f"{base}.value", c.value)
        pipe.gauge(f"{base}.status", STATUS_CODE[c.status])
        pipe.timing(f"{base}.duration", c.duration_seconds * 1000.0)
    pipe.timing("run.duration", result.duration_seconds * 1000.0)
    for status, count in result.summary.items():
        if status != "total":
            pipe.gauge(f"run.checks.{status}", count)
    if result.sla_missed:
        pipe.incr("run.sla_miss")
    pipe.send()
    client.close()
