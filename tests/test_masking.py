"""Passwords never appear in any output (SPEC section 3): stdout, stderr, and the JSON, JUnit and
Markdown reports of passing, failing and erroring runs, configuration errors and ``ping``, with
the password coming from --url, DQCHECK_URL, AIRFLOW_CONN_<ID> (URI and JSON forms) and the
project config. Most runs are subprocesses of the installed ``dqcheck`` (the real entry point,
without DQCHECK_DEBUG, as a user runs it), so nothing masked by an earlier test in the same
process can hide a leak.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import describe, invoke, run_dqcheck, strict_json
from sqlalchemy.engine import URL, make_url

pytestmark = pytest.mark.postgres

PASSWORD = "S3cr@t:/%pw"
#: The password as it may be printed: raw, URL-encoded (path style and form style).
SECRETS = sorted({PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD)})
#: Run as a user would: no traceback mode, no stray connection from the outer environment.
USER_ENV: dict[str, str | None] = {
    "DQCHECK_DEBUG": None,
    "DQCHECK_URL": None,
    "AIRFLOW_CONN_WAREHOUSE": None,
    "WH_URL": None,
    "NO_COLOR": "1",
}

PASSING = """\
suite: passing
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: id_not_null, type: null_count, table: orders, column: id}
"""
FAILING = """\
suite: failing
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: too_many, type: row_count, table: orders, max: 1}
  - {name: status_ok, type: accepted_values, table: orders, column: status, values: [paid]}
  - name: unpaid
    type: failing_rows
    sql: "SELECT id, status FROM orders WHERE status <> 'paid'"
"""
ERRORING = """\
suite: erroring
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: missing_table, type: row_count, table: no_such_table}
  - {name: bad_sql, type: threshold, sql: "SELECT 1 / 0", max: 1}
  - {name: fails_too, type: row_count, table: orders, max: 0}
"""
INVALID = """\
suite: invalid
checks:
  - {name: nope, type: no_such_type, table: orders}
"""
WAREHOUSE = """\
suite: warehouse
connection: warehouse
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: too_many, type: row_count, table: orders, max: 1}
"""


# -- set-up ---------------------------------------------------------------------------------------


def _execute(url: str, statement: Any, params: tuple[Any, ...] | None = None) -> None:
    pgserver.execute(url, statement, params=params)


@dataclass
class Ctx:
    """Everything a scenario needs: where the data is and who may read it."""

    host: str
    port: int
    database: str
    role: str
    folder: Path
    suites: dict[str, Path] = field(default_factory=dict)

    def url(self, port: int | None = None) -> str:
        return URL.create(
            "postgresql+psycopg2",
            username=self.role,
            password=PASSWORD,
            host=self.host,
            port=port or self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    def airflow_uri(self, port: int | None = None) -> str:
        pw = quote(PASSWORD, safe="")
        return f"postgres://{self.role}:{pw}@{self.host}:{port or self.port}/{self.database}"

    def airflow_json(self) -> str:
        return json.dumps(
            {
                "conn_type": "postgres",
                "host": self.host,
                "port": self.port,
                "login": self.role,
                "password": PASSWORD,
                "schema": self.database,
                "extra": json.dumps({"sslmode": "disable"}),
            }
        )

    def config(self, body: str) -> Path:
        path = self.folder / "dqcheck.yml"
        path.write_text(body, encoding="utf-8")
        return path


@pytest.fixture
def ctx(pg_url: str, pg_db: str, tmp_path: Path) -> Iterator[Ctx]:
    """A database with ``orders`` and a role with PASSWORD allowed to read it."""
    from psycopg2 import sql

    _execute(pg_db, "CREATE TABLE orders (id integer PRIMARY KEY, status text)")
    _execute(pg_db, "INSERT INTO orders VALUES (1, 'paid'), (2, 'paid'), (3, 'refunded')")
    role = f"dq_masked_{uuid.uuid4().hex[:10]}"
    ident = sql.Identifier(role)
    _execute(pg_url, sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(ident), (PASSWORD,))
    try:
        _execute(pg_db, sql.SQL("GRANT SELECT ON orders TO {}").format(ident))
        u = make_url(pg_db)
        assert u.host and u.port and u.database
        c = Ctx(u.host, u.port, u.database, role, tmp_path)
        for name, text in {
            "passing": PASSING,
            "failing": FAILING,
            "erroring": ERRORING,
            "invalid": INVALID,
            "warehouse": WAREHOUSE,
        }.items():
            path = tmp_path / f"{name}.yml"
            path.write_text(text, encoding="utf-8")
            c.suites[name] = path
        yield c
    finally:
        _execute(pg_db, sql.SQL("DROP OWNED BY {}").format(ident))
        _execute(pg_url, sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


# -- scenarios ------------------------------------------------------------------------------------


@dataclass
class Scenario:
    args: list[Any]
    code: int
    env: dict[str, str | None] = field(default_factory=dict)
    #: A run that writes the report files (--json, --junit, --markdown).
    reports: bool = False


REPORTS = ("report.json", "report.xml", "report.md")
UNUSED_PORT = 1


def _scenarios() -> dict[str, Callable[[Ctx], Scenario]]:
    s = {
        # runs: pass / fail / error, from every source of a connection
        "pass_url": lambda c: Scenario(
            ["run", c.suites["passing"], "--url", c.url()], 0, reports=True
        ),
        "fail_url": lambda c: Scenario(
            ["run", c.suites["failing"], "--url", c.url()], 1, reports=True
        ),
        "error_url": lambda c: Scenario(
            ["run", c.suites["erroring"], "--url", c.url()], 3, reports=True
        ),
        "fail_url_json_stdout": lambda c: Scenario(
            ["run", c.suites["failing"], "--url", c.url(), "--format", "json"], 1, reports=True
        ),
        "pass_dqcheck_url": lambda c: Scenario(
            ["run", c.suites["passing"]], 0, {"DQCHECK_URL": c.url()}, reports=True
        ),
        "fail_conn_id_uri": lambda c: Scenario(
            ["run", c.suites["failing"], "--conn-id", "warehouse"],
            1,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri()},
            reports=True,
        ),
        "error_conn_id_json": lambda c: Scenario(
            ["run", c.suites["erroring"], "--conn-id", "warehouse"],
            3,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_json()},
            reports=True,
        ),
        "fail_suite_connection_from_config": lambda c: Scenario(
            [
                "run",
                c.suites["warehouse"],
                "--config",
                c.config('connections:\n  warehouse: {url: "${WH_URL}"}\n'),
            ],
            1,
            {"WH_URL": c.url()},
            reports=True,
        ),
        "error_wrong_port_run": lambda c: Scenario(
            ["run", c.suites["passing"], "--url", c.url(port=UNUSED_PORT)], 3, reports=True
        ),
        "error_wrong_port_conn_id_run": lambda c: Scenario(
            ["run", c.suites["failing"], "--conn-id", "warehouse"],
            3,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri(port=UNUSED_PORT)},
            reports=True,
        ),
        "has_rows_fail": lambda c: Scenario(
            ["has-rows", "orders", "--url", c.url(), "--min", "10"], 1
        ),
        "dry_run": lambda c: Scenario(
            ["run", c.suites["failing"], "--dry-run", "--url", c.url()], 0
        ),
        # ping
        "ping_url": lambda c: Scenario(["ping", "--url", c.url()], 0),
        "ping_conn_id": lambda c: Scenario(
            ["ping", "--conn-id", "warehouse"], 0, {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri()}
        ),
        "ping_wrong_port_url": lambda c: Scenario(["ping", "--url", c.url(port=UNUSED_PORT)], 3),
        "ping_wrong_port_conn_id": lambda c: Scenario(
            ["ping", "--conn-id", "warehouse"],
            3,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri(port=UNUSED_PORT)},
        ),
        # configuration errors (exit 2, nothing ran)
        "bad_suite": lambda c: Scenario(
            ["run", c.suites["invalid"], "--url", c.url()], 2, reports=True
        ),
        "url_and_conn_id": lambda c: Scenario(
            ["run", c.suites["passing"], "--url", c.url(), "--conn-id", "warehouse"],
            2,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri()},
        ),
        "unknown_dialect_url": lambda c: Scenario(
            [
                "run",
                c.suites["passing"],
                "--url",
                c.url().replace("postgresql+psycopg2", "nosuchdb"),
            ],
            2,
        ),
        "airflow_conn_bad_port": lambda c: Scenario(
            ["run", c.suites["passing"], "--conn-id", "warehouse"],
            2,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri().replace(f":{c.port}/", ":notaport/")},
        ),
        "airflow_conn_unknown_type": lambda c: Scenario(
            ["ping", "--conn-id", "warehouse"],
            2,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_uri().replace("postgres://", "nosuchdb://")},
        ),
        "airflow_conn_broken_json": lambda c: Scenario(
            ["ping", "--conn-id", "warehouse"],
            2,
            {"AIRFLOW_CONN_WAREHOUSE": c.airflow_json()[:-1]},
        ),
        "config_with_unknown_key": lambda c: Scenario(
            [
                "run",
                c.suites["warehouse"],
                "--config",
                c.config(f'connections:\n  warehouse: {{url: "{c.url()}", user: x}}\nbogus: 1\n'),
            ],
            2,
        ),
        "ping_config_unknown_id": lambda c: Scenario(
            [
                "ping",
                "--conn-id",
                "other",
                "--config",
                c.config(f'connections:\n  warehouse: {{url: "{c.url()}"}}\n'),
            ],
            2,
        ),
    }
    return s


SCENARIOS = _scenarios()


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def run_scenario(ctx: Ctx, name: str) -> tuple[Scenario, Any, dict[str, str]]:
    """Run a scenario with the installed entry point; returns the outcome and the reports."""
    scenario = SCENARIOS[name](ctx)
    args = [str(a) for a in scenario.args]
    out = ctx.folder / "out"
    out.mkdir()
    if scenario.reports:
        args += ["--json", str(out / REPORTS[0]), "--junit", str(out / REPORTS[1])]
        args += ["--markdown", str(out / REPORTS[2])]
    proc = run_dqcheck(args, env={**USER_ENV, **scenario.env})
    assert proc.returncode == scenario.code, describe(proc)
    reports = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}
    return scenario, proc, reports


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_password_never_printed(ctx: Ctx, name: str) -> None:
    scenario, proc, reports = run_scenario(ctx, name)
    details = describe(proc)
    assert not leaks(proc.stdout), details
    assert not leaks(proc.stderr), details
    assert "internal error" not in proc.stderr, details
    for report, text in reports.items():
        assert not leaks(text), f"{report}:\n{text}"
    if scenario.reports and scenario.code != 2:
        # the run happened: every report was written, and names the connection masked
        assert sorted(reports) == sorted(REPORTS), details
        record = strict_json(reports["report.json"])
        assert record["connection"], record
        assert f"{ctx.role}:***@" in record["connection"]
        assert record["exit_code"] == scenario.code
        assert f"{ctx.role}:***@" in reports["report.md"]
    if "--format" in scenario.args:
        assert f"{ctx.role}:***@" in strict_json(proc.stdout)["connection"]
    if scenario.code == 2:
        assert proc.stderr.strip(), details  # one clear message, still without the password
        assert proc.stdout == "", details


def test_error_messages_name_the_masked_connection(ctx: Ctx) -> None:
    """The masked form is what a user sees: user and host kept, password as ***."""
    _, proc, _ = run_scenario(ctx, "ping_wrong_port_url")
    assert f"{ctx.role}:***@{ctx.host}:{UNUSED_PORT}" in proc.stderr, describe(proc)


def test_ping_shows_user_and_host_not_password(ctx: Ctx) -> None:
    _, proc, _ = run_scenario(ctx, "ping_conn_id")
    assert f"{ctx.role}:***@{ctx.host}:{ctx.port}/{ctx.database}" in proc.stdout, describe(proc)


def test_failing_rows_and_messages_still_shown(ctx: Ctx) -> None:
    """Masking hides the password, not the results: the failing report keeps its detail."""
    _, proc, reports = run_scenario(ctx, "fail_url")
    record = strict_json(reports["report.json"])
    by_name = {c["name"]: c for c in record["checks"]}
    assert by_name["unpaid"]["rows"] == [{"id": 3, "status": "refunded"}]
    assert by_name["too_many"]["status"] == "fail"
    assert "failing.too_many" in proc.stdout


def test_in_process_run_with_report_files(ctx: Ctx) -> None:
    """The same through click's test runner (the in-process path used by an Airflow operator
    importing the CLI)."""
    out = ctx.folder / "inproc"
    out.mkdir()
    files = {"--json": out / "r.json", "--junit": out / "r.xml", "--markdown": out / "r.md"}
    args: list[Any] = ["run", ctx.suites["erroring"], "--url", ctx.url()]
    for option, path in files.items():
        args += [option, path]
    result = invoke(args, 3, env={"AIRFLOW_CONN_WAREHOUSE": None})
    assert not leaks(result.stdout) and not leaks(result.stderr)
    for path in files.values():
        assert not leaks(path.read_text(encoding="utf-8")), path


def test_unencoded_password_in_url_is_not_printed_in_part(ctx: Ctx) -> None:
    """A raw, un-encoded password pasted into --url (a common mistake) makes the URL invalid;
    the error must not print the part of the password after its first ``@`` either."""
    raw = f"postgresql+psycopg2://{ctx.role}:{PASSWORD}@{ctx.host}:{ctx.port}/{ctx.database}"
    for command in (["ping", "--url", raw], ["run", ctx.suites["passing"], "--url", raw]):
        proc = run_dqcheck(command, env=USER_ENV)
        assert proc.returncode in (2, 3), describe(proc)
        output = proc.stdout + proc.stderr
        fragments = {PASSWORD[i : i + 5] for i in range(len(PASSWORD) - 4)}
        shown = sorted(f for f in fragments if f in output)
        assert not shown, f"password fragments {shown} printed:\n{describe(proc)}"
