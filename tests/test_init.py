"""``dqcheck init --table``: a starter suite from a real table's columns and keys."""

from __future__ import annotations

from pathlib import Path

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
import yaml
from clitools import invoke

pytestmark = pytest.mark.postgres


@pytest.fixture
def shop(pg_db: str) -> str:
    pgserver.execute(
        pg_db,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.lines (order_id int, line int, sku text NOT NULL, note text,"
        " loaded_at timestamptz NOT NULL DEFAULT now(), created_at date,"
        " PRIMARY KEY (order_id, line))",
        "INSERT INTO shop.lines (order_id, line, sku) VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'a')",
    )
    return pg_db


def test_init_writes_a_suite_that_validates_and_passes(shop: str, tmp_path: Path) -> None:
    out = tmp_path / "lines.yml"
    invoke(["init", "--table", "shop.lines", "--url", shop, "--output", str(out)], 0)
    suite = yaml.safe_load(out.read_text())
    checks = {c["name"]: c for c in suite["checks"]}
    assert [c["type"] for c in suite["checks"]] == [
        "row_count", "null_count", "null_count", "duplicate_count", "freshness",
    ]  # fmt: skip
    assert {c["column"] for c in checks.values() if c["type"] == "null_count"} == {
        "sku",
        "loaded_at",
    }  # the NOT NULL columns outside the key; nullable `note` is left out
    unique = next(c for c in checks.values() if c["type"] == "duplicate_count")
    assert unique["columns"] == ["order_id", "line"]
    fresh = next(c for c in checks.values() if c["type"] == "freshness")
    assert fresh["column"] == "loaded_at"  # a load-time column beats created_at
    invoke(["validate", str(out)], 0)
    result = invoke(["run", str(out), "--url", shop, "--format", "json"], 0)
    assert '"status": "pass"' in result.stdout


def test_init_prints_to_stdout_by_default(shop: str) -> None:
    result = invoke(["init", "--table", "shop.lines", "--url", shop], 0)
    assert yaml.safe_load(result.stdout)["suite"] == "shop_lines"


def test_init_on_a_missing_table_is_exit_3(shop: str) -> None:
    result = invoke(["init", "--table", "shop.nope", "--url", shop], 3)
    assert "shop.nope does not exist" in result.stderr


def test_init_refuses_an_implausible_table_name(shop: str) -> None:
    result = invoke(["init", "--table", "lines; drop table x", "--url", shop], 2)
    assert "--table" in result.stderr
