"""The ``anomaly`` check type (SPEC 11) against a real history: 30 days of synthetic runs with a
weekly pattern, stored with the real ``History.append``, then real runs through ``dqcheck.api``
on SQLite and PostgreSQL tables.

The check compares with the stored runs of the *same UTC weekday as now* (``by: weekday``), by
the real clock. So that no test depends on today's weekday, the synthetic calendar is built
around today: window day ``j`` (0..13) is played by a check of its own, whose history at
``today - k days`` holds what synthetic day ``j - k`` measured. Shifting a calendar by whole
days keeps "same weekday" intact (``k`` a multiple of 7), so each check sees exactly what a run
on synthetic day ``j`` would see, whichever real weekday today is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from clitools import invoke

from dqcheck import api
from dqcheck.checks import REGISTRY, Measurement
from dqcheck.monitor.history import History, load_previous
from dqcheck.results import CheckResult, RunResult, Status, plain

#: 30 days: 4 or 5 runs of each weekday. ``by: weekday`` takes its centre from those and its
#: scale from every run's deviation from its own weekday (pooled), so a month is enough.
HISTORY_DAYS = 30
WINDOW = 14
#: The window day whose volume spikes (a weekday: 10 % 7 == 3).
SPIKE_DAY = 10
SPIKE = 3000
#: A day in the stored history with a wild value: the median and the MAD do not move.
OLD_OUTLIER_DAY = -14
OLD_OUTLIER = 9000


def is_weekend(day: int) -> bool:
    return day % 7 in (5, 6)


def volume(day: int) -> int:
    """Rows synthetic day ``day`` has: ~1,000 on weekdays, ~200 at weekends, small noise."""
    if day == SPIKE_DAY:
        return SPIKE
    if day == OLD_OUTLIER_DAY:
        return OLD_OUTLIER
    noise = random.Random(day * 7919).randint(-25, 25)
    return (200 if is_weekend(day) else 1000) + noise


@pytest.fixture
def today() -> datetime:
    """Now, away from UTC midnight (the check reads the clock again a moment later)."""
    now = datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (midnight - now).total_seconds() < 120:  # bounded: at most two minutes, rarely
        time.sleep((midnight - now).total_seconds() + 1)
        now = datetime.now(timezone.utc)
    return now


def store_runs(url: str, runs: list[tuple[datetime, list[CheckResult]]]) -> None:
    store = History(url)
    try:
        for started, checks in runs:
            store.append(RunResult(checks, started, started + timedelta(seconds=1)))
    finally:
        store.close()


def stored(suite: str, name: str, measure: float | None, status: Status = Status.PASS) -> Any:
    return CheckResult(suite, name, "anomaly", "events", status, measure=measure)


def synthetic_history(url: str, today: datetime, names: list[str]) -> None:
    """For each check ``names[j]`` (window day ``j``), ``HISTORY_DAYS`` daily runs before it."""
    store_runs(
        url,
        [
            (
                today - timedelta(days=k),
                [stored("weekly", name, volume(j - k)) for j, name in enumerate(names)],
            )
            for k in range(HISTORY_DAYS, 0, -1)
        ],
    )


def fill_events(url: str) -> None:
    """Table ``events``: ``volume(j)`` rows for each window day ``j``."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        rows = "INSERT INTO events (day) SELECT :d FROM generate_series(1, :n)"
    else:
        rows = (
            "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)"
            " INSERT INTO events (day) SELECT :d FROM g"
        )
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE events (day integer)")
            for j in range(WINDOW):
                conn.execute(sa.text(rows), {"d": j, "n": volume(j)})
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        url = str(request.getfixturevalue("pg_db"))
    else:
        url = f"sqlite:///{tmp_path / 'data.db'}"
    fill_events(url)
    yield url


def window_suite(folder: Path, **options: Any) -> Path:
    checks = [
        {"name": f"day_{j}", "type": "anomaly", "table": "events", "where": f"day = {j}", **options}
        for j in range(WINDOW)
    ]
    path = folder / "weekly.yml"
    path.write_text(yaml.safe_dump({"suite": "weekly", "checks": checks}), "utf-8")
    return path


def test_weekly_seasonality_no_false_alarm_and_the_spike_caught(
    db: str, tmp_path: Path, today: datetime
) -> None:
    history = f"sqlite:///{tmp_path / 'history.db'}"
    synthetic_history(history, today, [f"day_{j}" for j in range(WINDOW)])
    suite = window_suite(tmp_path, by="weekday")  # min_history 7, sensitivity 3

    result = api.run([suite], db, monitoring=api.Monitoring(history=history))

    by_day = {int(c.name.split("_")[1]): c for c in result.checks}
    alarms = sorted(j for j, c in by_day.items() if c.status is not Status.PASS)
    assert alarms == [SPIKE_DAY], [(c.name, c.status.value, c.message) for c in result.checks]
    spike = by_day[SPIKE_DAY]
    assert spike.status is Status.FAIL
    assert spike.value == SPIKE  # the value reported is the measured value
    assert spike.message.startswith("3,000 outside the expected range ")
    assert "over 30 runs, by weekday)" in spike.message
    assert spike.message.count(" median ") == 1 and "day median 1," in spike.message
    assert spike.expected_range is not None
    low, high = spike.expected_range
    assert 880 < low < 1000 < high < 1120  # ~1,000 ± 3 × the pooled noise of ±25
    assert f"range {plain(round(low, 1))}–{plain(round(high, 1))} (" in spike.message
    for j, c in by_day.items():
        assert c.value == volume(j), c
        assert c.expected_range is not None and c.expected_range[0] <= c.value, c
        if j != SPIKE_DAY:
            assert c.expected_range[1] >= c.value, c
            assert "inside the expected range" in c.message, c
        # weekends learn from weekends, weekdays from weekdays
        assert (c.expected_range[1] < 400) == is_weekend(j), c
    # the old outlier (9,000 on day -14, in the same-weekday history of days 0 and 7) moved
    # nothing: both passed, with a range around 1,000
    for j in (0, 7):
        assert by_day[j].expected_range is not None and by_day[j].expected_range[1] < 1120
    record = result.as_record()["checks"][SPIKE_DAY]
    assert record["expected_range"] == pytest.approx([low, high])
    assert record["value"] == SPIKE and record["status"] == "fail"


def test_without_by_weekday_the_weekends_alarm(db: str, tmp_path: Path, today: datetime) -> None:
    history = f"sqlite:///{tmp_path / 'history.db'}"
    synthetic_history(history, today, [f"day_{j}" for j in range(WINDOW)])
    suite = window_suite(tmp_path)  # defaults: min_history 7, sensitivity 3, no by

    result = api.run([suite], db, monitoring=api.Monitoring(history=history))

    alarms = sorted(int(c.name.split("_")[1]) for c in result.checks if c.status is Status.FAIL)
    weekends = [j for j in range(WINDOW) if is_weekend(j)]
    assert weekends and set(weekends) <= set(alarms)
    assert SPIKE_DAY in alarms
    assert set(alarms) == {*weekends, SPIKE_DAY}, "weekdays pass: most days are weekdays"
    saturday = next(c for c in result.checks if c.name == f"day_{weekends[0]}")
    assert "outside the expected range" in saturday.message
    assert "over 30 runs)" in saturday.message and "weekday" not in saturday.message


def test_fewer_runs_than_min_history_pass_with_a_note(tmp_path: Path, today: datetime) -> None:
    db = f"sqlite:///{tmp_path / 'data.db'}"
    fill_events(db)
    history = f"sqlite:///{tmp_path / 'history.db'}"
    # 6 usable runs: 5 measured, plus runs that do not count (an error, no measure)
    runs = [(today - timedelta(days=k), [stored("weekly", "day_10", 1000.0)]) for k in (1, 2, 3)]
    runs += [(today - timedelta(days=4), [stored("weekly", "day_10", None)])]
    runs += [(today - timedelta(days=5), [stored("weekly", "day_10", 5.0, Status.ERROR)])]
    runs += [(today - timedelta(days=k), [stored("weekly", "day_10", 1000.0)]) for k in (6, 7)]
    store_runs(history, runs)
    suite = tmp_path / "s.yml"
    check = {"name": "day_10", "type": "anomaly", "table": "events", "where": "day = 10"}
    suite.write_text(yaml.safe_dump({"suite": "weekly", "checks": [check]}), "utf-8")

    (first,) = api.run([suite], db, monitoring=api.Monitoring(history=history)).checks
    assert first.status is Status.PASS, first
    assert first.value == SPIKE and first.message == "learning: 5 of 7 runs stored"
    assert first.expected_range is None
    # that run is stored too: 6 of 7
    (second,) = api.run([suite], db, monitoring=api.Monitoring(history=history)).checks
    assert second.message == "learning: 6 of 7 runs stored", second
    # the 7th: judged; 3,000 after 1,000 six times is an anomaly
    store_runs(history, [(today - timedelta(days=8), [stored("weekly", "day_10", 1000.0)])])
    (third,) = api.run([suite], db, monitoring=api.Monitoring(history=history)).checks
    # the two learning runs stored their 3,000 too: 6 × 1,000 and 2 × 3,000, a MAD of 0, so the
    # scale is the mean deviation (627), and 3,000 is still out of 1,000 ± 3 × 627
    assert third.status is Status.FAIL, third
    assert third.message.startswith("3,000 outside the expected range -880–2,880 ")
    assert "(median 1,000 ± 3 × mean deviation 627 over 8 runs)" in third.message


def test_the_anomaly_metric_shares_the_scan_of_its_table(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(
        yaml.safe_dump(
            {
                "suite": "s",
                "checks": [
                    {"name": "rows", "type": "row_count", "table": "events"},
                    {"name": "volume", "type": "anomaly", "table": "events", "by": "weekday"},
                    {
                        "name": "days",
                        "type": "anomaly",
                        "table": "events",
                        "expression": "max(day)",
                    },
                ],
            }
        ),
        "utf-8",
    )
    the_plan = api.plan(api.load_suites([suite]))
    assert len(the_plan.queries) == 1
    assert [c.name for c in the_plan.queries[0].checks] == ["rows", "volume", "days"]
    (query,) = api.dry_run([suite]).queries
    assert query.answers == ["s.rows", "s.volume", "s.days"]
    assert query.sql is not None and query.sql.count("FROM") == 1, query.sql
    assert "max(day)" in query.sql


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("by", "monthday", ["unknown grouping 'monthday'", "expected weekday"]),
        ("by", "weekdays", ["did you mean 'weekday'?"]),
        ("min_history", 2, ["from 3 to"]),
        ("min_history", "seven", ["whole number"]),
        ("sensitivity", 0, ["above 0"]),
        ("window", 5, ["window (5 runs) must be at least min_history (7)"]),
    ],
)
def test_a_bad_setting_is_a_located_configuration_error(
    tmp_path: Path, key: str, value: Any, words: list[str]
) -> None:
    suite = tmp_path / "orders.yml"
    check = {"name": "volume", "type": "anomaly", "table": "orders", key: value}
    suite.write_text(yaml.safe_dump({"suite": "s", "checks": [check]}), "utf-8")
    result = invoke(["validate", str(suite)], 2)
    assert "orders.yml:" in result.stderr
    assert "check 'volume'" in result.stderr
    assert key in result.stderr
    for word in words:
        assert word in result.stderr


def test_warn_sensitivity_and_a_constant_series(tmp_path: Path) -> None:
    """Judged against series as ``load_previous`` gives them (no database needed here)."""
    start = datetime(2026, 1, 5, 6, tzinfo=timezone.utc)

    def series(values: list[float]) -> list[tuple[datetime, float]]:
        return [(start + timedelta(days=i), v) for i, v in enumerate(values)]

    suite = tmp_path / "s.yml"
    checks = [
        {"name": "a", "type": "anomaly", "table": "t", "warn": {"sensitivity": 2}},
        {"name": "b", "type": "anomaly", "table": "t", "expression": "avg(x)"},
    ]
    suite.write_text(yaml.safe_dump({"suite": "s", "checks": checks}), "utf-8")
    warned, const = api.load_suites([suite])[0].checks
    around = series([100, 102, 98, 101, 99, 100, 103, 97, 100, 100])
    base = warned.baseline(around)  # type: ignore[attr-defined]
    assert base.median == 100 and base.scale == pytest.approx(1.4826 * 1)
    assert warned.judge(Measurement(102), around)[0] is Status.PASS
    assert warned.judge(Measurement(97), around)[0] is Status.WARN  # past 2 × 1.48
    assert warned.judge(Measurement(104), around)[0] is Status.WARN
    assert warned.judge(Measurement(105), around)[0] is Status.FAIL  # past 3 × 1.48
    status, value, message = warned.judge(Measurement(104), around)
    assert value == 104 and "± 2 × MAD 1.48 over 10 runs" in message
    assert warned.expectation() == "median ± 3 MAD of the last 90 runs (warn past 2 MAD)"
    # a constant series: the same value passes (float rounding too), another one fails
    flat = series([0.1] * 8)
    assert const.judge(Measurement(0.1), flat)[0] is Status.PASS
    assert const.judge(Measurement(0.30000000000000004 / 3), flat)[0] is Status.PASS
    status, _, message = const.judge(Measurement(0.1001), flat)
    assert status is Status.FAIL
    assert (
        message == "0.1001 outside the expected range 0.1–0.1 (every run measured 0.1 over 8 runs)"
    )
    # mostly one value (MAD 0): a value seen in a third of the runs is no anomaly, a new one is
    mostly = series([0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0, 3])
    assert const.judge(Measurement(0), mostly)[0] is Status.PASS
    assert const.judge(Measurement(3), mostly)[0] is Status.PASS
    status, _, message = const.judge(Measurement(7), mostly)
    assert status is Status.FAIL and "mean deviation" in message
    # never a false green: NULL fails, NaN is an error, whatever the history says
    assert const.judge(Measurement(None), mostly)[0] is Status.FAIL
    assert const.judge(Measurement(float("nan")), mostly)[:2] == (Status.ERROR, None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_history_series_oldest_first_bounded_and_aware(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        str(request.getfixturevalue("pg_db"))
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 'h.db'}"
    )
    start = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    runs = [
        (start + timedelta(days=i), [stored("s", "a", float(i)), stored("s", "b", float(-i))])
        for i in range(6)
    ]
    runs.append((start + timedelta(days=6), [stored("s", "a", 99.0, Status.ERROR)]))
    runs.append((start + timedelta(days=7), [stored("s", "a", None), stored("t", "a", 1.0)]))
    store_runs(url, runs)
    store = History(url)
    try:
        got = store.series([("s", "a"), ("s", "b"), ("s", "missing")], 4)
        assert set(got) == {("s", "a"), ("s", "b")}
        assert [v for _, v in got[("s", "a")]] == [2.0, 3.0, 4.0, 5.0]
        assert [v for _, v in got[("s", "b")]] == [-2.0, -3.0, -4.0, -5.0]
        assert [t for t, _ in got[("s", "a")]] == [start + timedelta(days=i) for i in range(2, 6)]
        assert all(
            t.tzinfo is not None and t.utcoffset() == timedelta(0) for t, _ in got[("s", "a")]
        )
        # load_previous: the series for anomaly, the last measure for change, one store
        suite = tmp_path / "s.yml"
        checks = [
            {"name": "a", "type": "anomaly", "table": "t"},
            {"name": "b", "type": "change", "table": "t", "max_change_percent": 5},
        ]
        suite.write_text(yaml.safe_dump({"suite": "s", "checks": checks}), "utf-8")
        previous, problem = load_previous(store, api.load_suites([suite])[0].checks)
        assert problem is None
        assert [v for _, v in previous["s.a"]] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        assert previous["s.b"] == -5.0
    finally:
        store.close()


def test_every_anomaly_key_is_in_the_json_schema() -> None:
    schema = str(api.json_schema())
    for key in (*REGISTRY["anomaly"].fields, "sensitivity"):
        assert f"'{key}'" in schema


def test_by_weekday_needs_two_runs_of_todays_weekday(tmp_path: Path) -> None:
    """Seven runs, but only one of them on today's weekday: still learning, and it says so."""
    suite = tmp_path / "s.yml"
    check = {"name": "v", "type": "anomaly", "table": "t", "by": "weekday"}
    suite.write_text(yaml.safe_dump({"suite": "s", "checks": [check]}), "utf-8")
    (anomaly,) = api.load_suites([suite])[0].checks
    now = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)  # a Friday
    week = [(now - timedelta(days=k), 1000.0) for k in range(7, 0, -1)]
    base = anomaly.baseline(week, now)  # type: ignore[attr-defined]
    assert (base.median, base.points, base.same_day) == (None, 7, 1)
    more = [(now - timedelta(days=14), 990.0), *week]
    judged = anomaly.baseline(more, now)  # type: ignore[attr-defined]
    assert judged.median == pytest.approx(995.0) and judged.same_day == 2
