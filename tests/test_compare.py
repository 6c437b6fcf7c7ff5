"""``compare`` against a reference in another database, named by ``to.connection``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import invoke, strict_json

pytestmark = pytest.mark.postgres


@pytest.fixture
def reference_db(pg_url: str) -> Iterator[str]:
    name = f"dq_ref_{uuid.uuid4().hex[:10]}"
    url = pgserver.create_database(pg_url, name)
    try:
        yield url
    finally:
        pgserver.drop_database(pg_url, name)


SUITE = """\
checks:
  - name: rows_match
    type: compare
    table: orders
    to: {table: orders, connection: source}
  - name: amount_close
    type: compare
    table: orders
    expression: sum(amount)
    to: {table: orders, connection: source, where: "id <= :upto"}
    max_diff_percent: 10
"""


def test_compare_reads_the_reference_from_its_own_connection(
    pg_db: str, reference_db: str, tmp_path: Path
) -> None:
    pgserver.execute(
        pg_db,
        "CREATE TABLE orders (id int, amount numeric(10, 2))",
        "INSERT INTO orders SELECT g, 10 FROM generate_series(1, 100) g",
    )
    pgserver.execute(
        reference_db,
        "CREATE TABLE orders (id int, amount numeric(10, 2))",
        "INSERT INTO orders SELECT g, 10 FROM generate_series(1, 95) g",
    )
    suite = tmp_path / "s.yml"
    suite.write_text(SUITE)
    env = {"AIRFLOW_CONN_SOURCE": reference_db.replace("+psycopg2", "")}
    args = ["run", str(suite), "--url", pg_db, "--var", "upto=95", "--format", "json"]
    result = invoke(args, 1, env=env)
    checks = {c["name"]: c for c in strict_json(result.stdout)["checks"]}
    # 100 rows here vs 95 in the reference: 100 × 5 / 95
    assert checks["rows_match"]["status"] == "fail"
    assert checks["rows_match"]["value"] == pytest.approx(500 / 95)
    assert "this 100, reference 95" in checks["rows_match"]["message"]
    assert checks["amount_close"]["status"] == "pass"
    assert checks["amount_close"]["value"] == pytest.approx(500 / 95)


def test_an_unknown_reference_connection_is_exit_2(pg_db: str, tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(SUITE)
    result = invoke(["run", str(suite), "--url", pg_db, "--var", "upto=1"], 2)
    assert "connection 'source' (from to.connection) not found" in result.stderr
    assert "AIRFLOW_CONN_SOURCE" in result.stderr


def test_an_undefined_variable_in_the_reference_where_is_exit_2(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(SUITE)
    result = invoke(["validate", str(suite)], 2)
    assert "undefined variable ':upto'" in result.stderr
    assert "check 'amount_close'" in result.stderr
