"""The text report as people see it, pinned at 80 and 120 columns (issue: readable numbers,
long names): a suite with failures, warnings, samples, long check names and long expectations on
a fixed SQLite shop. The check name is never cut; the expectation column and problem messages
wrap. Durations are zeroed so the files are stable.

Regenerate after an intended change with ``DQCHECK_REGENERATE_GOLDEN=1 pytest
tests/test_golden_reports.py`` and review the diff by eye."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import pytest

from dqcheck import api
from dqcheck.report import render

GOLDEN = Path(__file__).parent / "golden"

SUITE = """\
suite: shop
checks:
  - {name: orders_has_rows, type: row_count, table: orders, min: 1, warn: {min: 10000}}
  - {name: orders_status_is_known_to_the_billing_system,
     type: accepted_values, table: orders, column: status, values: [paid, shipped, cancelled]}
  - {name: orders_customer_id_not_null, type: null_count, table: orders, column: customer_id}
  - {name: orders_amount_total, type: aggregate, table: orders, expression: sum(amount),
     min: 1000000, max: 9000000000, warn: {min: 5000000, max: 8000000000}}
  - {name: email_unique, type: duplicate_count, table: customers, column: email}
  - {name: big_orders, type: threshold, sql: "SELECT COUNT(*) FROM orders WHERE amount > 1000",
     max: 0}
"""


@pytest.fixture
def result(tmp_path: Path) -> api.RunResult:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id integer PRIMARY KEY, email text)")
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?)",
            [(1, "a@example.com"), (2, "b@example.com"), (3, "a@example.com")],
        )
        conn.execute(
            "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, status text,"
            " amount numeric)"
        )
        rows = [(i, None if i % 400 == 0 else i % 3, "paid", 1234.5) for i in range(1, 1201)]
        rows[10] = (11, 1, "refunded?", 1234.5)
        rows[20] = (21, 2, "unknown", 1234.5)
        rows[30] = (31, 2, "refunded?", 1234.5)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
    suite = tmp_path / "shop.yml"
    suite.write_text(SUITE)
    run = api.run([suite], f"sqlite:///{db}")
    checks = [dataclasses.replace(c, duration_seconds=0.0) for c in run.checks]
    return dataclasses.replace(run, checks=checks, finished_at=run.started_at)


@pytest.mark.parametrize("width", [80, 120])
def test_text_report_is_readable_at_width(result: api.RunResult, width: int) -> None:
    text = render("text", result, width=width)
    golden = GOLDEN / f"text-{width}.txt"
    if os.environ.get("DQCHECK_REGENERATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    long_name = "shop.orders_status_is_known_to_the_billing_system"
    assert long_name in text  # never cut
    for line in text.splitlines():
        assert len(line) <= width or long_name in line, line
