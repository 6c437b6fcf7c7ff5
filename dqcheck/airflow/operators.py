"""``DQCheckOperator`` and ``HasRowsOperator`` (SPEC section 9): thin shells over
:mod:`dqcheck.api`, like the CLI.

- Connections resolve through Airflow's own lookup (``Connection.get``: metastore, secrets
  backends, ``AIRFLOW_CONN_*``): ``conn_id`` and every ``connection:`` id of the suites (and a
  relationship's ``to.connection``). dqcheck reads an Airflow connection as env
  ``AIRFLOW_CONN_<ID>`` (SPEC 3), so the URIs Airflow returns are handed over that way for the
  call only; an id Airflow does not know falls through to ``connections:`` in dqcheck.yml.
- The JSON report (SPEC 4, masked) is the XCom return value.
- Exit 1 (data failed) → ``AirflowFailException``: no retry, rerunning does not fix data.
  Exit 3 (could not evaluate) or a signal → ``AirflowException``: retried as the task says.
  A ConfigError → ``AirflowFailException`` (retrying does not fix a config).
- Every result and the summary go to the task log (``self.log``), masked.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import airflow
from airflow.sdk import BaseOperator, Connection

from dqcheck import api
from dqcheck.errors import ConfigError
from dqcheck.report import render

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
    )
except ImportError:  # Airflow 3.1 keeps them in the core package
    from airflow.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
    )

MIN_AIRFLOW = (3, 1)
if tuple(int(p) for p in airflow.__version__.split(".")[:2]) < MIN_AIRFLOW:
    raise ImportError(
        f"dqcheck.airflow needs Airflow 3.1 or newer (SQLAlchemy 2); this is "
        f"{airflow.__version__}. With Airflow 2, run dqcheck in its own venv from a "
        "BashOperator (see the README)."
    )

AIRFLOW_CONN = "AIRFLOW_CONN_"

__all__ = ["DQCheckOperator", "HasRowsOperator"]


def _airflow_uri(conn_id: str) -> str | None:
    """The URI of an Airflow connection, or None when Airflow does not know the id."""
    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    uri: str = conn.get_uri()
    return uri


@contextlib.contextmanager
def _airflow_connections(ids: set[str]) -> Iterator[None]:
    """Hand Airflow's connections to dqcheck as env ``AIRFLOW_CONN_<ID>`` for the call only."""
    saved: dict[str, str | None] = {}
    try:
        for conn_id in sorted(ids):
            uri = _airflow_uri(conn_id)
            if uri is None:
                continue
            name = AIRFLOW_CONN + conn_id.upper()
            saved[name] = os.environ.get(name)
            os.environ[name] = uri
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


class _DQCheckBase(BaseOperator):  # type: ignore[misc]
    """What both operators share: the run, the task log, the exit code as the task state."""

    ui_color = "#d9f2e6"

    def _log_result(self, r: api.CheckResult) -> None:
        line = f"{r.status.value.upper():5} {r.suite}.{r.name}"
        if r.value_text or r.value is not None:
            line += f" = {r.value_text or r.value}"
        if r.expectation:
            line += f" (expected {r.expectation})"
        if r.error:
            line += f": {r.error}"
        self.log.info("%s", api.mask(line))

    def _finish(self, result: api.RunResult) -> dict[str, Any]:
        text = api.mask(render("json", result))
        self.log.info("dqcheck: %s", api.mask(result.summary_line()))
        code = int(result.exit_code)
        if code == 1:
            failed = [f"{c.suite}.{c.name}" for c in result.checks if c.status.value == "fail"]
            raise AirflowFailException(
                api.mask(f"dqcheck: data failed its checks ({', '.join(failed) or 'fail-on'})")
            )
        if code != 0:
            why = result.interrupted or "some checks could not be evaluated"
            raise AirflowException(api.mask(f"dqcheck: exit {code}: {why}"))
        record: dict[str, Any] = json.loads(text)
        return record

    def _call(self, prepare: Any, **run: Any) -> dict[str, Any]:
        """Prepare (suites, config: a ConfigError fails the task, retrying does not fix a
        configuration), then run with every connection id the checks name looked up in
        Airflow."""
        try:
            prepared = prepare()
            ids = {run["conn_id"]} if run.get("conn_id") else set()
            for check in prepared.plan.checks:
                ids |= {str(v) for v in (check.connection, check.other_connection) if v}
            with _airflow_connections(ids):
                result = api.run(prepared, on_result=self._log_result, **run)
        except ConfigError as exc:
            raise AirflowFailException(api.mask(f"dqcheck: {exc}")) from None
        return self._finish(result)

    def _dag_folder(self) -> Path | None:
        dag = getattr(self, "dag", None)
        fileloc = getattr(dag, "fileloc", None)
        return Path(fileloc).parent if fileloc else None


class DQCheckOperator(_DQCheckBase):
    """Run dqcheck suites (files or folders) as a task; the JSON report is the return value.

    A relative suite path is taken from the DAG file's folder when it exists there."""

    template_fields: Sequence[str] = ("suites", "vars", "select", "tags")

    def __init__(
        self,
        suites: str | Sequence[str],
        conn_id: str | None = None,
        vars: Mapping[str, str] | None = None,  # the CLI's --var
        select: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        fail_on: Sequence[str] = ("fail",),
        config: str | None = None,
        history: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.suites = suites
        self.conn_id = conn_id
        self.vars = vars
        self.select = select
        self.tags = tags
        self.fail_on = tuple(fail_on)
        self.config = config
        self.history = history

    def _paths(self) -> list[str]:
        suites = [self.suites] if isinstance(self.suites, (str, os.PathLike)) else self.suites
        folder = self._dag_folder()
        out = []
        for s in suites:
            p = Path(s)
            if not p.is_absolute() and folder is not None and (folder / p).exists():
                p = folder / p
            out.append(str(p))
        return out

    def execute(self, context: Any) -> dict[str, Any]:
        paths = self._paths()
        variables = {str(k): str(v) for k, v in (self.vars or {}).items()}
        monitoring = api.Monitoring(history=self.history) if self.history else None
        self.log.info("dqcheck: running %s", ", ".join(paths))
        return self._call(
            lambda: api.prepare(
                paths,
                variables=variables,
                select=tuple(self.select or ()),
                tags=tuple(self.tags or ()),
                config=self.config,
                monitoring=monitoring,
                resolve=False,  # after Airflow's connections are handed over
            ),
            conn_id=self.conn_id,
            fail_on=self.fail_on,
        )


class HasRowsOperator(_DQCheckBase):
    """Fail unless ``table`` has at least ``min`` rows (optionally ``where``): the classic
    plugin operator on dqcheck's engine. ``redshift_conn_id`` is accepted for ``conn_id``."""

    template_fields: Sequence[str] = ("table", "where")

    def __init__(
        self,
        table: str,
        conn_id: str | None = None,
        where: str | None = None,
        min: int = 1,  # the classic operator's name
        redshift_conn_id: str | None = None,
        config: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if conn_id and redshift_conn_id and conn_id != redshift_conn_id:
            raise ValueError("give conn_id or redshift_conn_id, not both")
        conn_id = conn_id or redshift_conn_id
        if not conn_id:
            raise ValueError("HasRowsOperator needs conn_id (or redshift_conn_id)")
        self.table = table
        self.conn_id = conn_id
        self.where = where
        self.min = int(min)
        self.config = config

    def execute(self, context: Any) -> dict[str, Any]:
        self.log.info("dqcheck: has-rows %s (at least %d)", self.table, self.min)
        return self._call(
            lambda: api.prepare_has_rows(
                self.table,
                where=self.where,
                minimum=self.min,
                config=self.config,
                resolve=False,
            ),
            conn_id=self.conn_id,
        )
