"""Connections against a real PostgreSQL (SPEC section 3): every source of a connection — --url,
env DQCHECK_URL, --conn-id and the suite's ``connection:`` looked up as env AIRFLOW_CONN_<ID>
(URI and JSON forms) or in the project config — gives the right data, in the documented order
of precedence; what cannot be resolved is exit 2 naming what was tried; ``ping`` answers with
the server's version. Plus the Airflow example DAG compiles.

Trust authentication accepts any password, so "the password is used" is asserted on the
resolved URL, and "it connects as that user" with a query of ``current_user``.
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click.testing
import pytest
from clitools import BASE_ENV, invoke, run_json, strict_json
from sqlalchemy.engine import make_url

from dqcheck.config import load_config
from dqcheck.connections import Resolver, from_airflow

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "p@ss:w/rd%"  # every character that must be URL-encoded in a URL's password
ROWS_A = 3  # rows of orders in the first database
ROWS_B = 5  # ... and in the second one
# Variables a test of this module may set; cleared for every run so the outer environment
# cannot change a result.
CLEARED = {
    name: None
    for name in (
        "AIRFLOW_CONN_WAREHOUSE",
        "AIRFLOW_CONN_OTHER",
        "AIRFLOW_CONN_NOPE",
        "AIRFLOW_CONN_WH_A",
        "AIRFLOW_CONN_WH_B",
        "WH_URL",
        "DQCHECK_TEST_UNSET_VARIABLE",
    )
}


# -- database set-up ------------------------------------------------------------------------------


def _connect(url: str) -> Any:
    import psycopg2

    u = make_url(url)
    conn = psycopg2.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    )
    conn.autocommit = True
    return conn


def execute(url: str, *statements: Any, params: tuple[Any, ...] | None = None) -> None:
    """Run statements (str or psycopg2.sql objects) in autocommit mode."""
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement, params)
    finally:
        conn.close()


def _fill(url: str, rows: int) -> None:
    execute(
        url,
        "CREATE TABLE orders (id integer PRIMARY KEY, amount numeric NOT NULL)",
        f"INSERT INTO orders SELECT i, i * 10 FROM generate_series(1, {rows}) AS i",
    )


@pytest.fixture
def db_a(pg_db: str) -> str:
    """A fresh database whose ``orders`` has 3 rows."""
    _fill(pg_db, ROWS_A)
    return pg_db


@pytest.fixture
def db_b(pg_url: str) -> Iterator[str]:
    """A second fresh database, made here, whose ``orders`` has 5 rows."""
    from psycopg2 import sql

    name = f"dqcheck_conn_{uuid.uuid4().hex[:12]}"
    execute(pg_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        _fill(url, ROWS_B)
        yield url
    finally:
        execute(
            pg_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass(frozen=True)
class Role:
    name: str
    password: str


@pytest.fixture
def reader(pg_url: str, db_a: str) -> Iterator[Role]:
    """A login role with a password full of URL-special characters, allowed to read orders."""
    from psycopg2 import sql

    role = Role(f"dq_reader_{uuid.uuid4().hex[:10]}", PASSWORD)
    ident = sql.Identifier(role.name)
    execute(
        pg_url,
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(ident),
        params=(role.password,),
    )
    try:
        execute(db_a, sql.SQL("GRANT SELECT ON orders TO {}").format(ident))
        yield role
    finally:
        execute(db_a, sql.SQL("DROP OWNED BY {}").format(ident))
        execute(pg_url, sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def host_port(url: str) -> tuple[str, int]:
    u = make_url(url)
    assert u.host and u.port
    return u.host, u.port


def db_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


def airflow_uri(url: str, role: Role, scheme: str = "postgres") -> str:
    """``url``'s database as an Airflow connection URI, logging in as ``role``."""
    host, port = host_port(url)
    password = quote(role.password, safe="")
    return f"{scheme}://{role.name}:{password}@{host}:{port}/{db_name(url)}?sslmode=disable"


def airflow_json(url: str, role: Role, extra: Any) -> str:
    host, port = host_port(url)
    doc = {
        "conn_type": "postgres",
        "host": host,
        "login": role.name,
        "password": role.password,
        "schema": db_name(url),
        "port": port,
        "extra": extra,
    }
    return json.dumps(doc)


# -- suites and runs ------------------------------------------------------------------------------


def write_suite(
    folder: Path,
    name: str = "orders",
    connection: str | None = None,
    user: str | None = None,
) -> Path:
    """A suite counting orders; with ``user``, also checking that it connected as that user."""
    lines = [f"suite: {name}"]
    if connection:
        lines.append(f"connection: {connection}")
    lines += [
        "checks:",
        "  - name: has_rows",
        "    type: row_count",
        "    table: orders",
    ]
    if user:
        lines += [
            "  - name: connected_as",
            "    type: threshold",
            f"    sql: \"SELECT CASE WHEN current_user = '{user}' THEN 1 ELSE 0 END\"",
            "    equals: 1",
        ]
    path = folder / f"{name}.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def values(report: dict[str, Any]) -> dict[str, Any]:
    """``suite.name`` → value of each check, after asserting that none ended in error."""
    for check in report["checks"]:
        assert check["status"] != "error", check
    return {f"{c['suite']}.{c['name']}": c["value"] for c in report["checks"]}


def count(report: dict[str, Any], suite: str = "orders") -> Any:
    return values(report)[f"{suite}.has_rows"]


def resolved_url(**kwargs: Any) -> Any:
    """The SQLAlchemy URL (parsed) a Resolver built from ``kwargs`` resolves to."""
    suite_connection = kwargs.pop("suite_connection", None)
    return make_url(Resolver(**kwargs).resolve(suite_connection).url)


def write_config(folder: Path, body: str) -> Path:
    path = folder / "dqcheck.yml"
    path.write_text(body, encoding="utf-8")
    return path


CONFIG = 'connections:\n  warehouse:\n    url: "${WH_URL}"\n'


# -- each source of a connection ------------------------------------------------------------------


def test_url_option(tmp_path: Path, db_a: str) -> None:
    report = run_json([write_suite(tmp_path), "--url", db_a], env=CLEARED)
    assert count(report) == ROWS_A


def test_dqcheck_url_environment_variable(tmp_path: Path, db_a: str) -> None:
    report = run_json([write_suite(tmp_path)], env={**CLEARED, "DQCHECK_URL": db_a})
    assert count(report) == ROWS_A


def test_conn_id_airflow_uri_with_encoded_password(tmp_path: Path, db_a: str, reader: Role) -> None:
    uri = airflow_uri(db_a, reader)
    assert "%40" in uri and "%3A" in uri and "%2F" in uri and "%25" in uri
    suite = write_suite(tmp_path, user=reader.name)
    report = run_json(
        [suite, "--conn-id", "warehouse"], env={**CLEARED, "AIRFLOW_CONN_WAREHOUSE": uri}
    )
    assert values(report) == {"orders.has_rows": ROWS_A, "orders.connected_as": 1}

    url = resolved_url(conn_id="warehouse", env={"AIRFLOW_CONN_WAREHOUSE": uri})
    assert url.drivername == "postgresql+psycopg2"
    assert url.username == reader.name
    assert url.password == PASSWORD  # decoded once: not "p%40ss..." and not "p@ss" cut short
    assert (url.host, url.port) == host_port(db_a)
    assert url.database == db_name(db_a)
    assert url.query.get("sslmode") == "disable"


@pytest.mark.parametrize("extra_as", ["object", "json_string"])
def test_conn_id_airflow_json_form(tmp_path: Path, db_a: str, reader: Role, extra_as: str) -> None:
    extra: Any = {"sslmode": "disable"}
    if extra_as == "json_string":
        extra = json.dumps(extra)
    conn = airflow_json(db_a, reader, extra)
    suite = write_suite(tmp_path, user=reader.name)
    report = run_json(
        [suite, "--conn-id", "warehouse"], env={**CLEARED, "AIRFLOW_CONN_WAREHOUSE": conn}
    )
    assert values(report) == {"orders.has_rows": ROWS_A, "orders.connected_as": 1}

    url = resolved_url(conn_id="warehouse", env={"AIRFLOW_CONN_WAREHOUSE": conn})
    assert url.drivername == "postgresql+psycopg2"
    assert (url.username, url.password) == (reader.name, PASSWORD)
    assert (url.host, url.port, url.database) == (*host_port(db_a), db_name(db_a))
    assert url.query.get("sslmode") == "disable"


def test_suite_connection_from_airflow_environment(tmp_path: Path, db_a: str, reader: Role) -> None:
    suite = write_suite(tmp_path, connection="warehouse", user=reader.name)
    report = run_json([suite], env={**CLEARED, "AIRFLOW_CONN_WAREHOUSE": airflow_uri(db_a, reader)})
    assert values(report) == {"orders.has_rows": ROWS_A, "orders.connected_as": 1}


def test_config_file_option(tmp_path: Path, db_a: str) -> None:
    config = write_config(tmp_path, CONFIG)
    env = {**CLEARED, "WH_URL": db_a}
    # the suite's connection: id, then the same id given as --conn-id
    suite = write_suite(tmp_path, connection="warehouse")
    assert count(run_json([suite, "--config", config], env=env)) == ROWS_A
    plain = write_suite(tmp_path, name="plain")
    report = run_json([plain, "--config", config, "--conn-id", "warehouse"], env=env)
    assert count(report, "plain") == ROWS_A


def test_config_password_from_environment_reaches_the_url(
    tmp_path: Path, db_a: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port = host_port(db_a)
    config = write_config(
        tmp_path,
        'connections:\n  warehouse:\n    url: "postgresql+psycopg2://postgres:${WH_PW}'
        f'@{host}:{port}/{db_name(db_a)}"\n',
    )
    monkeypatch.setenv("WH_PW", quote(PASSWORD, safe=""))
    loaded = load_config(config, explicit=True)
    url = resolved_url(conn_id="warehouse", config=loaded, env={})
    assert url.password == PASSWORD


def test_default_config_file_in_working_directory(
    tmp_path: Path, db_a: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dqcheck.yml`` in the working directory is read without --config (invoke() runs in an
    empty folder, so this one uses CliRunner directly)."""
    from dqcheck.cli import cli

    write_config(tmp_path, CONFIG)
    suite = write_suite(tmp_path, connection="warehouse")
    monkeypatch.chdir(tmp_path)
    result = click.testing.CliRunner().invoke(
        cli,
        ["run", str(suite), "--format", "json"],
        env={**BASE_ENV, **CLEARED, "WH_URL": db_a},
        prog_name="dqcheck",
    )
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert count(strict_json(result.stdout)) == ROWS_A


def test_unset_variable_in_config_is_exit_2_naming_it(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, 'connections:\n  warehouse:\n    url: "${DQCHECK_TEST_UNSET_VARIABLE}"\n'
    )
    suite = write_suite(tmp_path, connection="warehouse")
    result = invoke(["run", suite, "--config", config], 2, env=CLEARED)
    assert "DQCHECK_TEST_UNSET_VARIABLE" in result.stderr
    assert result.stdout == ""


# -- precedence -----------------------------------------------------------------------------------


def test_url_beats_dqcheck_url_and_suite_connection(tmp_path: Path, db_a: str, db_b: str) -> None:
    suite = write_suite(tmp_path, connection="warehouse")
    env = {**CLEARED, "DQCHECK_URL": db_b, "AIRFLOW_CONN_WAREHOUSE": db_b.replace("+psycopg2", "")}
    assert count(run_json([suite, "--url", db_a], env=env)) == ROWS_A


def test_dqcheck_url_beats_suite_connection(tmp_path: Path, db_a: str, db_b: str) -> None:
    suite = write_suite(tmp_path, connection="warehouse")
    env = {**CLEARED, "DQCHECK_URL": db_a, "AIRFLOW_CONN_WAREHOUSE": db_b}
    assert count(run_json([suite], env=env)) == ROWS_A


def test_conn_id_beats_suite_connection(tmp_path: Path, db_a: str, db_b: str) -> None:
    suite = write_suite(tmp_path, connection="warehouse")
    env = {**CLEARED, "AIRFLOW_CONN_WAREHOUSE": db_b, "AIRFLOW_CONN_OTHER": db_a}
    assert count(run_json([suite, "--conn-id", "other"], env=env)) == ROWS_A


def test_conn_id_beats_dqcheck_url(tmp_path: Path, db_a: str, db_b: str) -> None:
    suite = write_suite(tmp_path)
    env = {**CLEARED, "DQCHECK_URL": db_b, "AIRFLOW_CONN_OTHER": db_a}
    assert count(run_json([suite, "--conn-id", "other"], env=env)) == ROWS_A


def test_airflow_environment_beats_project_config(tmp_path: Path, db_a: str, db_b: str) -> None:
    config = write_config(tmp_path, CONFIG)
    suite = write_suite(tmp_path, connection="warehouse")
    env = {**CLEARED, "WH_URL": db_b, "AIRFLOW_CONN_WAREHOUSE": db_a}
    assert count(run_json([suite, "--config", config], env=env)) == ROWS_A


def test_resolver_order_unit() -> None:
    env = {
        "DQCHECK_URL": "sqlite:///from-env.db",
        "AIRFLOW_CONN_WAREHOUSE": "sqlite://from-suite.db",
        "AIRFLOW_CONN_OTHER": "postgres://u@h:1/other",
    }
    assert Resolver(url="sqlite:///flag.db", env=env).resolve("warehouse").url.endswith("flag.db")
    assert Resolver(conn_id="other", env=env).resolve("warehouse").url.endswith("/other")
    assert Resolver(env=env).resolve("warehouse").url.endswith("from-env.db")
    without_env_url = {k: v for k, v in env.items() if k != "DQCHECK_URL"}
    assert Resolver(env=without_env_url).resolve("warehouse").url.endswith("from-suite.db")


# -- what cannot be resolved ----------------------------------------------------------------------


def test_url_and_conn_id_together_is_exit_2(tmp_path: Path, db_a: str) -> None:
    result = invoke(
        ["run", write_suite(tmp_path), "--url", db_a, "--conn-id", "warehouse"],
        2,
        env={**CLEARED, "AIRFLOW_CONN_WAREHOUSE": db_a},
    )
    assert "--url" in result.stderr and "--conn-id" in result.stderr


def test_url_and_conn_id_together_is_exit_2_for_ping(db_a: str) -> None:
    invoke(["ping", "--url", db_a, "--conn-id", "warehouse"], 2, env=CLEARED)


def test_unknown_conn_id_is_exit_2_naming_what_was_tried(tmp_path: Path) -> None:
    result = invoke(["run", write_suite(tmp_path), "--conn-id", "nope"], 2, env=CLEARED)
    assert "AIRFLOW_CONN_NOPE" in result.stderr
    assert "dqcheck.yml" in result.stderr  # the project config it looked for
    assert "Traceback" not in result.stderr


def test_unknown_conn_id_names_the_config_file_it_read(tmp_path: Path, db_a: str) -> None:
    config = write_config(tmp_path, CONFIG)
    result = invoke(
        ["run", write_suite(tmp_path), "--conn-id", "nope", "--config", config],
        2,
        env={**CLEARED, "WH_URL": db_a},
    )
    assert "AIRFLOW_CONN_NOPE" in result.stderr
    assert str(config) in result.stderr and "connections.nope" in result.stderr


def test_unknown_suite_connection_is_exit_2(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, connection="nope")
    result = invoke(["run", suite], 2, env=CLEARED)
    assert "AIRFLOW_CONN_NOPE" in result.stderr
    assert "nope" in result.stderr


def test_unknown_conn_id_for_ping_is_exit_2() -> None:
    result = invoke(["ping", "--conn-id", "nope"], 2, env=CLEARED)
    assert "AIRFLOW_CONN_NOPE" in result.stderr


# -- several connections in one run ---------------------------------------------------------------


def test_two_suites_with_different_connections(tmp_path: Path, db_a: str, db_b: str) -> None:
    a = write_suite(tmp_path, name="suite_a", connection="wh_a")
    b = write_suite(tmp_path, name="suite_b", connection="wh_b")
    env = {
        **CLEARED,
        "AIRFLOW_CONN_WH_A": db_a.replace("postgresql+psycopg2://", "postgres://"),
        "AIRFLOW_CONN_WH_B": db_b.replace("postgresql+psycopg2://", "postgres://"),
    }
    report = run_json([a, b], env=env)
    assert values(report) == {"suite_a.has_rows": ROWS_A, "suite_b.has_rows": ROWS_B}
    for url in (db_a, db_b):
        assert db_name(url) in report["connection"]


def test_two_suites_from_config_and_airflow(tmp_path: Path, db_a: str, db_b: str) -> None:
    config = write_config(tmp_path, CONFIG)
    a = write_suite(tmp_path, name="suite_a", connection="warehouse")
    b = write_suite(tmp_path, name="suite_b", connection="other")
    env = {**CLEARED, "WH_URL": db_a, "AIRFLOW_CONN_OTHER": db_b}
    report = run_json([a, b, "--config", config], env=env)
    assert values(report) == {"suite_a.has_rows": ROWS_A, "suite_b.has_rows": ROWS_B}


# -- Redshift (unit level) ------------------------------------------------------------------------


def redshift_driver_expected() -> str:
    if importlib.util.find_spec("sqlalchemy_redshift"):
        return "redshift+psycopg2"
    return "postgresql+psycopg2"


def test_redshift_airflow_uri_driver_and_default_port() -> None:
    url = make_url(from_airflow("redshift://awsuser:p%40ss%3Aw%2Frd%25@cluster.example.com/dev"))
    assert url.drivername == redshift_driver_expected()
    assert url.port == 5439
    assert (url.username, url.password) == ("awsuser", PASSWORD)
    assert (url.host, url.database) == ("cluster.example.com", "dev")


def test_redshift_airflow_uri_keeps_an_explicit_port() -> None:
    url = make_url(from_airflow("redshift://awsuser:pw@cluster.example.com:5440/dev"))
    assert (url.drivername, url.port) == (redshift_driver_expected(), 5440)


def test_redshift_airflow_json_form() -> None:
    doc = {
        "conn_type": "redshift",
        "host": "cluster.example.com",
        "login": "awsuser",
        "password": PASSWORD,
        "schema": "dev",
        "extra": {"sslmode": "require"},
    }
    url = make_url(from_airflow(json.dumps(doc)))
    assert url.drivername == redshift_driver_expected()
    assert (url.port, url.password, url.database) == (5439, PASSWORD, "dev")
    assert url.query.get("sslmode") == "require"


def test_redshift_conn_id_through_resolver() -> None:
    env = {"AIRFLOW_CONN_RS": "redshift://awsuser:pw@cluster.example.com/dev"}
    url = resolved_url(conn_id="rs", env=env)
    assert (url.drivername, url.port) == (redshift_driver_expected(), 5439)
    assert url.get_dialect().name == redshift_driver_expected().split("+")[0]


def test_redshift_url_option_defaults_to_port_5439() -> None:
    """``--url redshift://...`` without a port reaches Redshift's port, whichever dialect."""
    url = resolved_url(url="redshift://awsuser:pw@cluster.example.com/dev", env={})
    assert url.port == 5439
    assert url.get_backend_name() == redshift_driver_expected().split("+")[0]


# -- ping -----------------------------------------------------------------------------------------

VERSION = re.compile(r"PostgreSQL \d+")


def test_ping_url_prints_server_version(db_a: str) -> None:
    result = invoke(["ping", "--url", db_a], 0, env=CLEARED)
    assert VERSION.search(result.stdout), result.stdout


def test_ping_conn_id_prints_server_version_not_password(db_a: str, reader: Role) -> None:
    env = {**CLEARED, "AIRFLOW_CONN_WAREHOUSE": airflow_uri(db_a, reader)}
    result = invoke(["ping", "--conn-id", "warehouse"], 0, env=env)
    assert VERSION.search(result.stdout), result.stdout
    assert reader.name in result.stdout and "***" in result.stdout
    for secret in (PASSWORD, quote(PASSWORD, safe="")):
        assert secret not in result.output


def test_ping_dqcheck_url_prints_server_version(db_a: str) -> None:
    result = invoke(["ping"], 0, env={**CLEARED, "DQCHECK_URL": db_a})
    assert VERSION.search(result.stdout), result.stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://u:pw-x9q@127.0.0.1:1/x",
        # The plain scheme of SPEC section 3 (``postgresql://user:***@host/db``).
        "postgresql://u:pw-x9q@127.0.0.1:1/x",
    ],
)
def test_ping_unreachable_server_is_exit_3_without_password(url: str) -> None:
    result = invoke(["ping", "--url", url], 3, env=CLEARED)
    assert "pw-x9q" not in result.output
    assert "internal error" not in result.stderr
    assert "cannot connect" in result.stderr and "127.0.0.1" in result.stderr


def test_ping_unreachable_conn_id_is_exit_3_without_password() -> None:
    env = {**CLEARED, "AIRFLOW_CONN_WAREHOUSE": "postgres://u:p%40ss%3Aw%2Frd%25@127.0.0.1:1/x"}
    result = invoke(["ping", "--conn-id", "warehouse"], 3, env=env)
    for secret in (PASSWORD, quote(PASSWORD, safe="")):
        assert secret not in result.output
    assert "u:***@127.0.0.1:1" in result.stderr


def test_plain_postgresql_scheme_runs(tmp_path: Path, db_a: str) -> None:
    """``postgresql://`` and Airflow's ``postgres://`` (SPEC sections 1 and 3) work with the
    driver dqcheck installs (psycopg2), whatever SQLAlchemy's default PostgreSQL driver is."""
    suite = write_suite(tmp_path)
    for scheme in ("postgresql://", "postgres://"):
        url = db_a.replace("postgresql+psycopg2://", scheme)
        assert count(run_json([suite, "--url", url], env=CLEARED)) == ROWS_A
        assert count(run_json([suite], env={**CLEARED, "DQCHECK_URL": url})) == ROWS_A


# -- the Airflow example --------------------------------------------------------------------------


def test_airflow_example_dag_compiles(tmp_path: Path) -> None:
    dag = ROOT / "examples" / "airflow_dag.py"
    py_compile.compile(str(dag), cfile=str(tmp_path / "airflow_dag.pyc"), doraise=True)
    text = dag.read_text(encoding="utf-8")
    assert "--conn-id" in text
    assert "{{ ds }}" in text
    assert "BashOperator" in text
    assert "dqcheck run" in text
