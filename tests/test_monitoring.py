"""The run's SLA (SPEC sections 1 and 5) seen by every monitor at once, with real peers on
127.0.0.1: the JSON report, an Apprise ``json://`` alert, statsd, the JSON log and the exit code
with and without ``--fail-on sla``. Also the project config's monitoring sections."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke, strict_json
from peers import FAILING, PASSING, SLOW, HttpPeer, StatsdPeer, log_lines, project_config, write

pytest_plugins = ["peers"]
pytestmark = pytest.mark.postgres

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/x"


def test_sla_miss_is_reported_alerted_counted_and_logged(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    statsd_peer: StatsdPeer,
    tmp_path: Path,
) -> None:
    sla_target, fail_target = http_peer(), http_peer()
    suite = write(tmp_path, "slow.yml", SLOW)
    conf = project_config(
        tmp_path,
        orders_db,
        notify=[
            {"url": sla_target.url("/sla", scheme="json"), "on": ["sla_miss"]},
            {"url": fail_target.url("/fail", scheme="json"), "on": ["fail", "error"]},
        ],
    )
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--config", conf, "--sla", "1s"]
    args += ["--statsd", statsd_peer.address, "--log-format", "json", "--log-file", log]
    result = invoke([*args, "--format", "json"], 0)  # the check passed; the SLA does not fail it

    report = strict_json(result.stdout)
    assert report["status"] == "pass" and report["exit_code"] == 0
    assert report["sla_missed"] is True
    assert report["duration_seconds"] > 1

    [alert] = [r.json() for r in sla_target.received()]
    assert alert["title"] == "dqcheck: SLA missed (slow)"
    assert "past its SLA" in alert["message"]
    assert fail_target.received() == []

    metrics = statsd_peer.collect(until="dqcheck.run.sla_miss")
    sla = [m for m in metrics if m.name == "dqcheck.run.sla_miss"]
    assert [(m.type, m.number) for m in sla] == [("c", 1)], metrics
    [status] = [m for m in metrics if m.name == "dqcheck.check.slow.sleepy.status"]
    assert status.number == 0

    lines = log_lines(log)
    [miss] = [line for line in lines if line["event"] == "sla_miss"]
    assert miss["level"] == "warning"
    assert miss["sla_seconds"] == 1
    assert miss["duration_seconds"] > 1
    assert lines[-1]["event"] == "run_end" and lines[-1]["sla_missed"] is True
    sent = [line for line in lines if line["event"] == "alert_sent"]
    assert [s["alert"] for s in sent] == ["sla_miss"]


def test_sla_from_config_with_fail_on_sla_exits_1(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    target = http_peer()
    suite = write(tmp_path, "slow.yml", SLOW)
    conf = project_config(
        tmp_path, orders_db, sla="1s", notify=[{"url": target.url("/x", scheme="json")}]
    )
    report = tmp_path / "report.json"
    args = ["run", suite, "--url", orders_db, "--config", conf, "--json", report]
    invoke([*args, "--fail-on", "sla"], 1)
    record = strict_json(report.read_text())
    assert record["sla_missed"] is True
    assert record["exit_code"] == 1
    assert record["status"] == "pass"  # every check passed; the run was late
    # the default `on` list includes sla_miss
    assert [r.json()["title"] for r in target.received()] == ["dqcheck: SLA missed (slow)"]


def test_run_within_its_sla(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    statsd_peer: StatsdPeer,
    tmp_path: Path,
) -> None:
    target = http_peer()
    suite = write(tmp_path, "orders.yml", PASSING)
    conf = project_config(
        tmp_path,
        orders_db,
        sla="15m",
        notify=[{"url": target.url("/x", scheme="json"), "on": ["sla_miss"]}],
    )
    args = ["run", suite, "--url", orders_db, "--config", conf, "--format", "json"]
    result = invoke([*args, "--fail-on", "sla", "--statsd", statsd_peer.address], 0)
    assert strict_json(result.stdout)["sla_missed"] is False
    assert target.received() == []
    names = {m.name for m in statsd_peer.collect(until="dqcheck.run.checks.error")}
    assert "dqcheck.run.checks.pass" in names
    assert "dqcheck.run.sla_miss" not in names


def test_no_sla_means_not_missed(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    result = invoke(["run", suite, "--url", orders_db, "--format", "json", "--fail-on", "sla"], 0)
    assert strict_json(result.stdout)["sla_missed"] is False


def test_sla_settings_parse_durations() -> None:
    from dqcheck.monitor import Flags, load_settings

    assert load_settings({"sla": "15m"}, env={}).sla == 900
    assert load_settings({"sla": "1h30m"}, env={}).sla == 5400
    assert load_settings({"sla": "15m"}, Flags(sla="90s"), env={}).sla == 90  # the flag wins
    assert load_settings({}, env={}).sla is None


@pytest.mark.parametrize("value", ["soon", "15", "0s", "-5m", ""])
def test_bad_sla_flag_is_exit_2_before_any_query(tmp_path: Path, value: str) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    # an unreachable database: a query attempt would end in exit 3
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--sla", value], 2)
    assert "--sla" in result.stderr


@pytest.mark.parametrize("value", ["soon", 15, [1]], ids=["word", "number", "list"])
def test_bad_sla_config_is_exit_2(tmp_path: Path, value: Any) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    conf = project_config(tmp_path, UNREACHABLE_DB, sla=value)
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--config", conf], 2)
    assert "sla" in result.stderr


def test_unknown_fail_on_value_is_exit_2(tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    invoke(["run", suite, "--url", UNREACHABLE_DB, "--fail-on", "late"], 2)


# -- the project config ---------------------------------------------------------------------------


def test_config_with_only_monitoring_sections_is_accepted(
    orders_db: str, statsd_peer: StatsdPeer, tmp_path: Path
) -> None:
    """SPEC 5 configures monitoring in dqcheck.yml; a project whose connection comes from
    --url or DQCHECK_URL has no ``connections:`` section (nor an empty one)."""
    suite = write(tmp_path, "orders.yml", PASSING)
    for body in (
        {"sla": "15m", "statsd": {"host": "127.0.0.1", "port": statsd_peer.port}},
        {"connections": {}, "sla": "15m"},
    ):
        conf = write(tmp_path, "dqcheck.yml", json.dumps(body))
        invoke(["run", suite, "--url", orders_db, "--config", conf], 0)


def test_every_section_together_from_the_config(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    statsd_peer: StatsdPeer,
    tmp_path: Path,
) -> None:
    hook, gateway = http_peer(), http_peer()
    suite = write(tmp_path, "orders.yml", FAILING)
    prom, log = tmp_path / "dq.prom", tmp_path / "dq.log"
    conf = project_config(
        tmp_path,
        orders_db,
        notify=[{"url": hook.url("/h", scheme="json")}],
        statsd={"host": "127.0.0.1", "port": statsd_peer.port, "prefix": "dq"},
        prometheus={"textfile": str(prom), "pushgateway": gateway.url("")},
        log={"format": "json", "file": str(log)},
        sla="15m",
    )
    result = invoke(["run", suite, "--conn-id", "warehouse", "--config", conf], 1)
    assert "too_many" in result.stdout
    assert len(hook.received()) == 1
    assert [r.path for r in gateway.received()] == ["/metrics/job/dqcheck/suite/orders"]
    metrics = statsd_peer.collect(until="dq.run.checks.error")
    assert any(m.name == "dq.check.orders.too_many.status" and m.number == 2 for m in metrics)
    assert "dqcheck_check_status" in prom.read_text()
    events = [line["event"] for line in log_lines(log)]
    assert events[0] == "run_start" and events[-1] == "run_end"
    assert "alert_sent" in events


def test_flags_override_the_config(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    from_config, from_flag = http_peer(), http_peer()
    suite = write(tmp_path, "orders.yml", FAILING)
    conf = project_config(
        tmp_path,
        orders_db,
        notify=[{"url": from_config.url("/c", scheme="json")}],
        log={"format": "text", "file": str(tmp_path / "config.log")},
    )
    log = tmp_path / "flag.log"
    args = ["run", suite, "--url", orders_db, "--config", conf]
    args += ["--notify", from_flag.url("/f", scheme="json"), "--log-format", "json"]
    invoke([*args, "--log-file", log], 1)
    assert from_config.received() == []
    assert [r.path for r in from_flag.received()] == ["/f"]
    assert log_lines(log)[0]["event"] == "run_start"
    assert not (tmp_path / "config.log").exists()
