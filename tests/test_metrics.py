"""Metrics of a run (SPEC section 5), received by real peers on 127.0.0.1: statsd packets on a
UDP socket, the Prometheus textfile parsed with ``prometheus_client.parser``, and an HTTP server
standing in for a Pushgateway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke, strict_json
from peers import (
    FAILING,
    MIXED,
    MIXED_EXPECTED,
    PASSING,
    HttpPeer,
    Metric,
    StatsdPeer,
    project_config,
    write,
)
from prometheus_client.parser import text_string_to_metric_families

pytest_plugins = ["peers"]
pytestmark = pytest.mark.postgres

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/x"

#: The status of a check as a metric value.
CODE = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
SECOND_SUITE = """\
suite: orders.daily
checks:
  - {name: paid_only, type: accepted_values, table: orders, column: status, values: [paid]}
"""


def by_name(metrics: list[Metric]) -> dict[str, list[Metric]]:
    out: dict[str, list[Metric]] = {}
    for m in metrics:
        out.setdefault(m.name, []).append(m)
    return out


def one(metrics: dict[str, list[Metric]], name: str) -> Metric:
    found = metrics.get(name, [])
    assert len(found) == 1, f"{name}: {found} (have: {sorted(metrics)})"
    return found[0]


# -- statsd ---------------------------------------------------------------------------------------


def test_statsd_metrics_of_a_mixed_run(
    orders_db: str, statsd_peer: StatsdPeer, tmp_path: Path
) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    report = tmp_path / "report.json"
    args = ["run", suite, "--url", orders_db, "--statsd", statsd_peer.address, "--json", report]
    invoke(args, 3)
    metrics = by_name(statsd_peer.collect(until="dqcheck.run.checks.error"))
    record = strict_json(report.read_text())

    for name, (status, value) in MIXED_EXPECTED.items():
        base = f"dqcheck.check.orders.{name}"
        s = one(metrics, f"{base}.status")
        assert (s.type, s.number) == ("g", CODE[status]), s
        if value is None:
            assert f"{base}.value" not in metrics
        else:
            v = one(metrics, f"{base}.value")
            assert v.type == "g"
            assert v.number == pytest.approx(value), v
        d = one(metrics, f"{base}.duration")
        assert d.type == "ms"
        [checked] = [c for c in record["checks"] if c["name"] == name]
        assert d.number == pytest.approx(checked["duration_seconds"] * 1000, abs=1.0)

    run = one(metrics, "dqcheck.run.duration")
    assert run.type == "ms"
    assert run.number == pytest.approx(record["duration_seconds"] * 1000, abs=1.0)
    counts = {s: one(metrics, f"dqcheck.run.checks.{s}") for s in ("pass", "warn", "fail", "error")}
    assert {s: (m.type, m.number) for s, m in counts.items()} == {
        "pass": ("g", 2),
        "warn": ("g", 1),
        "fail": ("g", 3),
        "error": ("g", 1),
    }
    assert "dqcheck.run.sla_miss" not in metrics  # no SLA set
    names = set(metrics)
    expected = {
        f"dqcheck.check.orders.{n}.{k}" for n in MIXED_EXPECTED for k in ("status", "duration")
    }
    expected |= {f"dqcheck.check.orders.{n}.value" for n, (_, v) in MIXED_EXPECTED.items() if v}
    expected |= {"dqcheck.run.duration"} | {f"dqcheck.run.checks.{s}" for s in counts}
    assert names == expected, names ^ expected


def test_statsd_prefix_from_config(orders_db: str, statsd_peer: StatsdPeer, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    conf = project_config(
        tmp_path,
        orders_db,
        statsd={"host": "127.0.0.1", "port": statsd_peer.port, "prefix": "team.dq"},
    )
    # the config beats the Airflow environment
    env = {"AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1", "AIRFLOW__METRICS__STATSD_PORT": "9"}
    invoke(["run", suite, "--url", orders_db, "--config", conf], 1, env=env)
    metrics = by_name(statsd_peer.collect(until="team.dq.run.checks.error"))
    assert one(metrics, "team.dq.check.orders.too_many.status").number == 2
    assert one(metrics, "team.dq.check.orders.has_rows.value").number == 3
    assert one(metrics, "team.dq.run.checks.fail").number == 2
    assert all(name.startswith("team.dq.") for name in metrics), sorted(metrics)


def test_statsd_names_are_sanitised(
    orders_db: str, statsd_peer: StatsdPeer, tmp_path: Path
) -> None:
    suite = write(
        tmp_path,
        "odd.yml",
        """\
suite: shop.orders-v2
checks:
  - {name: has.rows-v2, type: row_count, table: orders}
""",
    )
    invoke(["run", suite, "--url", orders_db, "--statsd", statsd_peer.address], 0)
    metrics = by_name(statsd_peer.collect(until="dqcheck.run.checks.error"))
    # a dot inside a suite or check name would add a level to the statsd hierarchy
    assert one(metrics, "dqcheck.check.shop_orders-v2.has_rows-v2.value").number == 3
    assert one(metrics, "dqcheck.check.shop_orders-v2.has_rows-v2.status").number == 0
    for name in metrics:
        assert all(ch not in name for ch in ":| @"), name
        assert name.count(".") in (2, 3, 4), name


@pytest.mark.parametrize(("prefix", "expected"), [("airflow_dq", "airflow_dq"), (None, "dqcheck")])
def test_statsd_from_airflow_environment(
    orders_db: str, statsd_peer: StatsdPeer, tmp_path: Path, prefix: str | None, expected: str
) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    env = {
        "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
        "AIRFLOW__METRICS__STATSD_PORT": str(statsd_peer.port),
        "AIRFLOW__METRICS__STATSD_PREFIX": prefix,
    }
    invoke(["run", suite, "--url", orders_db], 1, env=env)
    metrics = by_name(statsd_peer.collect(until=f"{expected}.run.checks.error"))
    assert one(metrics, f"{expected}.check.orders.too_many.status").number == 2
    assert one(metrics, f"{expected}.run.checks.pass").number == 1


def test_statsd_peer_down_leaves_the_run_alone(orders_db: str, tmp_path: Path) -> None:
    closed = StatsdPeer()  # bind a UDP port, then close it: nobody listens there
    closed.close()
    suite = write(tmp_path, "orders.yml", FAILING)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--statsd", closed.address]
    invoke([*args, "--log-format", "json", "--log-file", log], 1)
    events = [strict_json(line)["event"] for line in log.read_text().splitlines()]
    assert events[0] == "run_start" and events[-1] == "run_end"


@pytest.mark.parametrize(
    "value", ["nohostport", "127.0.0.1:", ":8125", "127.0.0.1:port", "127.0.0.1:70000"]
)
def test_bad_statsd_flag_is_exit_2_before_any_query(tmp_path: Path, value: str) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    # an unreachable database: a query attempt would end in exit 3
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--statsd", value], 2)
    assert "--statsd" in result.stderr
    assert value in result.stderr


@pytest.mark.parametrize(
    "section",
    [
        {"port": 8125},
        {"host": "127.0.0.1", "port": "eighty"},
        {"host": "127.0.0.1", "port": 0},
        {"host": "127.0.0.1", "prefx": "dq"},
    ],
    ids=["no_host", "port_text", "port_zero", "unknown_key"],
)
def test_bad_statsd_config_is_exit_2(tmp_path: Path, section: dict[str, Any]) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    conf = project_config(tmp_path, UNREACHABLE_DB, statsd=section)
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--config", conf], 2)
    assert "statsd" in result.stderr


# -- Prometheus textfile --------------------------------------------------------------------------


def read_prom(path: Path) -> dict[str, Any]:
    """Family name -> family, parsed by prometheus_client's own parser."""
    return {f.name: f for f in text_string_to_metric_families(path.read_text(encoding="utf-8"))}


def samples(family: Any) -> dict[tuple[str, str, str], float]:
    return {
        (s.labels["suite"], s.labels["check"], s.labels["table"]): s.value for s in family.samples
    }


def test_prometheus_textfile_of_a_mixed_run(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", MIXED)
    out = tmp_path / "textfile"
    out.mkdir()
    prom, report = out / "dqcheck.prom", tmp_path / "report.json"
    invoke(["run", suite, "--url", orders_db, "--prometheus-textfile", prom, "--json", report], 3)
    record = strict_json(report.read_text())
    families = read_prom(prom)

    tables = {c["name"]: c["table"] or "" for c in record["checks"]}
    assert tables["total_amount"] == "" and tables["has_rows"] == "orders"
    for name in ("dqcheck_check_value", "dqcheck_check_status", "dqcheck_check_duration_seconds"):
        assert families[name].type == "gauge"
        for s in families[name].samples:
            assert set(s.labels) == {"suite", "check", "table"}, s
    status = samples(families["dqcheck_check_status"])
    assert status == {("orders", n, tables[n]): CODE[st] for n, (st, _) in MIXED_EXPECTED.items()}
    value = samples(families["dqcheck_check_value"])
    assert value == {
        ("orders", n, tables[n]): pytest.approx(v)
        for n, (_, v) in MIXED_EXPECTED.items()
        if v is not None
    }
    duration = samples(families["dqcheck_check_duration_seconds"])
    assert duration == {
        ("orders", c["name"], tables[c["name"]]): pytest.approx(c["duration_seconds"], abs=1e-3)
        for c in record["checks"]
    }
    [run] = families["dqcheck_run_duration_seconds"].samples
    assert run.value == pytest.approx(record["duration_seconds"], abs=1e-3)
    # exit 3, and no earlier file: no last success to report
    assert "dqcheck_run_last_success_timestamp_seconds" not in families
    assert sorted(p.name for p in out.iterdir()) == ["dqcheck.prom"]  # no temp file left


def test_prometheus_last_success_is_kept_after_a_failing_run(
    orders_db: str, tmp_path: Path
) -> None:
    passing, failing = write(tmp_path, "p.yml", PASSING), write(tmp_path, "f.yml", FAILING)
    out = tmp_path / "textfile"
    out.mkdir()
    prom, report = out / "dqcheck.prom", tmp_path / "report.json"
    base = ["--url", orders_db, "--prometheus-textfile", prom, "--json", report]

    invoke(["run", passing, *base], 0)
    finished = datetime.fromisoformat(strict_json(report.read_text())["finished_at"]).timestamp()
    [last] = read_prom(prom)["dqcheck_run_last_success_timestamp_seconds"].samples
    assert last.value == pytest.approx(finished, abs=1e-3)

    invoke(["run", failing, *base], 1)
    families = read_prom(prom)
    [kept] = families["dqcheck_run_last_success_timestamp_seconds"].samples
    assert kept.value == last.value
    # the rest is this run's
    status = samples(families["dqcheck_check_status"])
    assert status == {
        ("orders", "has_rows", "orders"): 0,
        ("orders", "too_many", "orders"): 2,
        ("orders", "paid_only", "orders"): 2,
    }
    assert sorted(p.name for p in out.iterdir()) == ["dqcheck.prom"]

    invoke(["run", passing, *base], 0)
    finished = datetime.fromisoformat(strict_json(report.read_text())["finished_at"]).timestamp()
    [newer] = read_prom(prom)["dqcheck_run_last_success_timestamp_seconds"].samples
    assert newer.value == pytest.approx(finished, abs=1e-3)
    assert newer.value > last.value


def test_prometheus_textfile_from_config(orders_db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    prom = tmp_path / "from-config.prom"
    conf = project_config(tmp_path, orders_db, prometheus={"textfile": str(prom)})
    invoke(["run", suite, "--url", orders_db, "--config", conf], 0)
    assert "dqcheck_run_last_success_timestamp_seconds" in read_prom(prom)


def test_prometheus_textfile_in_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", PASSING)
    prom = tmp_path / "no" / "such" / "dqcheck.prom"
    args = ["run", suite, "--url", UNREACHABLE_DB, "--prometheus-textfile", prom]
    result = invoke(args, 2)
    assert str(prom) in result.stderr


# -- Pushgateway ----------------------------------------------------------------------------------


def test_pushgateway_receives_one_push_per_suite(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    gateway = http_peer()
    suites = tmp_path / "suites"
    suites.mkdir()
    write(suites, "orders.yml", FAILING)
    write(suites, "daily.yml", SECOND_SUITE)
    invoke(["run", suites, "--url", orders_db, "--pushgateway", gateway.url("")], 1)

    pushes = {r.path: r for r in gateway.received()}
    assert len(gateway.received()) == 2, gateway.received()
    assert set(pushes) == {
        "/metrics/job/dqcheck/suite/orders",
        "/metrics/job/dqcheck/suite/orders.daily",
    }
    for path, push in pushes.items():
        # POST (pushadd): the group's earlier last-success time survives a failing run
        assert push.method == "POST"
        assert push.headers.get("Content-Type", "").startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(push.text)}
        suite = path.rsplit("/", 1)[1]
        for s in families["dqcheck_check_status"].samples:
            assert s.labels["suite"] == suite, (path, s)
        assert "dqcheck_run_duration_seconds" in families
        # both suites failed: neither push may claim a success
        assert "dqcheck_run_last_success_timestamp_seconds" not in families
    orders = pushes["/metrics/job/dqcheck/suite/orders"].text
    families = {f.name: f for f in text_string_to_metric_families(orders)}
    status = samples(families["dqcheck_check_status"])
    assert status == {
        ("orders", "has_rows", "orders"): 0,
        ("orders", "too_many", "orders"): 2,
        ("orders", "paid_only", "orders"): 2,
    }


def test_pushgateway_after_a_passing_run_carries_the_success_time(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    gateway = http_peer()
    suite = write(tmp_path, "orders.yml", PASSING)
    conf = project_config(tmp_path, orders_db, prometheus={"pushgateway": gateway.url("")})
    invoke(["run", suite, "--url", orders_db, "--config", conf], 0)
    [push] = gateway.received()
    assert (push.method, push.path) == ("POST", "/metrics/job/dqcheck/suite/orders")
    families = {f.name: f for f in text_string_to_metric_families(push.text)}
    assert "dqcheck_run_last_success_timestamp_seconds" in families
    values = samples(families["dqcheck_check_value"])
    assert values == {("orders", "has_rows", "orders"): 3, ("orders", "total_amount", ""): 60}


@pytest.mark.parametrize("kind", ["answers_500", "unreachable"])
def test_failed_push_is_logged_and_leaves_the_exit_code(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path, kind: str
) -> None:
    url = http_peer(status=500).url("") if kind == "answers_500" else "http://127.0.0.1:1"
    suite = write(tmp_path, "orders.yml", FAILING)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--pushgateway", url]
    invoke([*args, "--log-format", "json", "--log-file", log], 1)
    lines = [strict_json(line) for line in log.read_text().splitlines()]
    assert [line["level"] for line in lines if line["event"] == "prometheus_failed"] == ["error"]


# -- one textfile shared by several runs (one Airflow task per suite) ---------------------------

DAILY_PASSING = """\
suite: orders.daily
checks:
  - {name: has_rows, type: row_count, table: orders}
"""


def by_suite(family: Any) -> dict[str, float]:
    return {s.labels["suite"]: s.value for s in family.samples}


def test_two_suites_share_one_textfile(orders_db: str, tmp_path: Path) -> None:
    orders, daily = write(tmp_path, "o.yml", PASSING), write(tmp_path, "d.yml", DAILY_PASSING)
    failing = write(tmp_path, "f.yml", FAILING)
    out = tmp_path / "textfile"
    out.mkdir()
    prom, report = out / "dqcheck.prom", tmp_path / "report.json"
    base = ["--url", orders_db, "--prometheus-textfile", prom, "--json", report]

    invoke(["run", orders, *base], 0)
    orders_done = datetime.fromisoformat(strict_json(report.read_text())["finished_at"])
    invoke(["run", daily, *base], 0)
    daily_done = datetime.fromisoformat(strict_json(report.read_text())["finished_at"])

    families = read_prom(prom)
    assert set(samples(families["dqcheck_check_status"])) == {
        ("orders", "has_rows", "orders"),
        ("orders", "total_amount", ""),
        ("orders.daily", "has_rows", "orders"),
    }
    last = by_suite(families["dqcheck_run_last_success_timestamp_seconds"])
    assert last == {
        "orders": pytest.approx(orders_done.timestamp(), abs=1e-3),
        "orders.daily": pytest.approx(daily_done.timestamp(), abs=1e-3),
    }
    assert set(by_suite(families["dqcheck_run_duration_seconds"])) == {"orders", "orders.daily"}

    # the orders suite fails now: its series are replaced, its last success kept, and the
    # other suite's series are left alone
    invoke(["run", failing, *base], 1)
    families = read_prom(prom)
    assert samples(families["dqcheck_check_status"]) == {
        ("orders", "has_rows", "orders"): 0,
        ("orders", "too_many", "orders"): 2,
        ("orders", "paid_only", "orders"): 2,
        ("orders.daily", "has_rows", "orders"): 0,
    }
    assert by_suite(families["dqcheck_run_last_success_timestamp_seconds"]) == last
    assert sorted(p.name for p in out.iterdir()) == ["dqcheck.prom"]  # no temp or lock file


def test_run_of_two_suites_labels_each_suites_run_metrics(orders_db: str, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    write(suites, "orders.yml", FAILING)
    write(suites, "daily.yml", DAILY_PASSING)
    prom = tmp_path / "dqcheck.prom"
    invoke(["run", suites, "--url", orders_db, "--prometheus-textfile", prom], 1)
    families = read_prom(prom)
    # only the suite that passed has a last success
    assert set(by_suite(families["dqcheck_run_last_success_timestamp_seconds"])) == {"orders.daily"}
    assert set(by_suite(families["dqcheck_run_duration_seconds"])) == {"orders", "orders.daily"}


def test_unlabelled_series_of_an_older_version_are_dropped(orders_db: str, tmp_path: Path) -> None:
    prom = tmp_path / "dqcheck.prom"
    prom.write_text(
        "# HELP dqcheck_run_duration_seconds Duration of the last run.\n"
        "# TYPE dqcheck_run_duration_seconds gauge\n"
        "dqcheck_run_duration_seconds 1.5\n"
    )
    invoke(["run", write(tmp_path, "d.yml", DAILY_PASSING), "--url", orders_db,
            "--prometheus-textfile", prom], 0)  # fmt: skip
    [run] = read_prom(prom)["dqcheck_run_duration_seconds"].samples
    assert run.labels == {"suite": "orders.daily"}


def _result_of(suite: str, n: int) -> Any:
    from dqcheck.results import CheckResult, RunResult, Status

    now = datetime.now().astimezone()
    checks = [
        CheckResult(suite, f"check_{i}", "row_count", "t", Status.PASS, value=i) for i in range(n)
    ]
    return RunResult(checks=checks, started_at=now, finished_at=now)


def test_concurrent_writers_keep_each_others_series(tmp_path: Path) -> None:
    """Many threads, one suite each, write one textfile at once: no suite's series is lost."""
    import threading

    from dqcheck.monitor.prometheus_metrics import write_textfile

    prom = tmp_path / "dqcheck.prom"
    suites = [f"suite_{i}" for i in range(12)]
    start = threading.Barrier(len(suites))
    errors: list[BaseException] = []

    def task(suite: str) -> None:
        try:
            start.wait()
            for _ in range(5):
                write_textfile(_result_of(suite, 20), str(prom))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=task, args=(s,)) for s in suites]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    families = read_prom(prom)
    assert set(by_suite(families["dqcheck_run_last_success_timestamp_seconds"])) == set(suites)
    assert len(families["dqcheck_check_status"].samples) == 20 * len(suites)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dqcheck.prom"]


def test_concurrent_processes_keep_each_others_series(tmp_path: Path) -> None:
    """Two processes (two Airflow tasks) writing one textfile in a loop keep both suites."""
    import subprocess
    import sys
    import textwrap

    prom = tmp_path / "dqcheck.prom"
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import datetime
        from dqcheck.monitor.prometheus_metrics import write_textfile
        from dqcheck.results import CheckResult, RunResult, Status
        suite = sys.argv[1]
        for _ in range(40):
            now = datetime.now().astimezone()
            checks = [CheckResult(suite, f"c{{i}}", "row_count", "t", Status.PASS, value=i)
                      for i in range(10)]
            write_textfile(RunResult(checks=checks, started_at=now, finished_at=now),
                           {str(prom)!r})
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, s]) for s in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    families = read_prom(prom)
    assert set(by_suite(families["dqcheck_run_last_success_timestamp_seconds"])) == {"a", "b"}
    assert len(families["dqcheck_check_status"].samples) == 20
