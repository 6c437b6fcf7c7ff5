"""Airflow 2 DAG running dqcheck suites as BashOperator tasks, one task per suite.

Copy this file into your DAGs folder and the suites (``checks/*.yml``, plus an optional
``dqcheck.yml``) into DQ_PROJECT on the workers, where dqcheck must be installed
(``pip install dqcheck``).

``--conn-id warehouse`` makes dqcheck read the same Airflow connection as the rest of the DAG:
Airflow exposes it to the task as the env variable ``AIRFLOW_CONN_WAREHOUSE`` when the connection
is defined that way (URI or JSON form); otherwise dqcheck looks for ``connections: {warehouse:
{url: ...}}`` in DQ_PROJECT/dqcheck.yml. The password never appears in the task log.

What dqcheck's exit code does to the task (BashOperator fails the task on any non-zero code):

* 0 - every check passed (warnings too, unless ``--fail-on warn``): the task succeeds.
* 1 - the data is bad: at least one check failed. The task fails. Retrying re-reads the same
  data, so this DAG sets ``retries=0``; if your data may still be arriving, retries with a
  ``retry_delay`` are a reasonable choice, but it is yours: Airflow cannot tell exit 1 from 3.
* 2 - usage or configuration error (bad suite file, unknown connection id, undefined --var),
  found before any query ran. The task fails; a retry cannot help, fix the suite or connection.
* 3 - a check could not be evaluated (database unreachable, SQL error, missing table, timeout).
  The task fails. dqcheck already retries transient connection failures itself (``--retries``,
  default 2), so a task-level retry is only for longer outages.
* 130/143 - interrupted (e.g. Airflow's ``execution_timeout`` or marking the task failed sends
  SIGTERM): dqcheck cancels its queries on the server, then exits; the task fails.

dqcheck never exits 99, the code BashOperator reads as "skip this task" (``skip_on_exit_code``),
so bad data can never show up as a skipped, green-looking task.

The JUnit XML written per run (``--junit``) can be collected by CI tooling or attached to alerts;
dqcheck needs the folder to exist, hence the ``mkdir -p``.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

#: Where the suites live on the workers; the commands run in this folder.
DQ_PROJECT = "/opt/airflow/dq"
#: One task per suite file checks/<name>.yml.
SUITES = ("orders", "customers")


def dqcheck_command(suite: str) -> str:
    """The shell command of one suite; ``{{ ds }}`` is rendered by Airflow's Jinja templating.

    For ``orders`` it reads::

        mkdir -p /tmp/dq/{{ ds }} && dqcheck run checks/orders.yml --conn-id warehouse
            --var ds={{ ds }} --junit /tmp/dq/{{ ds }}/orders.xml
    """
    return (
        "mkdir -p /tmp/dq/{{ ds }} && "
        "dqcheck run checks/" + suite + ".yml --conn-id warehouse --var ds={{ ds }} "
        "--junit /tmp/dq/{{ ds }}/" + suite + ".xml"
    )


with DAG(
    dag_id="dqcheck_daily",
    description="Data-quality checks of the warehouse, one task per dqcheck suite.",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        # See the module docstring: a failed check (exit 1) is not retried.
        "retries": 0,
        # Kill a stuck run; dqcheck also has a per-query --timeout (default 15m).
        "execution_timeout": timedelta(hours=1),
    },
    tags=["data-quality", "dqcheck"],
) as dag:
    for suite_name in SUITES:
        BashOperator(
            task_id=f"dq_{suite_name}",
            bash_command=dqcheck_command(suite_name),
            cwd=DQ_PROJECT,
        )
