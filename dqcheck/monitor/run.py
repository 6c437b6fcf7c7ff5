"""The monitor of one run: logs each event, then on finish logs an SLA miss and publishes the
result to alerts, statsd and Prometheus. Nothing here changes the exit code or raises."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dqcheck.monitor import Settings
from dqcheck.monitor import logs as log

if TYPE_CHECKING:
    from dqcheck.plan import Plan
    from dqcheck.results import CheckResult, RunResult


class Monitor:
    def __init__(self, settings: Settings, *, log_configured: bool = False) -> None:
        self.settings = settings
        log.configure(settings.log, configured=log_configured)

    def start(self, plan: Plan, connection: str | None = None) -> None:
        log.event(
            "run_start",
            f"running {len(plan.checks)} checks in {len(plan.queries)} queries",
            checks=len(plan.checks),
            queries=len(plan.queries),
            connection=connection,
        )

    def on_result(self, r: CheckResult) -> None:
        level = logging.INFO  # the status is a field; the report already shows problems
        text = f"{r.id}: {r.status.value}"
        if r.message:
            text += f": {r.message}"
        log.event(
            "check_result",
            text,
            level,
            suite=r.suite,
            check=r.name,
            status=r.status.value,
            value=r.value,
            duration_seconds=round(r.duration_seconds, 6),
            table=r.table,
        )

    def finish(self, result: RunResult) -> None:
        settings = self.settings
        if result.sla_missed and settings.sla is not None:  # judged by dqcheck.api.run
            log.event(
                "sla_miss",
                f"the run took {result.duration_seconds:.1f}s, past its SLA of {settings.sla:g}s",
                logging.WARNING,
                duration_seconds=round(result.duration_seconds, 6),
                sla_seconds=settings.sla,
            )
        if settings.notify:
            self._guard("alerts", self._alerts, result)
        if settings.statsd is not None:
            self._guard("statsd", self._statsd, result)
        if settings.prometheus.textfile or settings.prometheus.pushgateway:
            self._guard("prometheus", self._prometheus, result)
        log.event(
            "run_end",
            result.summary_line(),
            status=result.status.value,
            duration_seconds=round(result.duration_seconds, 6),
            exit_code=int(result.exit_code),
            sla_missed=result.sla_missed,
            summary=result.summary,
        )

    def close(self) -> None:
        log.close()

    # -- publishers ------------------------------------------------------------------------------

    def _guard(self, what: str, publish: object, result: RunResult) -> None:
        try:
            publish(result)  # type: ignore[operator]
        except Exception as exc:  # a monitoring failure never changes the run
            log.event(f"{what}_failed", f"{what}: {type(exc).__name__}: {exc}", logging.ERROR)

    def _alerts(self, result: RunResult) -> None:
        from dqcheck.monitor.alerts import send_alerts

        for outcome in send_alerts(result, self.settings.notify):
            if outcome.ok:
                log.event(
                    "alert_sent",
                    f"{outcome.event} alert sent to {outcome.target}",
                    target=outcome.target,
                    alert=outcome.event,
                )
            else:
                log.event(
                    "alert_failed",
                    f"{outcome.event} alert to {outcome.target} failed: {outcome.error}",
                    logging.ERROR,
                    target=outcome.target,
                    alert=outcome.event,
                )

    def _statsd(self, result: RunResult) -> None:
        from dqcheck.monitor.statsd_metrics import send_statsd

        assert self.settings.statsd is not None
        send_statsd(result, self.settings.statsd)

    def _prometheus(self, result: RunResult) -> None:
        from dqcheck.monitor.prometheus_metrics import push, write_textfile

        prom = self.settings.prometheus
        if prom.textfile:
            write_textfile(result, prom.textfile)
        if prom.pushgateway:
            push(result, prom.pushgateway)
