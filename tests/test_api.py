"""``dqcheck.api`` is the one door (SPEC sections 8 and 9): called from Python with no CLI
involved, ``run`` monitors (alerts to a real HTTP peer, statsd to a real UDP socket, logs) and
judges the SLA; ``has-rows`` gets the same monitoring as ``run``; ``validate`` checks the whole
project config as ``run`` does; config discovery and config-relative paths (SPEC section 3)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke, strict_json
from peers import HttpPeer, StatsdPeer, project_config, write

from dqcheck import api
from dqcheck.errors import ConfigError

pytest_plugins = ["peers"]

SLOW_PG = """\
suite: slow
checks:
  - {name: sleepy, type: threshold, sql: "SELECT 1 FROM (SELECT pg_sleep(1.5)) s", max: 0}
  - {name: has_rows, type: row_count, table: orders}
"""
ONE = """\
suite: shop
checks:
  - {name: has_rows, type: row_count, table: orders}
"""
SQLITE_SUITE = """\
suite: shop
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: grows, type: change, table: orders, max_change_percent: 50}
"""


@pytest.fixture
def shop(tmp_path: Path) -> str:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id integer)")
        conn.executemany("INSERT INTO orders VALUES (?)", [(1,), (2,), (3,)])
    return f"sqlite:///{db}"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """Run from a folder that has no dqcheck.yml above it (the test's own temp dir)."""
    old = os.getcwd()
    here = tmp_path / "cwd"
    here.mkdir()
    os.chdir(here)
    try:
        yield here
    finally:
        os.chdir(old)


@pytest.mark.postgres
def test_api_run_monitors_and_judges_the_sla_with_no_cli(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    statsd_peer: StatsdPeer,
    tmp_path: Path,
    elsewhere: Path,
) -> None:
    target = http_peer()
    suite = write(tmp_path, "slow.yml", SLOW_PG)
    log = tmp_path / "events.log"
    monitoring = api.Monitoring(
        notify=[target.url("/hook", scheme="json")],
        statsd=statsd_peer.address,
        log_format="json",
        log_file=str(log),
    )
    result = api.run([suite], orders_db, monitoring=monitoring, sla=0.5, config=None)

    assert result.sla_missed is True
    assert [c.status.value for c in result.checks] == ["fail", "pass"]
    assert int(result.exit_code) == 1
    alerts = [r.json() for r in target.received()]
    assert {a["title"].split(":")[0] for a in alerts} >= {"dqcheck"}, alerts
    bodies = " ".join(a["message"] for a in alerts)
    assert "sleepy" in bodies  # the fail alert names the failing check
    assert any("SLA" in a["title"] or "sla" in a["message"].lower() for a in alerts), alerts
    metrics = statsd_peer.collect(until="dqcheck.run.sla_miss")
    names = {m.name for m in metrics}
    assert "dqcheck.check.slow.sleepy.status" in names
    assert [m.number for m in metrics if m.name == "dqcheck.run.sla_miss"] == [1]
    events = [strict_json(line)["event"] for line in log.read_text().splitlines()]
    assert events[0] == "run_start" and events[-1] == "run_end" and "sla_miss" in events


def test_api_run_within_its_sla_is_not_missed(shop: str, tmp_path: Path, elsewhere: Path) -> None:
    suite = write(tmp_path, "s.yml", ONE)
    result = api.run([suite], shop, sla="1h")
    assert result.sla_missed is False and int(result.exit_code) == 0


def test_api_run_refuses_bad_monitoring_before_any_query(
    shop: str, tmp_path: Path, elsewhere: Path
) -> None:
    suite = write(tmp_path, "s.yml", SQLITE_SUITE)
    with pytest.raises(ConfigError, match="statsd"):
        api.run([suite], shop, monitoring=api.Monitoring(statsd="nohostport", history="sqlite://"))
    with pytest.raises(ConfigError, match="change check"):
        api.run([suite], shop)  # a change check needs a history


def test_has_rows_emits_the_same_events_as_run(
    shop: str, statsd_peer: StatsdPeer, tmp_path: Path
) -> None:
    log = tmp_path / "events.log"
    prom = tmp_path / "dq.prom"
    common = ["--url", shop, "--statsd", statsd_peer.address, "--log-format", "json"]
    common += ["--log-file", str(log), "--prometheus-textfile", str(prom)]
    out = tmp_path / "report.json"
    invoke(
        ["has-rows", "orders", *common, "--json", str(out), "--junit", str(tmp_path / "j.xml")], 0
    )
    metrics = statsd_peer.collect(until="dqcheck.run.duration")
    assert "dqcheck.check.has_rows.has_rows.status" in {m.name for m in metrics}
    events = [strict_json(line)["event"] for line in log.read_text().splitlines()]
    assert events == ["run_start", "check_result", "run_end"]
    assert 'dqcheck_check_status{check="has_rows"' in prom.read_text()
    assert strict_json(out.read_text())["checks"][0]["name"] == "has_rows"
    assert "<testcase" in (tmp_path / "j.xml").read_text()


@pytest.mark.parametrize(
    ("sections", "named"),
    [
        ({"notify": [{"url": "json://127.0.0.1:9/x", "on": ["eror"]}]}, "eror"),
        ({"statsd": {"host": "127.0.0.1", "prefx": "dq"}}, "prefx"),
        ({"sla": "15 minutes"}, "sla"),
        ({"notify": [{"url": "not a url"}]}, "Apprise URL"),
    ],
)
def test_validate_checks_the_whole_project_config(
    tmp_path: Path, sections: dict[str, Any], named: str
) -> None:
    suite = write(tmp_path, "s.yml", ONE)
    conf = project_config(tmp_path, **sections)
    result = invoke(["validate", str(suite), "--config", str(conf)], 2)
    assert named in result.stderr
    assert str(conf) in result.stderr


def test_config_found_upward_keeps_its_paths_next_to_itself(
    shop: str, tmp_path: Path, elsewhere: Path
) -> None:
    """``dqcheck.yml`` in a parent folder is found, and its relative history path is relative to
    it, whatever the current directory."""
    project = tmp_path / "project"
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    write(project, "dqcheck.yml", json.dumps({"history": {"url": "sqlite:///state/h.db"}}))
    suite = write(project, "s.yml", SQLITE_SUITE)
    os.chdir(deep)
    first = api.run([suite], shop)
    assert [c.status.value for c in first.checks] == ["pass", "pass"]  # first run: a note
    assert (project / "state" / "h.db").is_file()
    assert not (deep / "state").exists()
    second = api.run([suite], shop)
    assert second.checks[1].status.value == "pass" and second.checks[1].value == 0


def test_dqcheck_config_env_names_the_config(shop: str, tmp_path: Path, elsewhere: Path) -> None:
    conf = write(tmp_path, "elsewhere.yml", json.dumps({"sla": "15 minutes"}))
    suite = write(tmp_path, "s.yml", ONE)
    result = invoke(["validate", str(suite)], 2, env={"DQCHECK_CONFIG": str(conf)})
    assert "elsewhere.yml" in result.stderr
    missing = invoke(["validate", str(suite)], 2, env={"DQCHECK_CONFIG": str(tmp_path / "no.yml")})
    assert "DQCHECK_CONFIG" in missing.stderr


def test_unset_variable_only_matters_for_a_connection_the_run_uses(
    shop: str, tmp_path: Path, elsewhere: Path
) -> None:
    conf = {
        "connections": {
            "used": {"url": shop},
            "unused": {"url": "postgresql://u:${DQ_TEST_UNSET_VAR}@host/db"},
        }
    }
    (tmp_path / "dqcheck.yml").write_text(json.dumps(conf))
    suite = write(tmp_path, "s.yml", "connection: used\n" + ONE.split("\n", 1)[1])
    result = api.run([suite], config=tmp_path / "dqcheck.yml")
    assert int(result.exit_code) == 0
    other = write(tmp_path, "o.yml", "connection: unused\n" + ONE.split("\n", 1)[1])
    with pytest.raises(ConfigError, match="DQ_TEST_UNSET_VAR"):
        api.run([other], config=tmp_path / "dqcheck.yml")


def test_a_report_that_cannot_be_written_is_named_and_the_rest_is_written(
    shop: str, tmp_path: Path
) -> None:
    """``--json /dev/full`` on a passing run: one line naming it, the JUnit report and stdout
    still written, exit 3 (SPEC section 7)."""
    suite = write(tmp_path, "s.yml", ONE)
    junit = tmp_path / "r.xml"
    args = ["run", str(suite), "--url", shop, "--json", "/dev/full", "--junit", str(junit)]
    result = invoke(args, 3)
    assert "could not write --json /dev/full" in result.stderr
    assert "<testcase" in junit.read_text()
    assert "1 check: 1 pass" in result.stdout
    assert "internal error" not in result.stderr


def test_folders_skip_hidden_folders_and_the_project_config(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub").mkdir()
    write(tmp_path / ".hidden", "broken.yml", "not: [a, suite")
    write(tmp_path, "dqcheck.yml", json.dumps({"sla": "1h"}))
    write(tmp_path / "sub", "dqcheck.yaml", json.dumps({"sla": "1h"}))
    write(tmp_path / "sub", "s.yml", ONE)
    listed = api.list_checks([tmp_path])
    assert [(c["suite"], c["name"]) for c in listed] == [("shop", "has_rows")]


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        # snowflake, duckdb, mysql (installed by the dev extras): test_engines blocks the import
        ("oracle+oracledb://u:pw@127.0.0.1/db", "oracledb"),
    ],
)
def test_a_missing_driver_is_exit_2_naming_what_to_install(
    tmp_path: Path, url: str, hint: str
) -> None:
    suite = write(tmp_path, "s.yml", ONE)
    result = invoke(["run", str(suite), "--url", url], 2)
    assert hint in result.stderr
    assert "pw" not in result.stderr
