"""Report files (SPEC section 4) from one real PostgreSQL run of two suites whose checks end in
every status: the JUnit XML (parsed with ElementTree), the Markdown, the JSON file and the
``--format json`` stdout all tell the same story as the run's summary and exit code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import invoke, strict_json

pytestmark = pytest.mark.postgres

# alpha: 2 pass, 1 warn, 2 fail.
ALPHA = """\
suite: alpha
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: thin_load, type: row_count, table: orders, warn: {min: 100}}
  - {name: customer_not_null, type: null_count, table: orders, column: customer_id}
  - {name: status_ok, type: accepted_values, table: orders, column: status, values: [paid, new]}
  - {name: amount_avg, type: aggregate, table: orders, expression: avg(amount), min: 1}
"""
# beta: 1 pass, 1 warn, 1 fail, 2 error. The failing rows carry XML and Markdown specials.
BETA = """\
suite: beta
checks:
  - {name: missing_table, type: row_count, table: no_such_table}
  - {name: bad_sql, type: threshold, sql: "SELECT 1 / 0", max: 1}
  - {name: amount_max, type: threshold, sql: "SELECT max(amount) FROM orders", max: 1000}
  - name: refunded_orders
    type: failing_rows
    sql: "SELECT id, 'x|y <&> \\"q\\"' AS note FROM orders WHERE status = 'refunded'"
  - {name: fresh, type: freshness, table: orders, column: updated_at, max_age: 6h,
     warn: {max_age: 2h}}
"""
EXPECTED = {
    "alpha.has_rows": "pass",
    "alpha.thin_load": "warn",
    "alpha.customer_not_null": "fail",
    "alpha.status_ok": "fail",
    "alpha.amount_avg": "pass",
    "beta.missing_table": "error",
    "beta.bad_sql": "error",
    "beta.amount_max": "pass",
    "beta.refunded_orders": "fail",
    "beta.fresh": "warn",
}
SUMMARY = {"total": 10, "pass": 3, "warn": 2, "fail": 3, "error": 2}
SUMMARY_LINE = re.compile(
    r"(\d+) checks?: (\d+) pass, (\d+) warn, (\d+) fail, (\d+) error in [\d.]+s"
)


def _execute(url: str, *statements: str) -> None:
    pgserver.execute(url, *statements)


@pytest.fixture
def shop(pg_db: str) -> str:
    """Four orders: one without a customer, one refunded; the newest updated 3 hours ago."""
    _execute(
        pg_db,
        "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, status text,"
        " amount numeric(10, 2), updated_at timestamptz)",
        "INSERT INTO orders VALUES"
        " (1, 10, 'paid', 20.00, now() - interval '5 hours'),"
        " (2, NULL, 'paid', 30.00, now() - interval '4 hours'),"
        " (3, 11, 'new', 40.00, now() - interval '3 hours'),"
        " (4, 12, 'refunded', 50.00, now() - interval '6 hours')",
    )
    return pg_db


@dataclass
class Run:
    code: int
    stdout: dict[str, Any]
    json_file: dict[str, Any]
    junit: ET.Element
    markdown: str


def run_all(tmp_path: Path, url: str, suites: dict[str, str], code: int) -> Run:
    """Run the suites once with every report file and JSON on stdout."""
    paths = []
    for name, text in suites.items():
        path = tmp_path / f"{name}.yml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    files = {k: tmp_path / f"report.{k}" for k in ("json", "xml", "md")}
    result = invoke(
        [
            "run",
            *paths,
            "--url",
            url,
            "--format",
            "json",
            "--json",
            files["json"],
            "--junit",
            files["xml"],
            "--markdown",
            files["md"],
        ],
        code,
    )
    return Run(
        code=result.exit_code,
        stdout=strict_json(result.stdout),
        json_file=strict_json(files["json"].read_text(encoding="utf-8")),
        junit=ET.fromstring(files["xml"].read_bytes()),
        markdown=files["md"].read_text(encoding="utf-8"),
    )


@pytest.fixture
def run(tmp_path: Path, shop: str) -> Run:
    return run_all(tmp_path, shop, {"alpha": ALPHA, "beta": BETA}, 3)


def statuses(record: dict[str, Any]) -> dict[str, str]:
    return {f"{c['suite']}.{c['name']}": c["status"] for c in record["checks"]}


# -- the run itself -------------------------------------------------------------------------------


def test_the_run_ends_as_designed(run: Run) -> None:
    assert statuses(run.stdout) == EXPECTED
    assert run.stdout["summary"] == SUMMARY
    assert run.stdout["status"] == "error"
    assert run.stdout["exit_code"] == run.code == 3


# -- JUnit ----------------------------------------------------------------------------------------


def cases_of(suite: ET.Element) -> list[ET.Element]:
    return suite.findall("testcase")


def test_junit_one_testsuite_per_suite(run: Run) -> None:
    root = run.junit
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["alpha", "beta"]
    for suite in suites:
        names = [f"{suite.get('name')}.{c.get('name')}" for c in cases_of(suite)]
        assert names == [n for n in EXPECTED if n.startswith(f"{suite.get('name')}.")]
        assert int(suite.get("tests", "-1")) == len(names)


def test_junit_counts_match_the_summary(run: Run) -> None:
    root = run.junit
    summary = run.stdout["summary"]
    suites = root.findall("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        cases = cases_of(suite)
        failures = sum(c.find("failure") is not None for c in cases)
        errors = sum(c.find("error") is not None for c in cases)
        assert int(suite.get("failures", "-1")) == failures
        assert int(suite.get("errors", "-1")) == errors
        total["tests"] += int(suite.get("tests", "-1"))
        total["failures"] += failures
        total["errors"] += errors
    assert total == {
        "tests": summary["total"],
        "failures": summary["fail"],
        "errors": summary["error"],
    }
    # the root element, when it counts, counts the same
    for attr, value in total.items():
        if root.get(attr) is not None:
            assert int(root.get(attr, "-1")) == value, attr


def test_junit_status_elements(run: Run) -> None:
    for suite in run.junit.findall("testsuite"):
        for case in cases_of(suite):
            status = EXPECTED[f"{suite.get('name')}.{case.get('name')}"]
            failures, errors = case.findall("failure"), case.findall("error")
            out = case.find("system-out")
            if status == "fail":
                assert len(failures) == 1 and not errors
                assert failures[0].get("message")
            elif status == "error":
                assert len(errors) == 1 and not failures
                assert errors[0].get("message")
            else:
                assert not failures and not errors
            if status == "warn":
                assert out is not None and (out.text or "").strip()
            if status == "pass":
                assert out is None


def test_junit_error_and_failure_say_why(run: Run) -> None:
    cases = {
        f"{s.get('name')}.{c.get('name')}": c
        for s in run.junit.findall("testsuite")
        for c in cases_of(s)
    }
    error = cases["beta.missing_table"].find("error")
    assert error is not None and "no_such_table" in (error.get("message") or "")
    failure = cases["beta.refunded_orders"].find("failure")
    assert failure is not None
    # special characters from the data survive the XML round trip
    assert 'x|y <&> "q"' in (failure.get("message") or "") + (failure.text or "")


def test_junit_times_are_floats(run: Run) -> None:
    root = run.junit
    elements = [root, *root.findall("testsuite"), *root.iter("testcase")]
    for element in elements:
        time = element.get("time")
        if element.tag == "testsuites" and time is None:
            continue
        assert time is not None, element.tag
        assert float(time) >= 0
    for suite in root.findall("testsuite"):
        if suite.get("timestamp"):
            datetime.fromisoformat(suite.get("timestamp", ""))


def test_junit_all_pass(tmp_path: Path, shop: str) -> None:
    run = run_all(
        tmp_path, shop, {"ok": "checks:\n  - {name: rows, type: row_count, table: orders}\n"}, 0
    )
    (suite,) = run.junit.findall("testsuite")
    assert suite.get("name") == "ok"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    (case,) = cases_of(suite)
    assert list(case) == []


# -- Markdown -------------------------------------------------------------------------------------


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of each table row after the header and separator (unescaped pipes split)."""
    lines = [ln for ln in markdown.splitlines() if ln.startswith("|")]
    assert len(lines) >= 2, markdown
    header, separator, *rows = lines
    assert "check" in header and set(separator.replace("|", "").strip()) <= set("-: ")
    width = len(re.split(r"(?<!\\)\|", header))
    cells = [re.split(r"(?<!\\)\|", row) for row in rows]
    for row, line in zip(cells, rows, strict=True):
        assert len(row) == width, f"a cell broke the table: {line}"
    return [[c.strip() for c in row[1:-1]] for row in cells]


def test_markdown_has_a_row_per_check(run: Run) -> None:
    rows = table_rows(run.markdown)
    assert len(rows) == SUMMARY["total"]
    for check, status in EXPECTED.items():
        matching = [row for row in rows if any(f"`{check}`" in cell for cell in row)]
        assert len(matching) == 1, check
        assert any(status in cell for cell in matching[0]), (check, matching[0])


def test_markdown_names_every_failing_and_erroring_check(run: Run) -> None:
    table = {ln for ln in run.markdown.splitlines() if ln.startswith("|")}
    outside_table = "\n".join(ln for ln in run.markdown.splitlines() if ln not in table)
    for check, status in EXPECTED.items():
        if status in ("fail", "error"):
            assert check in outside_table, f"{check} ({status}) missing from the summary"


def test_markdown_summary(run: Run) -> None:
    match = SUMMARY_LINE.search(run.markdown)
    assert match, run.markdown
    total, passed, warned, failed, errored = map(int, match.groups())
    assert {"total": total, "pass": passed, "warn": warned, "fail": failed, "error": errored} == (
        SUMMARY
    )
    assert "exit code 3" in run.markdown


# -- all reports agree ----------------------------------------------------------------------------


def test_every_report_agrees_on_the_summary(run: Run) -> None:
    summary = run.stdout["summary"]
    assert run.json_file["summary"] == summary
    assert statuses(run.json_file) == statuses(run.stdout)
    assert run.json_file["exit_code"] == run.stdout["exit_code"] == run.code
    assert run.json_file["status"] == run.stdout["status"]

    junit_cases = list(run.junit.iter("testcase"))
    assert len(junit_cases) == summary["total"]
    assert sum(c.find("failure") is not None for c in junit_cases) == summary["fail"]
    assert sum(c.find("error") is not None for c in junit_cases) == summary["error"]
    clean = [c for c in junit_cases if c.find("failure") is None and c.find("error") is None]
    assert len(clean) == summary["pass"] + summary["warn"]

    match = SUMMARY_LINE.search(run.markdown)
    assert match
    assert [int(g) for g in match.groups()] == [
        summary[k] for k in ("total", "pass", "warn", "fail", "error")
    ]
    rows = table_rows(run.markdown)
    for status in ("pass", "warn", "fail", "error"):
        assert sum(status in row[0] for row in rows) == summary[status], status


def test_json_numbers_and_bounds(run: Run) -> None:
    checks = {f"{c['suite']}.{c['name']}": c for c in run.stdout["checks"]}
    assert checks["alpha.has_rows"]["value"] == 4
    assert checks["alpha.customer_not_null"]["value"] == 1
    assert checks["alpha.amount_avg"]["value"] == pytest.approx(35)
    assert checks["beta.fresh"]["value"] > 2 * 3600  # seconds, a JSON number
    assert checks["beta.missing_table"]["value"] is None
    assert checks["beta.missing_table"]["error"]
    assert checks["beta.refunded_orders"]["rows"] == [{"id": 4, "note": 'x|y <&> "q"'}]
    assert checks["alpha.thin_load"]["bounds"] == {"fail": {"min": 1}, "warn": {"min": 100}}
