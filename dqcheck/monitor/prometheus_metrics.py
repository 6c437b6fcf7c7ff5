"""Prometheus metrics with ``prometheus-client``: a textfile for node_exporter's textfile
collector and a push to a Pushgateway (grouping key: job ``dqcheck``, ``suite``).

The textfile is shared: several runs (one Airflow task per suite) may write the same file. A
run reads the file, drops the series of the suites it ran, adds its own and writes the result to
a temp file renamed over the target (the collector never reads half a file), all under an
exclusive ``flock`` of the file's folder, so two concurrent runs never lose each other's series.
Run metrics are labelled ``suite``, so each suite keeps its own last-success time."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dqcheck.results import RunResult, Status

STATUS_CODE = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}
LAST_SUCCESS = "dqcheck_run_last_success_timestamp_seconds"
RUN_DURATION = "dqcheck_run_duration_seconds"
SLA_MISSED = "dqcheck_run_sla_missed"


def _suite_subset(result: RunResult, suite: str) -> RunResult:
    return RunResult(
        checks=[c for c in result.checks if c.suite == suite],
        started_at=result.started_at,
        finished_at=result.finished_at,
        connection=result.connection,
        fail_on=result.fail_on,
        sla_missed=result.sla_missed,
        interrupted=result.interrupted,
    )


def suites_of(result: RunResult) -> list[str]:
    return sorted({c.suite for c in result.checks})


def registry_for(result: RunResult, last_success: dict[str, float] | None = None) -> Any:
    """This run's series. ``last_success`` holds earlier last-success times by suite, kept for
    the suites that did not pass this time."""
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
    run_duration = Gauge(RUN_DURATION, "Duration of the last run.", ["suite"], registry=registry)
    sla_missed = Gauge(SLA_MISSED, "1: the last run missed its SLA.", ["suite"], registry=registry)
    successes: dict[str, float] = {}
    for suite in suites_of(result):
        run_duration.labels(suite).set(result.duration_seconds)
        sla_missed.labels(suite).set(1 if result.sla_missed else 0)
        if _suite_subset(result, suite).exit_code == 0:
            successes[suite] = result.finished_at.timestamp()
        elif last_success and suite in last_success:
            successes[suite] = last_success[suite]
    if successes:
        last = Gauge(
            LAST_SUCCESS, "When a run last passed (Unix time).", ["suite"], registry=registry
        )
        for suite, when in successes.items():
            last.labels(suite).set(when)
    return registry


def _read_families(path: Path) -> list[Any]:
    """The metric families of an earlier textfile; none when it is missing or unreadable."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    try:
        return list(text_string_to_metric_families(text))
    except ValueError:
        return []  # not a textfile we can read: start afresh rather than fail the run


def _merge(previous: list[Any], result: RunResult) -> Any:
    """A registry with the earlier file's series of other suites, and this run's."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

    ours = set(suites_of(result))
    last_success = {
        s.labels["suite"]: s.value
        for f in previous
        if f.name == LAST_SUCCESS
        for s in f.samples
        if "suite" in s.labels
    }
    current = registry_for(result, last_success)
    families: dict[str, Any] = {}
    for family in previous:
        # Unlabelled series come from a version before run metrics were labelled: drop them.
        kept = [s for s in family.samples if s.labels.get("suite", "") not in ours | {""}]
        if not kept:
            continue
        merged = Metric(family.name, family.documentation, family.type, family.unit)
        merged.samples = kept
        families[family.name] = merged
    for family in current.collect():
        if family.name in families:
            families[family.name].samples = families[family.name].samples + family.samples
        else:
            families[family.name] = family

    class _Collector:
        def collect(self) -> Iterator[Any]:
            for name in sorted(families):
                fam = families[name]
                fam.samples = sorted(fam.samples, key=lambda s: sorted(s.labels.items()))
                yield fam

    registry = CollectorRegistry()
    registry.register(_Collector())
    return registry


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock of the textfile's folder (no lock file beside the textfile)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_textfile(result: RunResult, path: str) -> None:
    from prometheus_client import generate_latest

    target = Path(path)
    folder = target.parent
    with _locked(folder):
        body = generate_latest(_merge(_read_families(target), result))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def push(result: RunResult, gateway: str, timeout: float = 10.0) -> None:
    from prometheus_client import pushadd_to_gateway

    for suite in suites_of(result):
        # POST, not PUT: a failing run keeps the group's earlier last-success time.
        pushadd_to_gateway(
            gateway,
            job="dqcheck",
            registry=registry_for(_suite_subset(result, suite)),
            grouping_key={"suite": suite},
            timeout=timeout,
        )
