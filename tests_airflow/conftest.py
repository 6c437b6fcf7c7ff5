"""``make test-airflow``: real ``airflow dags test`` runs against a throwaway PostgreSQL, in the
Airflow venv (.venv-airflow), never collected by ``make test``. One DAG with several independent
tasks, run once per session: the tests read its outcome back from the SQLite metastore."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import pgserver  # noqa: E402  (tests/pgserver.py)
from shop_suites import ORDERS, PASSING  # noqa: E402

#: dqcheck in its own venv, called by absolute path (the pipx / Airflow 2 path)
DQCHECK = ROOT / ".venv" / "bin" / "dqcheck"
DAG_ID = "dqcheck_airflow_tests"

FAILING = """\
suite: orders_bad
checks:
  - {name: too_many, type: row_count, table: orders, max: 1}
"""
DAILY = """\
suite: orders_daily
checks:
  - {name: has_rows, type: row_count, table: orders}
"""
#: names its connection by id: found only in the metastore (airflow connections add)
METASTORE = """\
suite: orders_meta
connection: pg_meta
checks:
  - {name: has_rows, type: row_count, table: orders}
"""

DAG = """\
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from dqcheck.airflow import DQCheckOperator, HasRowsOperator

S = {suites!r}
DQ = {dqcheck!r}
URL = {url!r}
PROM = {prom!r}

with DAG("{dag_id}", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):
    DQCheckOperator(task_id="op_pass", suites=[S + "/passing.yml"], conn_id="pg_env",
                    vars={{"day": "{{{{ ds }}}}"}})
    DQCheckOperator(task_id="op_fail", suites=[S + "/failing.yml"], conn_id="pg_env",
                    retries=2, retry_delay=timedelta(seconds=1))
    DQCheckOperator(task_id="op_unreachable", suites=[S + "/passing.yml"], conn_id="pg_down",
                    retries=2, retry_delay=timedelta(seconds=1))
    DQCheckOperator(task_id="op_metastore", suites=[S + "/metastore.yml"])
    HasRowsOperator(task_id="has_rows_pass", table="orders", redshift_conn_id="pg_env", min=3)
    HasRowsOperator(task_id="has_rows_fail", table="orders", conn_id="pg_meta",
                    where="status = 'nope'", retries=2, retry_delay=timedelta(seconds=1))
    BashOperator(task_id="bash_pass", bash_command=f"{{DQ}} run {{S}}/passing.yml --url {{URL}}")
    BashOperator(task_id="bash_fail", bash_command=f"{{DQ}} run {{S}}/failing.yml --url {{URL}}",
                 retries=2, retry_delay=timedelta(seconds=1))
    for name in ("passing", "daily"):
        BashOperator(
            task_id=f"bash_prom_{{name}}",
            bash_command=f"{{DQ}} run {{S}}/{{name}}.yml --url {{URL}} "
            f"--prometheus-textfile {{PROM}}",
        )
"""


@dataclass
class DagRun:
    home: Path
    prom: Path
    output: str
    providers: str
    examples: str

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.home / "airflow.db")

    def task(self, task_id: str) -> tuple[str, int]:
        with self.db() as db:
            row = db.execute(
                "SELECT state, try_number FROM task_instance WHERE dag_id = ? AND task_id = ?",
                (DAG_ID, task_id),
            ).fetchone()
        assert row is not None, f"{task_id} never ran:\n{self.output[-4000:]}"
        return str(row[0]), int(row[1])

    def states_of(self, task_id: str) -> list[str]:
        """The states of a task's earlier tries (Airflow keeps them when it retries)."""
        with self.db() as db:
            rows = db.execute(
                "SELECT state FROM task_instance_history WHERE dag_id = ? AND task_id = ? "
                "ORDER BY try_number",
                (DAG_ID, task_id),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def xcom(self, task_id: str) -> Any:
        with self.db() as db:
            row = db.execute(
                "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = 'return_value'",
                (DAG_ID, task_id),
            ).fetchone()
        if row is None:
            return None
        value = row[0]
        value = value.decode() if isinstance(value, bytes) else value
        out = json.loads(value) if isinstance(value, str) else value
        return json.loads(out) if isinstance(out, str) else out


def _airflow_uri(url: str, scheme: str = "postgres") -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    auth = u.username or ""
    if u.password:
        auth += ":" + str(u.password)
    host = f"{u.host or ''}:{u.port}" if u.port else (u.host or "")
    query = "&".join(f"{k}={v}" for k, v in u.query.items())
    return f"{scheme}://{auth}@{host}/{u.database}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def dag_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagRun]:
    server = pgserver.PgServer()
    with pgserver.sigterm_raises_keyboard_interrupt():
        yield from _dag_run(server, tmp_path_factory)


def _dag_run(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagRun]:
    try:
        base = server.start()
    except pgserver.PgUnavailable as exc:
        pgserver.unavailable(str(exc))
    try:
        url = pgserver.create_database(base, f"dq_af_{uuid.uuid4().hex[:10]}")
        pgserver.execute(url, ORDERS)
        tmp = tmp_path_factory.mktemp("airflow")
        home, dags, suites = tmp / "home", tmp / "dags", tmp / "suites"
        for d in (home, dags, suites):
            d.mkdir()
        for name, text in (
            ("passing", PASSING),
            ("failing", FAILING),
            ("daily", DAILY),
            ("metastore", METASTORE),
        ):
            (suites / f"{name}.yml").write_text(text)
        prom = tmp / "textfile" / "dqcheck.prom"
        prom.parent.mkdir()
        (dags / "dq_dag.py").write_text(
            DAG.format(
                suites=str(suites), dqcheck=str(DQCHECK), url=url, prom=str(prom), dag_id=DAG_ID
            )
        )
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW_CONN_PG_ENV": _airflow_uri(url),
            "AIRFLOW_CONN_PG_DOWN": "postgres://nobody@127.0.0.1:1/x",
        }
        airflow = str(Path(sys.executable).parent / "airflow")

        def call(*args: str, timeout: float = 600) -> str:
            done = subprocess.run(
                [airflow, *args], env=env, capture_output=True, text=True, timeout=timeout
            )
            out = done.stdout + done.stderr
            assert done.returncode == 0 or args[0] == "dags", f"airflow {args}:\n{out[-4000:]}"
            return out

        call("db", "migrate")
        providers = call("providers", "list", "--output", "json")
        # only in the metastore: no env var names it
        call("connections", "add", "pg_meta", "--conn-uri", _airflow_uri(url))
        output = call("dags", "test", DAG_ID, "2026-01-02", timeout=900)
        # the README's example DAGs for Airflow 3 parse in a real DagBag
        parse = (
            "import json, sys\n"
            "from airflow.dag_processing.dagbag import DagBag\n"
            "bag = DagBag(dag_folder=sys.argv[1])\n"
            "print(json.dumps({'dags': sorted(bag.dag_ids), 'errors': bag.import_errors}))\n"
        )
        examples = tmp / "examples"
        examples.mkdir()
        for name in ("airflow_operator_dag.py", "airflow_conn_uri_dag.py"):
            shutil.copy(ROOT / "examples" / name, examples / name)
        done = subprocess.run(
            [sys.executable, "-c", parse, str(examples)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        parsed = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
        yield DagRun(home, prom, output, providers, parsed[0] if parsed else done.stderr)
    finally:
        server.stop()
