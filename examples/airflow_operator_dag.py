"""Airflow 3.1+ DAG with dqcheck's own operators (``pip install 'dqcheck[airflow]'``).

``conn_id`` (and any ``connection:`` id in the suites) is looked up by Airflow itself: the
metastore, a secrets backend or an ``AIRFLOW_CONN_*`` variable. Each task pushes the JSON report
as its XCom return value and logs every result, masked. Data that fails its checks fails the
task without retry; a check that could not run (database down) raises a retryable error, so the
task's ``retries`` apply to outages only.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from dqcheck.airflow import DQCheckOperator, HasRowsOperator

#: Suites on the workers; a relative path is read from this DAG file's folder.
SUITES = ("orders", "customers")

with DAG(
    dag_id="dqcheck_operators",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["data-quality", "dqcheck"],
):
    loaded = HasRowsOperator(
        task_id="orders_loaded",
        table="orders",
        where="created_at >= '{{ ds }}'",
        conn_id="warehouse",
    )
    for suite in SUITES:
        loaded >> DQCheckOperator(
            task_id=f"dq_{suite}",
            suites=[f"checks/{suite}.yml"],
            conn_id="warehouse",
            vars={"ds": "{{ ds }}"},
            execution_timeout=timedelta(hours=1),
        )
