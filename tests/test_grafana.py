"""The Grafana dashboard (examples/grafana/dqcheck.json) and the Prometheus alert rules
(examples/prometheus/alerts.yml) use only metrics dqcheck really writes: real runs write a real
textfile, parsed by prometheus_client's own parser, and every metric name in every expression
must be in it. With ``promtool`` installed, the rules (and the dashboard's expressions, as
recording rules) are also checked by Prometheus' own parser."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
import yaml
from clitools import invoke
from prometheus_client.parser import text_string_to_metric_families

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DASHBOARD = EXAMPLES / "grafana" / "dqcheck.json"
ALERTS = EXAMPLES / "prometheus" / "alerts.yml"

#: PromQL words that are not metric names: keywords, and what Grafana puts in a query.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left"}
KEYWORDS |= {"group_right", "bool", "offset", "inf", "nan"}
NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")

GOOD = """\
suite: good
checks:
  - {name: has_rows, type: row_count, table: orders}
"""
BAD = """\
suite: bad
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: amount, type: aggregate, table: orders, expression: sum(amount), max: 1}
  - {name: broken, type: aggregate, table: orders, expression: sum(no_such_column), max: 1}
"""


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers left once strings, label
    matchers, ranges, grouping clauses, Grafana variables, numbers and function calls are out."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", expr)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    grouping = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"
    text = re.sub(grouping, " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana variables
    text = re.sub(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", " ", text)  # numbers
    names = set()
    for m in NAME.finditer(text):
        rest = text[m.end() :].lstrip()
        if rest.startswith("(") or m.group().lower() in KEYWORDS:
            continue  # a function or an aggregation, or a keyword
        names.add(m.group())
    return names


def test_metric_names_are_read_from_expressions() -> None:
    assert metric_names('time() - a_b{suite=~"$suite"} > 6 * 3600') == {"a_b"}
    expr = 'max by (suite, check) (x{s="a b"}) unless on (suite) y or vector(0)'
    assert metric_names(expr) == {"x", "y"}
    assert metric_names("max_over_time(z[$__range]) == bool 1") == {"z"}


def dashboard() -> dict[str, Any]:
    doc = json.loads(DASHBOARD.read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p["targets"]]


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text("utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def textfile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The textfile of two real runs on SQLite: a suite that passes (so it has a last success)
    and one that fails and errors, past a tiny SLA."""
    folder = tmp_path_factory.mktemp("grafana")
    db = folder / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id integer, amount numeric)")
        conn.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 10), (2, 20)])
    prom = folder / "dqcheck.prom"
    for name, text in (("good", GOOD), ("bad", BAD)):
        (folder / f"{name}.yml").write_text(text, "utf-8")
    url = f"sqlite:///{db}"
    invoke(["run", folder / "good.yml", "--url", url, "--prometheus-textfile", prom], 0)
    args = ["run", folder / "bad.yml", "--url", url, "--prometheus-textfile", prom]
    invoke([*args, "--sla", "0.000001s"], 3)
    families = text_string_to_metric_families(prom.read_text("utf-8"))
    return {f.name: f for f in families}


def test_every_metric_the_dashboard_reads_is_written(textfile: dict[str, Any]) -> None:
    used = set().union(*(metric_names(e) for e in dashboard_exprs()))
    missing = sorted(used - set(textfile))
    assert not missing, f"the dashboard reads metrics dqcheck does not write: {missing}"
    # and it shows every metric dqcheck writes
    assert used == set(textfile), sorted(set(textfile) - used)


def test_every_metric_the_alerts_read_is_written(textfile: dict[str, Any]) -> None:
    used = set().union(*(metric_names(r["expr"]) for r in alert_rules()))
    missing = sorted(used - set(textfile))
    assert not missing, f"the alert rules read metrics dqcheck does not write: {missing}"
    assert {"dqcheck_run_last_success_timestamp_seconds", "dqcheck_check_status"} <= used


def test_the_textfile_carries_what_the_panels_and_rules_expect(textfile: dict[str, Any]) -> None:
    status = {
        (s.labels["suite"], s.labels["check"]): s.value
        for s in textfile["dqcheck_check_status"].samples
    }
    # the numbering the dashboard's value mappings and the rules (== 3, == 2) rely on
    assert status == {
        ("good", "has_rows"): 0,
        ("bad", "has_rows"): 0,
        ("bad", "amount"): 2,
        ("bad", "broken"): 3,
    }
    last = {
        s.labels["suite"] for s in textfile["dqcheck_run_last_success_timestamp_seconds"].samples
    }
    assert last == {"good"}  # the failing suite has none: DqcheckSuiteNeverSucceeded
    sla = {s.labels["suite"]: s.value for s in textfile["dqcheck_run_sla_missed"].samples}
    assert sla == {"good": 0, "bad": 1}


def test_the_dashboard_is_a_grafana_dashboard() -> None:
    doc = dashboard()
    assert doc["uid"] and doc["title"] and doc["schemaVersion"] >= 36
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    suite = variables["suite"]
    assert suite["type"] == "query"
    assert suite["definition"] == "label_values(dqcheck_check_status, suite)"
    assert doc["panels"], "panels"
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    for panel in doc["panels"]:
        assert panel["title"] and panel["type"] and panel["gridPos"], panel
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["refId"], panel["title"]
            assert '$suite"' in target["expr"], f"{panel['title']}: filtered by the suite variable"
            assert target["datasource"]["uid"] == "${datasource}"
    # the status panels map 0..3 to pass, warn, fail, error
    by_title = {p["title"]: p for p in doc["panels"]}
    mapping = by_title["Status per check"]["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert {k: v["text"] for k, v in mapping.items()} == {
        "0": "pass",
        "1": "warn",
        "2": "fail",
        "3": "error",
    }
    since = by_title["Time since last success"]["targets"][0]["expr"]
    assert since.startswith("time() - dqcheck_run_last_success_timestamp_seconds")


def test_the_alert_rules_are_complete() -> None:
    rules = alert_rules()
    assert rules
    for rule in rules:
        for key in ("alert", "expr", "for", "labels", "annotations"):
            assert key in rule, (rule.get("alert"), key)
        assert rule["labels"].get("severity"), rule["alert"]
        assert rule["annotations"].get("summary"), rule["alert"]
    exprs = {r["alert"]: r["expr"] for r in rules}
    assert exprs["DqcheckCheckError"] == "dqcheck_check_status == 3"
    assert "time() - dqcheck_run_last_success_timestamp_seconds > 6 * 3600" in exprs.values()


def promtool() -> str:
    """Prometheus' own checker (Debian ``prometheus``, which .ci/run installs): skipped without
    it, except under CI=true, where a missing tool is a failure like a missing server."""
    found = shutil.which("promtool")
    if found:
        return found
    reason = "promtool is not installed (apt-get install prometheus)"
    pgserver.unavailable(reason)


def test_promtool_accepts_the_rules_and_the_dashboard_queries(tmp_path: Path) -> None:
    promtool_bin = promtool()
    checked = subprocess.run(
        [promtool_bin, "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the dashboard's queries, with Grafana's variables filled in, as recording rules
    exprs = [
        e.replace("$suite", ".*").replace("$__range", "1h").replace("$__rate_interval", "5m")
        for e in dashboard_exprs()
    ]
    rules = [{"record": f"dqcheck:panel_{i}", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}), "utf-8")
    checked = subprocess.run(
        [promtool_bin, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
