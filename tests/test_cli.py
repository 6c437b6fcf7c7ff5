"""The command line in process (CliRunner): help, validate, dry-run, list, schema, selection,
report files, quiet and plain output, and runs against a small SQLite file."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import dqcheck_executable, invoke, run_json, strict_json

from dqcheck import __version__

ANSI = "\x1b["
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"

SHOP = """\
suite: shop
tags: [daily]
vars:
  ds: "2020-01-01"
checks:
  - name: has_rows
    type: row_count
    table: orders
  - name: email_not_null
    type: null_count
    table: orders
    column: email
    max: 5
    warn: {max: 0}
    tags: [core]
  - name: avg_amount
    type: aggregate
    table: orders
    expression: avg(amount)
    min: 1
    max: 100
  - name: status_ok
    type: accepted_values
    table: orders
    column: status
    values: [new, paid]
    tags: [core]
  - name: recent_orders
    type: row_count
    table: orders
    where: "created_at >= :ds"
"""
# Against the database below: has_rows 4 pass, email_not_null 1 warn, avg_amount 25 pass,
# status_ok 1 fail ('refunded'), recent_orders 3 pass (created_at >= 2020-01-01).
EXPECTED = {
    "has_rows": ("pass", 4),
    "email_not_null": ("warn", 1),
    "avg_amount": ("pass", 25),
    "status_ok": ("fail", 1),
    "recent_orders": ("pass", 3),
}

ALL_PASS = """\
suite: clean
checks:
  - name: has_rows
    type: row_count
    table: orders
  - name: id_not_null
    type: null_count
    table: orders
    column: id
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "CREATE TABLE orders"
            " (id INTEGER, email TEXT, amount REAL, status TEXT, created_at TEXT)"
        )
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
            [
                (1, "a@example.com", 10, "new", "2019-06-01"),
                (2, "b@example.com", 20, "paid", "2020-02-01"),
                (3, None, 30, "paid", "2021-03-01"),
                (4, "d@example.com", 40, "refunded", "2022-04-01"),
            ],
        )
    conn.close()
    return path


@pytest.fixture
def url(db: Path) -> str:
    return f"sqlite:///{db}"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yml"
    path.write_text(SHOP, encoding="utf-8")
    return path


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    path = tmp_path / "clean.yml"
    path.write_text(ALL_PASS, encoding="utf-8")
    return path


def names(report: dict) -> list[str]:
    return [c["name"] for c in report["checks"]]


def sql_blocks(stdout: str) -> list[tuple[list[str], str]]:
    """--dry-run output as (comment lines, SQL text) per query."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", stdout.strip()):
        lines = chunk.splitlines()
        comments = [ln for ln in lines if ln.startswith("--")]
        sql = "\n".join(ln for ln in lines if not ln.startswith("--"))
        if any(ln.startswith("-- query") for ln in comments):
            blocks.append((comments, sql))
    return blocks


# -- the helper itself ---------------------------------------------------------------------------


def test_invoke_reraises_a_crash_instead_of_comparing_exit_codes(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dqcheck.api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom inside the library")

    monkeypatch.setattr(dqcheck.api, "prepare", boom)
    # without the re-raise, the CLI's catch-all would turn this into exit 3 and pass
    with pytest.raises(RuntimeError, match="boom inside the library"):
        invoke(["validate", str(shop)], 3)


def test_invoke_shows_the_output_on_a_wrong_exit_code(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"
    with pytest.raises(AssertionError) as info:
        invoke(["validate", str(missing)], 0)
    assert "exit code 2" in str(info.value)
    assert str(missing) in str(info.value)  # stderr is in the message


# -- version and help -----------------------------------------------------------------------------


def test_version() -> None:
    result = invoke(["--version"], 0)
    assert result.stdout.strip() == f"dqcheck {__version__}"


def _command_names() -> list[str]:
    from dqcheck.cli import cli

    return sorted(cli.commands)


def test_the_documented_commands_exist() -> None:
    assert {"run", "validate", "list", "ping", "has-rows", "schema"} <= set(_command_names())


def test_group_help_lists_every_command() -> None:
    result = invoke(["--help"], 0)
    assert "Usage: dqcheck" in result.stdout
    for name in _command_names():
        assert re.search(rf"^\s+{re.escape(name)}\s", result.stdout, re.M), name


@pytest.mark.parametrize("name", _command_names())
def test_help_of_every_command(name: str) -> None:
    result = invoke([name, "--help"], 0)
    assert f"Usage: dqcheck {name}" in result.stdout
    assert "--help" in result.stdout
    assert result.stderr == ""


def test_run_help_names_the_documented_options() -> None:
    out = invoke(["run", "--help"], 0).stdout
    for option in (
        "--url",
        "--var",
        "--select",
        "--tag",
        "--format",
        "--json",
        "--jobs",
        "--timeout",
        "--fail-on",
        "--dry-run",
        "--quiet",
    ):
        assert option in out, option


def test_no_command_is_a_usage_error_not_a_crash() -> None:
    result = invoke(["no-such-command"], 2)
    assert "no-such-command" in result.stderr


# -- validate -------------------------------------------------------------------------------------


def test_validate_needs_no_database(shop: Path) -> None:
    # An unreachable URL proves nothing is contacted.
    result = invoke(["validate", str(shop), "--url", UNREACHABLE], 0)
    assert "1 suite" in result.stdout
    assert "5 checks" in result.stdout
    assert result.stderr == ""


def test_validate_folder_of_suites(shop: Path, clean: Path) -> None:
    result = invoke(["validate", str(shop.parent)], 0)
    assert "2 suites" in result.stdout
    assert "7 checks" in result.stdout


def test_validate_reports_an_invalid_suite(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("checks:\n  - name: x\n    type: row_cont\n    table: t\n", encoding="utf-8")
    result = invoke(["validate", str(bad)], 2)
    assert str(bad) in result.stderr
    assert "row_count" in result.stderr  # the suggestion
    assert result.stdout == ""


def test_var_without_equals_is_a_usage_error(shop: Path) -> None:
    result = invoke(["validate", str(shop), "--var", "ds"], 2)
    assert "--var" in result.stderr


# -- dry run --------------------------------------------------------------------------------------


def test_dry_run_groups_scan_checks_into_one_query(shop: Path) -> None:
    result = invoke(["run", str(shop), "--dry-run"], 0)
    blocks = sql_blocks(result.stdout)
    # four checks on orders without a filter share one SELECT; the filtered one has its own
    assert len(blocks) == 2, result.stdout
    unfiltered = [b for b in blocks if "WHERE" not in b[1].upper()]
    assert len(unfiltered) == 1, result.stdout
    comments, sql = unfiltered[0]
    for name in ("has_rows", "email_not_null", "avg_amount", "status_ok"):
        assert f"shop.{name}" in "\n".join(comments)
    assert sql.upper().count("SELECT") == 1
    assert sql.upper().count("FROM ORDERS") == 1
    # every query's SQL is printed exactly once
    assert result.stdout.upper().count("FROM ORDERS") == 2


def test_dry_run_binds_variables_instead_of_pasting_them(shop: Path) -> None:
    value = "2031-05-06' OR '1'='1"
    result = invoke(["run", str(shop), "--dry-run", "--var", f"ds={value}"], 0)
    blocks = sql_blocks(result.stdout)
    (filtered,) = [b for b in blocks if "WHERE" in b[1].upper()]
    _, sql = filtered
    assert re.search(r":ds\w*", sql), sql
    assert "2031-05-06" not in sql
    for _, text in blocks:
        assert "2031-05-06" not in text


def test_dry_run_makes_no_connection(shop: Path) -> None:
    result = invoke(["run", str(shop), "--dry-run", "--url", UNREACHABLE], 0)
    assert "SELECT" in result.stdout.upper()


def test_dry_run_needs_no_connection_configured(shop: Path) -> None:
    invoke(["run", str(shop), "--dry-run"], 0)


def test_dry_run_of_an_invalid_suite_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("checks: []\n", encoding="utf-8")
    invoke(["run", str(bad), "--dry-run"], 2)


# -- list and schema ------------------------------------------------------------------------------


def test_list_text(shop: Path) -> None:
    result = invoke(["list", str(shop)], 0)
    lines = result.stdout.strip().splitlines()
    header = lines[0].split()
    assert header == ["suite", "name", "type", "table", "tags"]
    assert len(lines) == 1 + 5
    row = next(ln for ln in lines if " status_ok " in f" {ln} ")
    assert row.split()[:4] == ["shop", "status_ok", "accepted_values", "orders"]
    assert "core" in row and "daily" in row


def test_list_json(shop: Path) -> None:
    result = invoke(["list", str(shop), "--format", "json"], 0)
    rows = strict_json(result.stdout)
    assert [r["name"] for r in rows] == list(EXPECTED)
    by_name = {r["name"]: r for r in rows}
    assert by_name["avg_amount"] == {
        "suite": "shop",
        "name": "avg_amount",
        "type": "aggregate",
        "table": "orders",
        "tags": ["daily"],
    }
    assert set(by_name["status_ok"]["tags"]) == {"daily", "core"}


def test_list_is_filtered_like_run(shop: Path) -> None:
    result = invoke(["list", str(shop), "--format", "json", "--tag", "core"], 0)
    assert [r["name"] for r in strict_json(result.stdout)] == ["email_not_null", "status_ok"]


def test_schema_is_json_naming_every_check_type() -> None:
    from dqcheck.checks import REGISTRY

    result = invoke(["schema"], 0)
    schema = strict_json(result.stdout)
    assert isinstance(schema, dict)
    assert "checks" in json.dumps(schema.get("properties", {}))
    text = json.dumps(schema)
    assert len(REGISTRY) >= 10
    for type_name in REGISTRY:
        assert f'"{type_name}"' in text, type_name


# -- selection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "selected"),
    [
        (["--select", "shop.has_rows"], ["has_rows"]),
        (["--select", "*_not_null"], ["email_not_null"]),
        (["--select", "shop.*amount*"], ["avg_amount"]),
        (["--select", "has_rows", "--select", "status_ok"], ["has_rows", "status_ok"]),
        (["--tag", "core"], ["email_not_null", "status_ok"]),
        (["--tag", "daily"], list(EXPECTED)),  # the suite's tag is inherited
        (["--tag", "core", "--tag", "nope"], ["email_not_null", "status_ok"]),
        # select AND tag
        (["--select", "*o*", "--tag", "core"], ["email_not_null", "status_ok"]),
        (["--select", "has_rows", "--select", "status_ok", "--tag", "core"], ["status_ok"]),
    ],
)
def test_select_and_tag(shop: Path, url: str, options: list[str], selected: list[str]) -> None:
    code = 1 if "status_ok" in selected else 0
    report = run_json([shop, "--url", url, *options], code)
    assert names(report) == selected
    assert report["summary"]["total"] == len(selected)


@pytest.mark.parametrize(
    "options",
    [
        ["--select", "nothing_*"],
        ["--tag", "weekly"],
        ["--select", "has_rows", "--tag", "core"],  # each matches something, together nothing
    ],
)
def test_selection_matching_nothing_is_a_usage_error(
    shop: Path, url: str, options: list[str]
) -> None:
    result = invoke(["run", str(shop), "--url", url, *options], 2)
    assert "no checks match" in result.stderr
    assert result.stdout == ""
    invoke(["run", str(shop), "--dry-run", *options], 2)


# -- runs on SQLite -------------------------------------------------------------------------------


def test_sqlite_run_text_report(shop: Path, url: str) -> None:
    result = invoke(["run", str(shop), "--url", url], 1)
    out = result.stdout
    for name, (status, value) in EXPECTED.items():
        row = next(ln for ln in out.splitlines() if f"shop.{name} " in ln)
        assert row.split()[0] == status.upper(), row
        assert re.search(rf"\b{value}\b", row), row
    assert "5 checks: 3 pass, 1 warn, 1 fail, 0 error" in out


def test_sqlite_run_json_report(shop: Path, url: str) -> None:
    report = run_json([shop, "--url", url], 1)
    assert report["status"] == "fail"
    assert report["exit_code"] == 1
    got = {c["name"]: (c["status"], c["value"]) for c in report["checks"]}
    assert got == EXPECTED
    assert report["summary"] == {"total": 5, "pass": 3, "warn": 1, "fail": 1, "error": 0}


def test_sqlite_all_pass_exits_0(clean: Path, url: str) -> None:
    result = invoke(["run", str(clean), "--url", url], 0)
    assert "2 checks: 2 pass, 0 warn, 0 fail, 0 error" in result.stdout


def test_var_overrides_suite_default(shop: Path, url: str) -> None:
    report = run_json([shop, "--url", url, "--select", "recent_orders", "--var", "ds=2021-01-01"])
    assert report["checks"][0]["value"] == 2


def test_var_value_is_not_sql(shop: Path, url: str) -> None:
    # pasted, this would count every row; bound, it is just a string no date reaches
    report = run_json(
        [shop, "--url", url, "--select", "recent_orders", "--var", "ds=z' OR '1'='1"], 1
    )
    assert report["checks"][0]["value"] == 0


def test_missing_sqlite_table_is_an_error_not_a_pass(tmp_path: Path, url: str) -> None:
    suite = tmp_path / "gone.yml"
    suite.write_text(
        "checks:\n  - name: has_rows\n    type: row_count\n    table: no_such_table\n",
        encoding="utf-8",
    )
    result = invoke(["run", str(suite), "--url", url], 3)
    assert "ERROR" in result.stdout
    assert "no_such_table" in result.stdout


def test_url_from_environment(clean: Path, url: str) -> None:
    invoke(["run", str(clean)], 0, env={"DQCHECK_URL": url})


def test_no_connection_configured_is_a_usage_error(clean: Path) -> None:
    result = invoke(["run", str(clean)], 2)
    assert "--url" in result.stderr
    assert "DQCHECK_URL" in result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--bogus"],
        ["--jobs", "0"],
        ["--format", "xml"],
        ["--fail-on", "sometimes"],
        ["--timeout", "forever"],
    ],
)
def test_bad_options_exit_2(clean: Path, url: str, options: list[str]) -> None:
    result = invoke(["run", str(clean), "--url", url, *options], 2)
    assert options[0] in result.stderr
    assert result.stdout == ""


# -- report files ---------------------------------------------------------------------------------


def test_json_file_is_written(shop: Path, url: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = invoke(["run", str(shop), "--url", url, "--json", str(target)], 1)
    assert "5 checks:" in result.stdout  # text still goes to stdout
    report = strict_json(target.read_text(encoding="utf-8"))
    assert report["exit_code"] == 1
    assert {c["name"]: c["status"] for c in report["checks"]} == {
        k: v[0] for k, v in EXPECTED.items()
    }


def test_json_file_matches_json_stdout(clean: Path, url: str, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = invoke(["run", str(clean), "--url", url, "--format", "json", "--json", str(target)], 0)
    from_stdout = strict_json(result.stdout)
    from_file = strict_json(target.read_text(encoding="utf-8"))
    assert from_file == from_stdout


def test_json_file_in_missing_folder_fails_before_running(tmp_path: Path, url: str) -> None:
    suite = tmp_path / "gone.yml"
    # run, this would end in error (exit 3): exit 2 shows nothing was queried
    suite.write_text(
        "checks:\n  - name: has_rows\n    type: row_count\n    table: no_such_table\n",
        encoding="utf-8",
    )
    target = tmp_path / "no" / "such" / "folder" / "report.json"
    result = invoke(["run", str(suite), "--url", url, "--json", str(target)], 2)
    assert "--json" in result.stderr
    assert str(target.parent) in result.stderr
    assert result.stdout == ""
    assert not target.parent.exists()


# -- quiet and plain output -----------------------------------------------------------------------


def test_quiet_shows_only_problems_and_the_summary(shop: Path, url: str) -> None:
    result = invoke(["run", str(shop), "--url", url, "--quiet"], 1)
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert lines[-1].startswith("5 checks: 3 pass, 1 warn, 1 fail, 0 error")
    problems = [ln for ln in lines[:-1] if not ln.startswith(" ")]  # samples are indented
    assert len(problems) == 2, result.stdout
    assert any("shop.status_ok" in ln for ln in problems)
    assert any("shop.email_not_null" in ln for ln in problems)
    for passing in ("has_rows", "avg_amount", "recent_orders"):
        assert passing not in result.stdout
    assert "expectation" not in result.stdout  # no table header


def test_quiet_all_pass_prints_only_the_summary(clean: Path, url: str) -> None:
    result = invoke(["run", str(clean), "--url", url, "-q"], 0)
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("2 checks: 2 pass")


def test_text_output_is_plain_when_piped(shop: Path, url: str) -> None:
    result = invoke(["run", str(shop), "--url", url], 1)
    assert ANSI not in result.stdout
    assert ANSI not in result.stderr


def test_text_output_is_plain_with_no_color(shop: Path, url: str) -> None:
    result = invoke(["run", str(shop), "--url", url], 1, env={"NO_COLOR": "1"})
    assert ANSI not in result.stdout
    assert "5 checks:" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(("no_color", "coloured"), [(False, True), (True, False)])
def test_terminal_colour_and_no_color(shop: Path, url: str, no_color: bool, coloured: bool) -> None:
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.pop("DQCHECK_URL", None)
    env["DQCHECK_DEBUG"] = "1"
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [dqcheck_executable(), "run", str(shop), "--url", url],
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,  # progress goes there; only the report is on the terminal
            env=env,
        )
    finally:
        os.close(follower)
    out = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, stderr)
    assert b"Traceback" not in stderr, stderr
    text = out.decode("utf-8", "replace")
    assert "shop.status_ok" in text
    assert (ANSI in text) is coloured, repr(text[:300])
