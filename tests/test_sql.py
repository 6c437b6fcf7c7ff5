"""The SQL dqcheck emits, pinned per dialect without a database (STYLE 6)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from dqcheck import api
from dqcheck.plan import Plan

SUITE = """
suite: shop
vars: {ds: "2026-01-01"}
checks:
  - {name: rows, type: row_count, table: public.orders, where: "created_at >= :ds"}
  - {name: rows_max, type: row_count, table: public.orders, where: "created_at >= :ds", max: 9}
  - {name: nulls, type: null_count, table: public.orders, where: "created_at >= :ds",
     column: customer_id}
  - {name: pct, type: null_percent, table: public.orders, where: "created_at >= :ds",
     column: customer_id, max: 5}
  - {name: dup, type: duplicate_count, table: public.orders, where: "created_at >= :ds",
     column: Email}
  - {name: status, type: accepted_values, table: public.orders, where: "created_at >= :ds",
     column: status, values: [new, "o'brien"]}
  - {name: avg, type: aggregate, table: public.orders, where: "created_at >= :ds",
     expression: avg(amount), min: 1}
  - {name: fresh, type: freshness, table: public.orders, where: "created_at >= :ds",
     column: updated_at, max_age: 6h}
  - {name: dup2, type: duplicate_count, table: Shop.Orders, columns: [a, "b c"]}
  - {name: bad, type: failing_rows, sql: "SELECT id FROM public.orders WHERE amount < :ds"}
  - {name: th, type: threshold, sql: "SELECT max(amount) FROM public.orders", max: 10}
  - {name: cols, type: schema, table: public.orders, columns: {id: integer}}
"""


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    path = tmp_path / "shop.yml"
    path.write_text(SUITE)
    return api.plan(api.load_suites([path]))


def test_one_select_answers_every_scan_check_on_a_table_and_filter(plan: Plan) -> None:
    scans = [q for q in plan.queries if q.is_scan]
    assert len(scans) == 1
    assert [c.name for c in scans[0].checks] == [
        "rows", "rows_max", "nulls", "pct", "dup", "status", "avg", "fresh",
    ]  # fmt: skip
    assert len(plan.queries) == 5  # the scan, dup2, bad, th, cols


def _lines(sql: str | None) -> str:
    return "\n".join(line.rstrip() for line in (sql or "").splitlines())


def test_scan_sql_on_postgresql(plan: Plan) -> None:
    # NULLs as COUNT(*) - COUNT(col), other counts as COUNT(CASE ... THEN 1 END): 0 on no rows,
    # no FILTER; count(*) and count(col) are shared by every check that needs them.
    assert _lines(plan.queries[0].render(postgresql.dialect())) == (
        'SELECT count(*) AS m0, count(customer_id) AS m1, count("Email") AS m2, '
        'count(DISTINCT "Email") AS m3, count(CASE WHEN (status IS NOT NULL AND '
        "(status NOT IN (:param_1, :param_2))) THEN 1 END) AS m4, (avg(amount)) AS m5, "
        "max(updated_at) AS m6\n"
        "FROM public.orders\n"
        "WHERE (created_at >= :ds_1)"
    )
    assert plan.queries[0].params(postgresql.dialect()) == {
        "param_1": "new",
        "param_2": "o'brien",
        "ds_1": "2026-01-01",
    }


def test_freshness_reads_max_in_the_scan_and_no_clock_function(plan: Plan) -> None:
    # Redshift's current-time functions are leader-node only: they cannot be in a table scan.
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        sql = str(plan.queries[0].render(dialect))
        assert "max(updated_at)" in sql
        assert "CURRENT_TIMESTAMP" not in sql


def test_identifiers_are_quoted_not_pasted(plan: Plan) -> None:
    dup2 = plan.queries[1].render(postgresql.dialect())
    assert dup2 is not None
    assert '"Shop"."Orders"' in dup2
    assert '"b c" IS NOT NULL' in dup2
    assert 'GROUP BY a, "b c"' in dup2


def test_variables_are_bound_never_pasted(plan: Plan) -> None:
    for query in plan.queries:
        sql = query.render(postgresql.dialect()) or ""
        assert "2026-01-01" not in sql
        assert "o'brien" not in sql


def test_failing_rows_counts_everything_and_samples_five(plan: Plan) -> None:
    sql = plan.queries[2].render(postgresql.dialect())
    assert sql == textwrap.dedent("""\
        SELECT failing.*, COUNT(*) OVER () AS dqcheck_total_rows__ FROM (SELECT id FROM public.orders WHERE amount < :ds_1
        ) AS failing LIMIT 5""")  # noqa: E501


REDSHIFT_UNSAFE = [
    (r"FILTER\s*\(", "aggregate FILTER clause"),
    (r"IS\s+(NOT\s+)?DISTINCT\s+FROM", "IS DISTINCT FROM"),
    (r"COUNT\s*\(\s*DISTINCT\s*\(", "row-constructor COUNT(DISTINCT (...))"),
    (r"::\s*(VARCHAR|INTEGER|TEXT|JSONB?|UUID)\b", "a :: cast"),
    (r"\bNOW\s*\(", "NOW(), leader-node only on Redshift"),
]


def test_postgresql_sql_is_redshift_safe(plan: Plan) -> None:
    for query in plan.queries:
        sql = query.render(postgresql.psycopg2.dialect()) or ""
        for pattern, what in REDSHIFT_UNSAFE:
            assert not re.search(pattern, sql, re.I), f"{what} in {sql}"
