"""Any Airflow (2.x too): dqcheck in its own venv, called by absolute path from a
``BashOperator``, with a connection that lives in the metastore or a secrets backend.

Airflow renders ``{{ conn.warehouse.get_uri() }}`` into the task's environment as
``DQCHECK_URL`` when the task runs; dqcheck reads it like ``--url`` (Airflow's ``postgres://``
scheme included) and masks the password in everything it prints. Exit codes as in
``airflow_dag.py``: 0 passes the task, anything else fails it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

#: dqcheck in its own venv (python -m venv /opt/dqcheck; /opt/dqcheck/bin/pip install dqcheck)
#: or pipx (~/.local/bin/dqcheck): SQLAlchemy 2 never meets Airflow 2's SQLAlchemy 1.4.
DQCHECK = "/opt/dqcheck/bin/dqcheck"
DQ_PROJECT = "/opt/airflow/dq"
SUITES = ("orders", "customers")

with DAG(
    dag_id="dqcheck_conn_uri",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 0, "execution_timeout": timedelta(hours=1)},
    tags=["data-quality", "dqcheck"],
):
    for suite in SUITES:
        BashOperator(
            task_id=f"dq_{suite}",
            bash_command=f"{DQCHECK} run checks/{suite}.yml --var ds={{{{ ds }}}}",
            env={"DQCHECK_URL": "{{ conn.warehouse.get_uri() }}"},
            append_env=True,
            cwd=DQ_PROJECT,
        )
