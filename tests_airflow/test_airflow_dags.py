"""dqcheck in a real Airflow 3: the operators and the BashOperator path (``make test-airflow``)."""

from __future__ import annotations

import json

from conftest import DagRun
from prometheus_client.parser import text_string_to_metric_families

import dqcheck


def test_operator_passes_and_pushes_the_report_to_xcom(dag_run: DagRun) -> None:
    assert dag_run.task("op_pass") == ("success", 1)
    report = dag_run.xcom("op_pass")
    assert isinstance(report, dict), report
    assert report["exit_code"] == 0 and report["status"] == "pass"
    assert {c["name"] for c in report["checks"]} == {"has_rows", "total_amount"}
    assert "password" not in str(report.get("connection"))


def test_failing_data_fails_the_task_without_retry(dag_run: DagRun) -> None:
    # retries=2, yet the first try is the last: rerunning does not fix data
    assert dag_run.task("op_fail") == ("failed", 1)
    assert dag_run.states_of("op_fail") == []
    assert dag_run.xcom("op_fail") is None


def test_unreachable_database_is_retried(dag_run: DagRun) -> None:
    # retries=2 (retry_delay 1s): up_for_retry after the first and second tries (Airflow keeps
    # them in its history), failed at the third
    assert dag_run.task("op_unreachable") == ("failed", 3)
    assert len(dag_run.states_of("op_unreachable")) == 2


def test_connection_only_in_the_metastore_is_found(dag_run: DagRun) -> None:
    assert dag_run.task("op_metastore") == ("success", 1)
    assert dag_run.xcom("op_metastore")["checks"][0]["value"] == 3


def test_has_rows_operator_passes_and_fails(dag_run: DagRun) -> None:
    assert dag_run.task("has_rows_pass") == ("success", 1)
    assert dag_run.xcom("has_rows_pass")["exit_code"] == 0
    assert dag_run.task("has_rows_fail") == ("failed", 1)


def test_bash_operator_by_absolute_path_follows_the_exit_code(dag_run: DagRun) -> None:
    assert dag_run.task("bash_pass") == ("success", 1)
    # a BashOperator cannot tell exit 1 from 3: the task's retries apply
    assert dag_run.task("bash_fail") == ("failed", 3)


def test_two_tasks_share_one_prometheus_textfile(dag_run: DagRun) -> None:
    assert dag_run.task("bash_prom_passing")[0] == "success"
    assert dag_run.task("bash_prom_daily")[0] == "success"
    families = {f.name: f for f in text_string_to_metric_families(dag_run.prom.read_text("utf-8"))}
    last = families["dqcheck_run_last_success_timestamp_seconds"]
    assert {s.labels["suite"] for s in last.samples} == {"orders", "orders_daily"}
    status = families["dqcheck_check_status"]
    assert {s.labels["suite"] for s in status.samples} == {"orders", "orders_daily"}


def test_results_go_to_the_task_log(dag_run: DagRun) -> None:
    assert "PASS  orders.has_rows = 3" in dag_run.output
    assert "FAIL  orders_bad.too_many = 3" in dag_run.output


def test_dqcheck_is_an_airflow_provider(dag_run: DagRun) -> None:
    [info] = [p for p in json.loads(dag_run.providers) if p["package_name"] == "dqcheck"]
    assert info["version"] == dqcheck.__version__


def test_the_example_dags_load(dag_run: DagRun) -> None:
    assert dag_run.examples.startswith("{"), dag_run.examples[-4000:]
    parsed = json.loads(dag_run.examples)
    assert parsed["errors"] == {}
    assert parsed["dags"] == ["dqcheck_conn_uri", "dqcheck_operators"]
