"""Event logs (SPEC section 5): JSON lines for fluentd or text for people, on stderr or a file,
never in stdout, never with a password. Runs are subprocesses of the installed ``dqcheck`` (as a
user runs it, so that nothing masked earlier in the test process can hide a leak)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from clitools import describe, invoke, run_dqcheck, strict_json
from peers import MIXED, MIXED_EXPECTED, PASSWORD, project_config, write
from sqlalchemy.engine import make_url

pytest_plugins = ["peers"]
pytestmark = pytest.mark.postgres

USER_ENV: dict[str, str | None] = {"DQCHECK_DEBUG": None, "NO_COLOR": "1"}
SECRETS = sorted({PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD)})

OTHER_SUITE = """\
suite: refunds
checks:
  - {name: has_rows, type: row_count, table: orders}
"""


def parse_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for raw in text.splitlines():
        line = strict_json(raw)  # every line is one JSON object
        assert isinstance(line, dict), raw
        lines.append(line)
    return lines


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_json_log_file_has_one_result_line_per_check(secret_url: str, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    write(suites, "orders.yml", MIXED)
    write(suites, "refunds.yml", OTHER_SUITE)
    log = tmp_path / "dq.log"
    args = ["run", suites, "--url", secret_url, "--format", "json"]
    proc = run_dqcheck([*args, "--log-format", "json", "--log-file", log], env=USER_ENV)
    assert proc.returncode == 3, describe(proc)

    report = strict_json(proc.stdout)  # stdout is the report, and only it
    assert report["summary"]["total"] == len(MIXED_EXPECTED) + 1  # and refunds.has_rows
    text = log.read_text(encoding="utf-8")
    assert_no_secret(text, proc.stdout, proc.stderr)
    assert text.endswith("\n")
    lines = parse_lines(text)
    for line in lines:
        assert {"ts", "level", "event"} <= set(line), line
        assert datetime.fromisoformat(line["ts"]).tzinfo is not None, line
        assert line["level"] in {"debug", "info", "warning", "error", "critical"}, line
    events = [line["event"] for line in lines]
    assert events[0] == "run_start" and events[-1] == "run_end", events
    assert events.count("run_start") == events.count("run_end") == 1

    results = [line for line in lines if line["event"] == "check_result"]
    assert len(results) == len(MIXED_EXPECTED) + 1, results
    seen = {(r["suite"], r["check"]): r for r in results}
    assert len(seen) == len(MIXED_EXPECTED) + 1  # one line per check
    assert seen[("refunds", "has_rows")]["status"] == "pass"
    for name, (status, value) in MIXED_EXPECTED.items():
        r = seen[("orders", name)]
        assert r["status"] == status, r
        assert r["value"] == value, r
        assert isinstance(r["duration_seconds"], float) and r["duration_seconds"] >= 0, r

    end = lines[-1]
    assert end["status"] == "error"
    assert end["exit_code"] == 3
    assert end["summary"] == report["summary"]
    # nothing of the log in the terminal's streams
    for stream in (proc.stdout, proc.stderr):
        assert "check_result" not in stream and "run_start" not in stream


def test_json_log_without_a_file_goes_to_stderr(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    args = ["run", suite, "--url", orders_db, "--format", "json", "--log-format", "json"]
    proc = run_dqcheck(args, env=USER_ENV)
    assert proc.returncode == 3, describe(proc)
    strict_json(proc.stdout)  # one JSON document: no log line mixed in
    lines = parse_lines(proc.stderr)
    results = [line for line in lines if line["event"] == "check_result"]
    assert {r["check"] for r in results} == set(MIXED_EXPECTED)
    assert [line["event"] for line in lines if line["event"].startswith("run_")] == [
        "run_start",
        "run_end",
    ]


def test_json_log_from_config(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    log = tmp_path / "from-config.log"
    conf = project_config(tmp_path, orders_db, log={"format": "json", "file": str(log)})
    proc = run_dqcheck(["run", suite, "--config", conf, "--url", orders_db], env=USER_ENV)
    assert proc.returncode == 3, describe(proc)
    assert proc.stderr == ""
    events = [line["event"] for line in parse_lines(log.read_text())]
    assert events.count("check_result") == len(MIXED_EXPECTED)


def test_text_log_is_for_people(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--log-format", "text", "--log-file", log]
    proc = run_dqcheck(args, env=USER_ENV)
    assert proc.returncode == 3, describe(proc)
    lines = log.read_text().splitlines()
    pattern = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR)\s+(\w+): (.+)$")
    for line in lines:
        assert pattern.match(line), line
        assert not line.lstrip().startswith("{"), line
    assert any(re.search(r"INFO\s+check_result: orders\.has_rows: pass", x) for x in lines)
    assert any(re.search(r"check_result: orders\.too_many: fail", x) for x in lines)
    assert any("check_result: orders.missing: error" in x for x in lines)
    assert any("run_end: 7 checks: 2 pass, 1 warn, 3 fail, 1 error" in x for x in lines)
    assert "check_result" not in proc.stdout


def test_connection_failure_logs_no_password(secret_url: str, tmp_path: Path) -> None:
    dead = make_url(secret_url).set(port=1).render_as_string(hide_password=False)
    suite = write(tmp_path, "orders.yml", MIXED)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", dead, "--log-format", "json", "--log-file", log]
    proc = run_dqcheck([*args, "--format", "json"], env={**USER_ENV, "DQCHECK_URL": None})
    assert proc.returncode == 3, describe(proc)
    text = log.read_text()
    assert_no_secret(text, proc.stdout, proc.stderr)
    results = [x for x in parse_lines(text) if x["event"] == "check_result"]
    assert len(results) == len(MIXED_EXPECTED)
    assert {r["status"] for r in results} == {"error"}


def test_without_log_config_only_warnings_reach_stderr(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    result = invoke(["run", suite, "--url", orders_db, "--format", "json"], 3)
    strict_json(result.stdout)
    assert "run_start" not in result.stderr and "INFO" not in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--log-file", "{tmp}/no/such/dir/dq.log"], "--log-file"),
        (["--log-format", "yaml"], "--log-format"),
    ],
    ids=["missing_folder", "bad_format"],
)
def test_bad_log_flags_are_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = invoke(["run", suite, "--url", "postgresql://nobody@127.0.0.1:1/x", *args], 2)
    assert words in result.stderr


@pytest.mark.parametrize(
    "section",
    [{"format": "xml"}, {"format": "json", "path": "x.log"}, "json"],
    ids=["format", "unknown_key", "not_mapping"],
)
def test_bad_log_config_is_exit_2(tmp_path: Path, section: Any) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    dead = "postgresql://nobody@127.0.0.1:1/x"
    conf = project_config(tmp_path, dead, log=section)
    result = invoke(["run", suite, "--url", dead, "--config", conf], 2)
    assert "log" in result.stderr
