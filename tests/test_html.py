"""The HTML report (SPEC section 11): one self-contained page, every user string escaped, each
check's trend an inline SVG with its bounds drawn; ``dqcheck report --html`` and ``run --html``
with their exit codes; history tables made by an older dqcheck; and the page in real headless
Chromium (its DOM and a screenshot)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import invoke, strict_json

from dqcheck.report import render
from dqcheck.report.html import render as render_html
from dqcheck.report.svg import Point, Trend, y_range
from dqcheck.results import Bounds, CheckResult, RunResult, Status

ROOT = Path(__file__).parent.parent
CHROMIUM_TIMEOUT = 120
EVIL = "<script>alert('x')</script>"


class Dom(HTMLParser):
    """The elements of a page as (tag, attributes) in order, and its text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()]


def result(checks: list[CheckResult]) -> RunResult:
    start = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
    return RunResult(checks, start, start + timedelta(seconds=2), connection="sqlite:///shop.db")


def check(name: str = "rows", status: Status = Status.PASS, **kw: Any) -> CheckResult:
    fields: dict[str, Any] = {
        "table": "orders",
        "value": 10,
        "fail_bounds": Bounds(min=1),
        "expectation": ">= 1",
    }
    return CheckResult("shop", name, "row_count", status=status, **{**fields, **kw})


def trend(values: list[float | None], **kw: Any) -> Trend:
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    points = [
        Point(start + timedelta(days=i), v, Status.PASS if v else Status.ERROR, str(v), **kw)
        for i, v in enumerate(values)
    ]
    return Trend(points)


# -- rendering ------------------------------------------------------------------------------------


def test_every_user_string_is_escaped_and_a_script_in_it_is_inert() -> None:
    evil = check(
        f"rows{EVIL}",
        Status.FAIL,
        table=f"orders{EVIL}",
        message=f"bad {EVIL}",
        sql=f"SELECT '{EVIL}' AS x",
        samples=[{"note": EVIL, "id": 1}, {"note": None, "id": 2}],
        expectation=f">= 1 {EVIL}",
        value_text=EVIL,
    )
    page = render_html(result([evil]), trends={evil.id: trend([5, 6], message=EVIL)}, note=EVIL)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    text = "".join(Dom(page).text)
    assert f"shop.rows{EVIL}" in text  # shown to the reader as written
    assert f"SELECT '{EVIL}' AS x" in text
    assert "NULL" in text  # a NULL sample cell


def test_the_page_references_nothing_outside_itself() -> None:
    page = render_html(
        result([check(), check("late", Status.WARN)]), trends={"shop.rows": trend([3, 4])}
    )
    assert "http://" not in page and "https://" not in page
    links = [a for _, a in Dom(page).elements for k in ("src", "href") if k in a]
    assert links and all(a.get("href", "").startswith("#") and "src" not in a for a in links)
    assert "@import" not in page and "url(" not in page


def test_statuses_read_without_colour() -> None:
    statuses = [Status.PASS, Status.WARN, Status.FAIL, Status.ERROR]
    page = render_html(result([check(f"c{i}", s) for i, s in enumerate(statuses)]))
    for icon, word in (("✔", "pass"), ("▲", "warn"), ("✖", "fail"), ("⚠", "error")):
        assert f"{icon} {word}" in "".join(Dom(page).text)
    assert "ERROR" in page  # the run's status in the header


def test_a_trend_draws_its_bounds_as_bands_and_one_mark_per_run() -> None:
    t = trend([900, 950, None, 1020], fail=Bounds(min=800), warn=Bounds(min=1000))
    dom = Dom(render_html(result([check()]), trends={"shop.rows": t}))
    assert len(dom.having("svg", "trend")) == 1
    assert dom.having("rect", "band") and dom.having("rect", "warn")
    assert len(dom.having("g", "mark")) == 4
    assert len(dom.having("g", "error")) == 1  # the run that could not be measured


def test_an_expected_range_is_drawn_as_a_band() -> None:
    t = trend([10, 12, 30], expected=(8.0, 14.0))
    dom = Dom(render_html(result([check()]), trends={"shop.rows": t}))
    assert dom.having("rect", "expected")


def test_no_trend_and_no_runs_are_said() -> None:
    page = render_html(result([check()]))
    assert "No trend" in page and "<svg" not in page
    start = datetime(2026, 11, 30, tzinfo=timezone.utc)
    empty = render_html(RunResult([], start, start))
    assert "no runs yet" in empty


def test_the_html_format_is_registered() -> None:
    assert render("html", result([check()])).startswith("<!DOCTYPE html>")


def test_the_y_axis_shows_near_bounds_and_leaves_far_ones_to_the_edge() -> None:
    near = [
        Point(datetime(2026, 1, i, tzinfo=timezone.utc), v, Status.PASS)
        for i, v in ((1, 100.0), (2, 120.0))
    ]
    low, high, ticks = y_range(
        [Point(p.when, p.value, p.status, fail=Bounds(max=150)) for p in near]
    )
    assert high >= 150 and ticks[0] == low and ticks[-1] == high
    low, _, _ = y_range([Point(p.when, p.value, p.status, fail=Bounds(min=1)) for p in near])
    assert low > 1  # a bound far below the values would flatten them


# -- the command line -----------------------------------------------------------------------------


def make_demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    subprocess.run(
        [sys.executable, str(ROOT / "demo" / "make_demo_db.py"), "--output", str(db)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return db


def more_orders(db: Path, n: int) -> None:
    """Add ``n`` orders (every third cancelled) so that the trends move between runs."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO orders (id, customer_id, status, amount, currency, created_at, "
            "updated_at) SELECT id + 100000 + (SELECT MAX(id) FROM orders), customer_id, "
            "CASE WHEN id % 3 = 0 THEN 'cancelled' ELSE status END, amount, currency, "
            "created_at, updated_at FROM orders WHERE id <= ?",
            (n,),
        )
    conn.close()


def demo_runs(db: Path, history: str, runs: int, *extra: str) -> None:
    for i in range(runs):
        invoke(
            [
                "run",
                ROOT / "checks",
                "--url",
                f"sqlite:///{db}",
                "--history",
                history,
                "-q",
                *extra,
            ],
            1,
        )
        more_orders(db, 20 + 7 * i)


def test_report_without_a_history_is_exit_2() -> None:
    result = invoke(["report", "--html", "out.html"], 2)
    assert "no history configured" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_of_an_unreachable_history_is_exit_3(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    history = "postgresql://dq:secret@127.0.0.1:1/history"
    result = invoke(["report", "--html", out, "--history", history], 3)
    assert "cannot read the history" in result.stderr and "secret" not in result.stderr
    assert not out.exists()


def test_report_of_an_empty_history_says_so(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    invoke(["report", "--html", out, "--history", f"sqlite:///{tmp_path / 'h.db'}"], 0)
    assert "no runs yet" in out.read_text()


def test_report_that_cannot_be_written_is_exit_3(tmp_path: Path) -> None:
    db = make_demo(tmp_path)
    history = f"sqlite:///{tmp_path / 'h.db'}"
    demo_runs(db, history, 1)
    result = invoke(["report", "--html", "/proc/version", "--history", history], 3)
    assert "could not write --html /proc/version" in result.stderr


def test_report_from_the_project_config_and_limit(tmp_path: Path) -> None:
    db = make_demo(tmp_path)
    history = tmp_path / "state" / "h.db"
    demo_runs(db, f"sqlite:///{history}", 3)
    config = tmp_path / "dqcheck.yml"
    config.write_text("history: {url: 'sqlite:///state/h.db'}\n")
    out = tmp_path / "report.html"
    invoke(["report", "--html", out, "--config", config, "--limit", "2"], 0)
    dom = Dom(out.read_text())
    rows = dom.having("tr", "check")
    assert len(rows) == 19
    assert len(dom.having("g", "mark")) == 19 * 2


def test_run_html_adds_this_run_to_the_trends_and_writes_the_other_reports(
    tmp_path: Path,
) -> None:
    db = make_demo(tmp_path)
    history = f"sqlite:///{tmp_path / 'h.db'}"
    demo_runs(db, history, 2)
    page, report = tmp_path / "run.html", tmp_path / "run.json"
    invoke(
        [
            "run",
            ROOT / "checks",
            "--url",
            f"sqlite:///{db}",
            "--history",
            history,
            "--html",
            page,
            "--json",
            report,
        ],
        1,
    )
    dom = Dom(page.read_text())
    assert len(dom.having("svg", "trend")) == 19
    assert len(dom.having("g", "mark")) == 19 * 3  # two runs before, this one last, once
    assert strict_json(report.read_text())["summary"]["total"] == 19


def test_run_html_without_a_history_and_an_unwritable_page(tmp_path: Path) -> None:
    db = make_demo(tmp_path)
    page, report = tmp_path / "run.html", tmp_path / "run.json"
    invoke(["run", ROOT / "checks", "--url", f"sqlite:///{db}", "--html", page], 1)
    assert "No history configured" in page.read_text()
    result = invoke(
        [
            "run",
            ROOT / "checks",
            "--url",
            f"sqlite:///{db}",
            "--html",
            "/proc/version",
            "--json",
            report,
        ],
        3,
    )
    assert "could not write --html /proc/version" in result.stderr
    assert strict_json(report.read_text())["exit_code"] == 1  # the other report is written


# -- history tables made by an older dqcheck ------------------------------------------------------


def old_history(url: str) -> None:
    """A ``dqcheck_results`` table as dqcheck made it before ``details``, with one run."""
    from sqlalchemy import create_engine

    from dqcheck.monitor.history import _table

    table = _table(details=False)
    engine = create_engine(url)
    try:
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                table.insert(),
                [
                    {
                        "run_id": "old",
                        "started_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
                        "suite": "orders",
                        "check_name": "orders_has_rows",
                        "type": "row_count",
                        "table_name": "orders",
                        "status": "pass",
                        "value": 1400.0,
                        "measure": 1400.0,
                        "duration_seconds": 0.1,
                        "message": "",
                    }
                ],
            )
    finally:
        engine.dispose()


def check_old_history_upgrades(tmp_path: Path, history: str) -> None:
    old_history(history)
    invoke(["history", "--history", history, "--format", "json"], 0)  # reads the old shape
    db = make_demo(tmp_path)
    demo_runs(db, history, 1)
    out = tmp_path / "report.html"
    invoke(["report", "--html", out, "--history", history], 0)
    page = out.read_text()
    marks = re.findall(r'<g class="mark (\w+)', page.split('id="check-6"')[1].split("</svg>")[0])
    assert len(marks) == 2, marks  # orders_has_rows: the old run, then the new one
    assert len(Dom(page).having("rect", "band")) >= 19  # the new run's bounds are drawn


def test_an_old_sqlite_history_gets_the_new_column(tmp_path: Path) -> None:
    check_old_history_upgrades(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_an_old_postgresql_history_gets_the_new_column(tmp_path: Path, pg_db: str) -> None:
    check_old_history_upgrades(tmp_path, pg_db)


# -- in a real browser ----------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (apt-get install chromium)"
    pgserver.unavailable(reason)


def browse(tmp_path: Path, *args: str) -> str:
    """Headless Chromium with ``args``, killed with its children past CHROMIUM_TIMEOUT."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish within {CHROMIUM_TIMEOUT}s: {command}")
    assert proc.returncode == 0, err[-2000:]
    return out


def test_the_report_in_headless_chromium(tmp_path: Path) -> None:
    db = make_demo(tmp_path)
    history = f"sqlite:///{tmp_path / 'history.db'}"
    demo_runs(db, history, 10)
    page = tmp_path / "report.html"
    invoke(["report", "--html", page, "--history", history], 0)
    url = page.resolve().as_uri()

    dom = Dom(browse(tmp_path, "--dump-dom", url))
    assert not [a for t, a in dom.elements if t == "script"]
    rows = dom.having("tr", "check")
    assert len(rows) == 19  # one row per check of checks/
    charts = dom.having("svg", "trend")
    assert len(charts) == 19  # every check has a history
    assert len(dom.having("g", "mark")) == 19 * 10
    assert len(dom.having("rect", "band")) >= 19
    assert dom.having("rect", "warn")  # warn bounds drawn inside the fail bounds
    text = "".join(dom.text)
    assert "✖ fail" in text and "▲ warn" in text and "✔ pass" in text
    assert "refunded?" in text  # a failing check's samples

    shot = tmp_path / "report.png"
    browse(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
