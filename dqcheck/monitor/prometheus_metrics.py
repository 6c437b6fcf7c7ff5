"""Prometheus metrics with ``prometheus-client``: a textfile for node_exporter's textfile
collector (written to a temp file and renamed, so the collector never reads half a file) and
a push to a Pushgateway (grouping key: job ``dqcheck``, ``suite``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dqcheck.results import RunResult, Status

STATUS_CODE = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}
LAST_SUCCESS = "dqcheck_run_last_success_timestamp_seconds"


def registry_for(result: RunResult, last_success: float | None = None) -> Any:
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    labels = ["suite", "check", "table"]
    value = Gauge("dqcheck_check_value", "The value a check measured.", labels, registry=registry)
    status = Gauge(
        "dqcheck_check_status", "0 pass, 1 warn, 2 fail, 3 error.", labels, registry=registry
    )
    duration = Gauge(
        "dqcheck_check_duration_seconds",
        "Time of the query that answered the check.",
        labels,
        registry=registry,
    )
    for c in result.checks:
        key = (c.suite, c.name, c.table or "")
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
            value.labels(*key).set(c.value)
        status.labels(*key).set(STATUS_CODE[c.status])
        duration.labels(*key).set(c.duration_seconds)
    Gauge("dqcheck_run_duration_seconds", "Duration of the last run.", registry=registry).set(
        result.duration_seconds
    )
    if result.exit_code == 0:
        last_success = result.finished_at.timestamp()
    if last_success is not None:
        Gauge(LAST_SUCCESS, "When a run last passed (Unix time).", registry=registry).set(
            last_success
        )
    return registry


def _previous_success(path: Path) -> float | None:
    """The last-success time of an earlier run, kept when this run did not pass."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(rf"^{LAST_SUCCESS}\s+(\S+)$", text, re.M)
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def write_textfile(result: RunResult, path: str) -> None:
    from prometheus_client import write_to_textfile

    target = Path(path)
    write_to_textfile(str(target), registry_for(result, _previous_success(target)))


def push(result: RunResult, gateway: str, timeout: float = 10.0) -> None:
    from prometheus_client import pushadd_to_gateway

    suites = sorted({c.suite for c in result.checks})
    for suite in suites:
        subset = RunResult(
            checks=[c for c in result.checks if c.suite == suite],
            started_at=result.started_at,
            finished_at=result.finished_at,
            connection=result.connection,
            fail_on=result.fail_on,
            sla_missed=result.sla_missed,
        )
        # POST, not PUT: a failing run keeps the group's earlier last-success time.
        pushadd_to_gateway(
            gateway,
            job="dqcheck",
            registry=registry_for(subset),
            grouping_key={"suite": suite},
            timeout=timeout,
        )
