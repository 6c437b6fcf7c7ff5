"""Every exit code of the installed ``dqcheck``, run as a subprocess against real PostgreSQL,
and the JSON report of SPEC section 4 (fields, types, masking)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import describe, run_dqcheck, strict_json
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.postgres

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"
# the same, naming the driver: the connection-failure path apart from driver selection
UNREACHABLE_PSYCOPG2 = "postgresql+psycopg2://nobody@127.0.0.1:1/x"

SETUP = """
CREATE TABLE orders (
    id integer PRIMARY KEY,
    email text,
    amount numeric(10, 2),
    status text,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (id, email, amount, status, created_at) VALUES
    (1, 'a@example.com', 10.00, 'new',      now() - interval '3 days'),
    (2, 'b@example.com', 20.00, 'paid',     now() - interval '2 days'),
    (3, NULL,            30.00, 'paid',     now() - interval '1 day'),
    (4, 'd@example.com', 40.00, 'refunded', now() - interval '1 hour');
CREATE TABLE empty_table (id integer);
"""

PASS_CHECKS = """\
  - name: has_rows
    type: row_count
    table: public.orders
  - name: id_not_null
    type: null_count
    table: public.orders
    column: id
  - name: avg_amount
    type: aggregate
    table: public.orders
    expression: avg(amount)
    min: 1
    max: 100
  - name: fresh
    type: freshness
    table: public.orders
    column: created_at
    max_age: 6h
"""
WARN_CHECK = """\
  - name: email_not_null
    type: null_count
    table: public.orders
    column: email
    max: 5
    warn: {max: 0}
"""
FAIL_CHECK = """\
  - name: status_ok
    type: accepted_values
    table: public.orders
    column: status
    values: [new, paid]
"""
ERROR_CHECK = """\
  - name: gone_has_rows
    type: row_count
    table: public.no_such_table
"""


def suite(tmp_path: Path, name: str, checks: str, header: str = "") -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(f"suite: {name}\n{header}checks:\n{checks}", encoding="utf-8")
    return path


def execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@pytest.fixture
def db(pg_db: str) -> str:
    execute(pg_db, SETUP)
    return pg_db


def report_of(proc: Any) -> dict[str, Any]:
    try:
        return strict_json(proc.stdout)
    except ValueError as exc:  # json.JSONDecodeError, or a bare NaN/Infinity
        pytest.fail(f"stdout is not one strict JSON document ({exc})\n{describe(proc)}")


def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Any:
    return run_dqcheck([str(a) for a in args], env=env)


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


# -- 0, 1, 3 --------------------------------------------------------------------------------------


def test_all_pass_exits_0(db: str, tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS), "--url", db)
    assert proc.returncode == 0, describe(proc)
    assert "4 checks: 4 pass, 0 warn, 0 fail, 0 error" in proc.stdout


def test_warnings_still_exit_0(db: str, tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "w", PASS_CHECKS + WARN_CHECK), "--url", db)
    assert proc.returncode == 0, describe(proc)
    assert "5 checks: 4 pass, 1 warn, 0 fail, 0 error" in proc.stdout


def test_fail_on_warn_exits_1(db: str, tmp_path: Path) -> None:
    path = suite(tmp_path, "w", PASS_CHECKS + WARN_CHECK)
    proc = run("run", path, "--url", db, "--fail-on", "warn", "--format", "json")
    assert proc.returncode == 1, describe(proc)
    report = report_of(proc)
    assert report["exit_code"] == 1
    assert report["status"] == "warn"


def test_a_failing_check_exits_1(db: str, tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "f", PASS_CHECKS + FAIL_CHECK), "--url", db)
    assert proc.returncode == 1, describe(proc)
    assert "1 fail" in proc.stdout
    assert "status_ok" in proc.stdout


def test_a_missing_table_exits_3(db: str, tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "e", ERROR_CHECK), "--url", db, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    (check,) = report_of(proc)["checks"]
    assert check["status"] == "error"
    assert check["value"] is None
    assert "no_such_table" in check["error"]


def test_a_missing_column_exits_3(db: str, tmp_path: Path) -> None:
    checks = "  - name: x_not_null\n    type: null_count\n    table: orders\n    column: nope\n"
    proc = run("run", suite(tmp_path, "c", checks), "--url", db)
    assert proc.returncode == 3, describe(proc)


def test_error_wins_over_fail(db: str, tmp_path: Path) -> None:
    path = suite(tmp_path, "both", PASS_CHECKS + FAIL_CHECK + ERROR_CHECK)
    proc = run("run", path, "--url", db, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    report = report_of(proc)
    assert report["status"] == "error"
    got = statuses(report)
    assert got["status_ok"] == "fail"
    assert got["gone_has_rows"] == "error"
    assert got["has_rows"] == "pass"


def test_a_broken_expression_does_not_take_its_scan_neighbours_down(
    db: str, tmp_path: Path
) -> None:
    broken = (
        "  - name: broken\n    type: aggregate\n    table: public.orders\n"
        "    expression: avg(no_such_column)\n    min: 0\n"
    )
    proc = run("run", suite(tmp_path, "b", PASS_CHECKS + broken), "--url", db, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    got = statuses(report_of(proc))
    assert got.pop("broken") == "error"
    assert set(got.values()) == {"pass"}


def test_sql_that_writes_is_an_error_and_changes_nothing(db: str, tmp_path: Path) -> None:
    checks = (
        "  - name: sneaky\n    type: threshold\n"
        "    sql: WITH d AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM d\n"
        "    max: 100\n"
    )
    proc = run("run", suite(tmp_path, "rw", checks), "--url", db, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    assert statuses(report_of(proc)) == {"sneaky": "error"}
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == 4
    finally:
        engine.dispose()


@pytest.mark.parametrize("unreachable", [UNREACHABLE, UNREACHABLE_PSYCOPG2])
def test_an_unreachable_server_exits_3(tmp_path: Path, unreachable: str) -> None:
    path = suite(tmp_path, "far", PASS_CHECKS + FAIL_CHECK)
    proc = run("run", path, "--url", unreachable, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    report = report_of(proc)
    assert report["exit_code"] == 3
    assert set(statuses(report).values()) == {"error"}
    for check in report["checks"]:
        assert check["value"] is None
        # the reason is the connection, not something else going wrong first
        assert "connect" in check["error"].lower(), check["error"]


@pytest.mark.parametrize("unreachable", [UNREACHABLE, UNREACHABLE_PSYCOPG2])
def test_ping_an_unreachable_server_exits_3(unreachable: str) -> None:
    proc = run("ping", "--url", unreachable)
    assert proc.returncode == 3, describe(proc)
    assert proc.stderr.startswith("dqcheck: error: ")
    assert "connect" in proc.stderr.lower()
    assert "internal error" not in proc.stderr


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_url_without_driver_name_works(db: str, tmp_path: Path, scheme: str) -> None:
    """``postgresql://user@host/db`` (SPEC's own example) and Airflow's ``postgres://``."""
    plain = make_url(db).set(drivername=scheme).render_as_string(hide_password=False)
    assert plain.startswith(f"{scheme}://")
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS), "--url", plain)
    assert proc.returncode == 0, describe(proc)
    ping = run("ping", "--url", plain)
    assert ping.returncode == 0, describe(ping)


def test_ping_exits_0(db: str) -> None:
    proc = run("ping", "--url", db)
    assert proc.returncode == 0, describe(proc)
    assert "PostgreSQL" in proc.stdout


# -- 2 --------------------------------------------------------------------------------------------


def assert_config_error(proc: Any, *fragments: str) -> None:
    assert proc.returncode == 2, describe(proc)
    assert proc.stdout == "", describe(proc)
    for fragment in fragments:
        assert fragment in proc.stderr, describe(proc)


def test_bad_suite_exits_2(db: str, tmp_path: Path) -> None:
    checks = "  - name: has_rows\n    type: row_cont\n    table: orders\n"
    path = suite(tmp_path, "bad", checks)
    proc = run("run", path, "--url", db)
    assert_config_error(proc, f"{path}:4:", "check 'has_rows'", "row_count")


def test_no_connection_configured_exits_2(tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS))
    assert_config_error(proc, "dqcheck: error: ", "--url")


@pytest.mark.parametrize(
    "option", [["--bogus"], ["--jobs", "0"], ["--format", "xml"], ["--timeout", "soon"]]
)
def test_bad_option_exits_2(db: str, tmp_path: Path, option: list[str]) -> None:
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS), "--url", db, *option)
    assert_config_error(proc, option[0])


def test_undefined_variable_exits_2(db: str, tmp_path: Path) -> None:
    checks = (
        "  - name: recent\n    type: row_count\n    table: orders\n"
        "    where: created_at >= :since\n"
    )
    path = suite(tmp_path, "v", checks)
    proc = run("run", path, "--url", db)
    assert_config_error(proc, f"{path}:6:", "check 'recent'", "field 'where'", ":since")
    ok = run("run", path, "--url", db, "--var", "since=2000-01-01")
    assert ok.returncode == 0, describe(ok)


def test_bad_url_exits_2(tmp_path: Path) -> None:
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS), "--url", "not a url")
    assert_config_error(proc, "dqcheck: error: ")


# -- connection from the environment ---------------------------------------------------------------


def test_dqcheck_url_environment_variable(db: str, tmp_path: Path) -> None:
    path = suite(tmp_path, "ok", PASS_CHECKS)
    proc = run("run", path, "--format", "json", env={"DQCHECK_URL": db})
    assert proc.returncode == 0, describe(proc)
    assert report_of(proc)["summary"]["pass"] == 4


def test_url_option_beats_the_environment(db: str, tmp_path: Path) -> None:
    path = suite(tmp_path, "ok", PASS_CHECKS)
    proc = run("run", path, "--url", db, env={"DQCHECK_URL": UNREACHABLE})
    assert proc.returncode == 0, describe(proc)


# -- the JSON report ------------------------------------------------------------------------------

TOP_KEYS = {
    "version",
    "status",
    "exit_code",
    "started_at",
    "finished_at",
    "duration_seconds",
    "connection",
    "sla_missed",
    "summary",
    "checks",
}
CHECK_KEYS = {
    "suite",
    "name",
    "type",
    "table",
    "status",
    "value",
    "bounds",
    "message",
    "error",
    "duration_seconds",
    "sql",
    "rows",
}


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@pytest.mark.parametrize(
    ("checks", "code", "status"),
    [
        (PASS_CHECKS, 0, "pass"),
        (PASS_CHECKS + WARN_CHECK, 0, "warn"),
        (PASS_CHECKS + WARN_CHECK + FAIL_CHECK, 1, "fail"),
        (PASS_CHECKS + FAIL_CHECK + ERROR_CHECK, 3, "error"),
    ],
    ids=["pass", "warn", "fail", "error"],
)
def test_json_report_shape(db: str, tmp_path: Path, checks: str, code: int, status: str) -> None:
    proc = run("run", suite(tmp_path, "shop", checks), "--url", db, "--format", "json")
    assert proc.returncode == code, describe(proc)
    report = report_of(proc)
    assert not TOP_KEYS - set(report), TOP_KEYS - set(report)
    assert report["version"] == 1
    assert report["status"] == status
    assert report["exit_code"] == proc.returncode
    assert report["sla_missed"] is False
    started = datetime.fromisoformat(report["started_at"])
    finished = datetime.fromisoformat(report["finished_at"])
    assert started.tzinfo is not None
    assert started <= finished
    assert is_number(report["duration_seconds"])
    assert report["duration_seconds"] >= 0
    assert report["connection"] == make_url(db).render_as_string(hide_password=True)

    summary = report["summary"]
    assert set(summary) == {"total", "pass", "warn", "fail", "error"}
    assert summary["total"] == len(report["checks"])
    for name in ("pass", "warn", "fail", "error"):
        assert summary[name] == sum(c["status"] == name for c in report["checks"])

    for check in report["checks"]:
        assert not CHECK_KEYS - set(check), (check["name"], CHECK_KEYS - set(check))
        assert check["suite"] == "shop"
        assert check["status"] in {"pass", "warn", "fail", "error"}
        assert set(check["bounds"]) == {"fail", "warn"}
        assert isinstance(check["bounds"]["fail"], dict)
        assert isinstance(check["bounds"]["warn"], dict)
        assert is_number(check["duration_seconds"])
        assert isinstance(check["sql"], str)
        if check["status"] == "error":
            assert check["value"] is None
            assert isinstance(check["error"], str)
            assert check["error"]
        else:
            assert is_number(check["value"]), check  # a JSON number, not a string
            assert check["error"] is None


def test_json_values_and_bounds(db: str, tmp_path: Path) -> None:
    path = suite(tmp_path, "shop", PASS_CHECKS + WARN_CHECK + FAIL_CHECK)
    proc = run("run", path, "--url", db, "--format", "json")
    by_name = {c["name"]: c for c in report_of(proc)["checks"]}
    assert by_name["has_rows"]["value"] == 4
    assert by_name["has_rows"]["bounds"] == {"fail": {"min": 1}, "warn": {}}
    assert by_name["has_rows"]["table"] == "public.orders"
    assert by_name["avg_amount"]["value"] == 25  # numeric(10,2) arrives as a JSON number
    assert by_name["avg_amount"]["bounds"]["fail"] == {"min": 1, "max": 100}
    assert by_name["email_not_null"]["value"] == 1
    assert by_name["email_not_null"]["bounds"] == {"fail": {"max": 5}, "warn": {"max": 0}}
    assert by_name["status_ok"]["value"] == 1
    assert by_name["status_ok"]["status"] == "fail"
    assert by_name["status_ok"]["message"]
    fresh = by_name["fresh"]
    assert is_number(fresh["value"])
    assert 3000 < fresh["value"] < 6 * 3600  # about an hour, in seconds
    assert fresh["bounds"]["fail"] == {"max": 6 * 3600}


def test_failing_rows_samples_in_json(db: str, tmp_path: Path) -> None:
    checks = (
        "  - name: unpaid\n    type: failing_rows\n"
        "    sql: SELECT id, status FROM orders WHERE status <> 'paid' ORDER BY id\n"
    )
    proc = run("run", suite(tmp_path, "rows", checks), "--url", db, "--format", "json")
    assert proc.returncode == 1, describe(proc)
    (check,) = report_of(proc)["checks"]
    assert check["value"] == 2
    assert check["rows"] == [{"id": 1, "status": "new"}, {"id": 4, "status": "refunded"}]


# -- passwords never shown -----------------------------------------------------------------------


@pytest.fixture
def secret_url(db: str, pg_url: str) -> Iterator[tuple[str, str]]:
    """A URL for a new role with a password full of URL-special characters."""
    role = f"dq_reader_{uuid.uuid4().hex[:10]}"
    password = f"S3cr@t:%/{uuid.uuid4().hex[:12]}"
    from psycopg2 import sql

    def admin(url: str, *statements: sql.Composable) -> None:
        pgserver.execute(url, *statements)

    ident = sql.Identifier(role)
    admin(
        db,
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident),
    )
    url = make_url(db).set(username=role, password=password).render_as_string(hide_password=False)
    try:
        yield url, password
    finally:
        admin(db, sql.SQL("DROP OWNED BY {}").format(ident))
        admin(pg_url, sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def secret_forms(password: str) -> list[str]:
    from urllib.parse import quote, quote_plus

    return [password, quote(password, safe=""), quote_plus(password)]


def test_password_is_masked_everywhere(secret_url: tuple[str, str], tmp_path: Path) -> None:
    url, password = secret_url
    assert password not in url  # the URL holds it percent-encoded
    path = suite(tmp_path, "shop", PASS_CHECKS + FAIL_CHECK + ERROR_CHECK)
    target = tmp_path / "report.json"
    proc = run("run", path, "--url", url, "--format", "json", "--json", target)
    assert proc.returncode == 3, describe(proc)
    report = report_of(proc)
    role = make_url(url).username
    assert report["connection"].startswith(f"postgresql+psycopg2://{role}:***@")
    assert statuses(report)["has_rows"] == "pass"  # the role really connected
    written = target.read_text(encoding="utf-8")
    assert strict_json(written)["connection"] == report["connection"]
    text_proc = run("run", path, "--url", url)
    for out in (proc.stdout, proc.stderr, written, text_proc.stdout, text_proc.stderr):
        for secret in secret_forms(password):
            assert secret not in out


def test_password_is_masked_from_the_environment(
    secret_url: tuple[str, str], tmp_path: Path
) -> None:
    url, password = secret_url
    path = suite(tmp_path, "shop", PASS_CHECKS)
    proc = run("run", path, "--format", "json", env={"DQCHECK_URL": url})
    assert proc.returncode == 0, describe(proc)
    assert ":***@" in report_of(proc)["connection"]
    for secret in secret_forms(password):
        assert secret not in proc.stdout + proc.stderr


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg2"])
def test_password_of_an_unreachable_server_is_masked(tmp_path: Path, scheme: str) -> None:
    password = f"hunter2-{uuid.uuid4().hex[:8]}"
    url = f"{scheme}://nobody:{password}@127.0.0.1:1/x"
    path = suite(tmp_path, "far", PASS_CHECKS)
    proc = run("run", path, "--url", url, "--format", "json")
    assert proc.returncode == 3, describe(proc)
    # a bare postgresql:// gets the psycopg2 driver dqcheck ships
    assert report_of(proc)["connection"] == "postgresql+psycopg2://nobody:***@127.0.0.1:1/x"
    ping = run("ping", "--url", url)
    assert ping.returncode == 3, describe(ping)
    for out in (proc.stdout, proc.stderr, ping.stdout, ping.stderr):
        assert password not in out


def test_password_in_a_bad_url_is_masked(tmp_path: Path) -> None:
    password = f"hunter2-{uuid.uuid4().hex[:8]}"
    proc = run("run", suite(tmp_path, "ok", PASS_CHECKS), "--url", f"nodb://u:{password}@h/x")
    assert proc.returncode == 2, describe(proc)
    assert password not in proc.stdout + proc.stderr


# -- has-rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["orders"], 0),
        (["public.orders"], 0),
        (["empty_table"], 1),
        (["orders", "--min", "5"], 1),
        (["orders", "--min", "4"], 0),
        (["no_such_table"], 3),
        (["orders", "--where", "status = :s", "--var", "s=paid"], 0),
        (["orders", "--where", "status = :s", "--var", "s=cancelled"], 1),
        # bound, not pasted: this value matches no row
        (["orders", "--where", "status = :s", "--var", "s=x' OR '1'='1"], 1),
        (["orders", "--where", "no_such_column = 1"], 3),
    ],
)
def test_has_rows(db: str, args: list[str], code: int) -> None:
    proc = run("has-rows", *args, "--url", db)
    assert proc.returncode == code, describe(proc)


def test_has_rows_counts_with_where_and_var(db: str) -> None:
    args = ["orders", "--where", "status = :s", "--var", "s=paid", "--format", "json"]
    proc = run("has-rows", *args, "--url", db)
    assert proc.returncode == 0, describe(proc)
    (check,) = report_of(proc)["checks"]
    assert check["value"] == 2
    assert check["status"] == "pass"


@pytest.mark.parametrize(
    "args",
    [
        ["orders", "--where", "status = :s"],  # undefined variable
        ["orders;drop"],  # not a table name
        ["orders", "--min", "-1"],
    ],
)
def test_has_rows_config_errors(db: str, args: list[str]) -> None:
    proc = run("has-rows", *args, "--url", db)
    assert_config_error(proc)


def test_has_rows_without_connection_exits_2() -> None:
    assert_config_error(run("has-rows", "orders"), "--url")
