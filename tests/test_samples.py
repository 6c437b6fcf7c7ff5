"""Samples of the bad rows (SPEC 2.5), on SQLite and a real PostgreSQL.

Each row-level type that fails or warns shows which rows: ``accepted_values`` the offending
values with counts, ``duplicate_count`` the duplicated keys (``{"key": {...}}`` for several
columns), ``null_count``/``null_percent`` the keys of the NULL rows (primary key by reflection,
or ``sample_columns``), ``relationship`` the orphan values, ``failing_rows`` its first rows.
They reach the JSON report, the text report, Markdown, JUnit and an alert received by a real
HTTP peer. A passing check, ``samples: 0`` and ``--samples 0`` issue no sample query (counted
with ``pg_stat_statements``); cells are cut to 200 characters; samples honour ``where``; a
sample that cannot be read only adds a note.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke, run_json, strict_json
from peers import HttpPeer, write
from pgserver import count_statements, recorded_statements
from pgserver import execute as pg_execute

pytest_plugins = ["peers"]

SETUP = """
CREATE TABLE customers (id integer PRIMARY KEY, email text);
INSERT INTO customers VALUES (1, 'a@x'), (2, 'b@x'), (3, 'a@x'), (4, 'c@x'), (5, 'a@x'),
    (6, 'b@x');
CREATE TABLE orders (
    id integer PRIMARY KEY, customer_id integer, status text, region text, sku text
);
INSERT INTO orders VALUES
    (1, 1, 'paid', 'eu', 'MUG'),
    (2, 2, 'refunded', 'eu', 'MUG'),
    (3, NULL, 'refunded', 'us', 'TEE'),
    (4, 9, 'lost', 'us', 'TEE'),
    (5, NULL, 'paid', 'us', 'TEE'),
    (6, 9, 'cancelled', 'eu', 'CAP'),
    (7, 8, 'paid', 'eu', 'CAP');
CREATE TABLE events (kind text, ref integer);
INSERT INTO events VALUES ('a', NULL), ('b', 1)
"""

SUITE = """\
suite: shop
vars: {r: eu}
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: status_ok, type: accepted_values, table: orders, column: status,
     values: [paid, refunded, lost, cancelled]}
  - {name: status_paid, type: accepted_values, table: orders, column: status, values: [paid]}
  - {name: status_paid_eu, type: accepted_values, table: orders, column: status,
     values: [paid], where: "region = :r"}
  - {name: email_unique, type: duplicate_count, table: customers, column: email,
     warn: {max: 0}, max: 10}
  - {name: region_sku_unique, type: duplicate_count, table: orders, columns: [region, sku]}
  - {name: customer_not_null, type: null_count, table: orders, column: customer_id}
  - {name: customer_null_pct, type: null_percent, table: orders, column: customer_id, max: 10,
     sample_columns: [id, status]}
  - {name: customer_exists, type: relationship, table: orders, column: customer_id,
     to: {table: customers, column: id}}
  - {name: unpaid, type: failing_rows, samples: 3,
     sql: "SELECT id, status FROM orders WHERE status <> 'paid' ORDER BY id"}
  - {name: event_ref_not_null, type: null_count, table: events, column: ref}
"""

#: check -> expected samples (None: no samples)
EXPECTED: dict[str, Any] = {
    "has_rows": None,
    "status_ok": None,
    "status_paid": [
        {"value": "refunded", "count": 2},
        {"value": "cancelled", "count": 1},
        {"value": "lost", "count": 1},
    ],
    "status_paid_eu": [{"value": "cancelled", "count": 1}, {"value": "refunded", "count": 1}],
    "email_unique": [{"value": "a@x", "count": 3}, {"value": "b@x", "count": 2}],
    "region_sku_unique": [
        {"key": {"region": "us", "sku": "TEE"}, "count": 3},
        {"key": {"region": "eu", "sku": "CAP"}, "count": 2},
        {"key": {"region": "eu", "sku": "MUG"}, "count": 2},
    ],
    "customer_not_null": [{"id": 3}, {"id": 5}],
    "customer_null_pct": [{"id": 3, "status": "refunded"}, {"id": 5, "status": "paid"}],
    "customer_exists": [{"value": 9, "count": 2}, {"value": 8, "count": 1}],
    "unpaid": [
        {"id": 2, "status": "refunded"},
        {"id": 3, "status": "refunded"},
        {"id": 4, "status": "lost"},
    ],
    "event_ref_not_null": None,
}

STATUS = {"has_rows": "pass", "status_ok": "pass", "email_unique": "warn"}


def sqlite_db(tmp_path: Path, sql: str = SETUP) -> str:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    try:
        conn.executescript(sql)
        conn.commit()
    finally:
        conn.close()
    return f"sqlite:///{path}"


def setup_pg(url: str, sql: str = SETUP) -> str:
    pg_execute(url, *filter(str.strip, sql.split(";")))
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_db(tmp_path)
    return setup_pg(request.getfixturevalue("pg_db"))


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


# -- every output ---------------------------------------------------------------------------------


def test_samples_in_json_text_markdown_junit_and_alert(
    db: str, tmp_path: Path, http_peer: Callable[..., HttpPeer]
) -> None:
    peer = http_peer()
    suite = write(tmp_path, "shop.yml", SUITE)
    files = {k: tmp_path / f"report.{k}" for k in ("json", "junit", "markdown")}
    out = invoke(
        [
            "run",
            suite,
            "--url",
            db,
            *(arg for kind, path in files.items() for arg in (f"--{kind}", path)),
            "--notify",
            peer.url("/x", scheme="json"),
        ],
        1,
    ).stdout

    # JSON: the shapes of SPEC 2.5, exactly, and nothing for passing checks.
    checks = by_name(strict_json(files["json"].read_text()))
    for name, samples in EXPECTED.items():
        assert checks[name]["status"] == STATUS.get(name, "fail"), checks[name]
        assert checks[name]["samples"] == samples, (name, checks[name])
    assert checks["unpaid"]["rows"] == EXPECTED["unpaid"], "rows stays as the alias"
    assert checks["unpaid"]["value"] == 4, "all rows counted, whatever the samples shown"
    assert "no primary key" in checks["event_ref_not_null"]["message"]
    assert "sample_columns" in checks["event_ref_not_null"]["message"]

    # Text: indented under each problem.
    lines = out.splitlines()
    for line in [
        "    refunded (2), cancelled (1), lost (1)",
        "    cancelled (1), refunded (1)",
        "    a@x (3), b@x (2)",
        "    region=us, sku=TEE (3)",
        "    region=eu, sku=MUG (2)",
        "    id: 3, 5",
        "    id=3, status=refunded",
        "    9 (2), 8 (1)",
        "    id=4, status=lost",
    ]:
        assert line in lines, out
    at = lines.index("    refunded (2), cancelled (1), lost (1)")
    assert lines[at - 1].startswith("FAIL  shop.status_paid:"), out
    assert "shop.status_ok:" not in out and "shop.has_rows:" not in out

    # Markdown: a nested list under each problem.
    markdown = files["markdown"].read_text()
    for line in ["  - refunded (2)", "  - region=us, sku=TEE (3)", "  - id=3, status=refunded"]:
        assert line in markdown.splitlines(), markdown

    # JUnit: in the failure body (and the warning's system-out).
    root = ET.fromstring(files["junit"].read_text())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["status_paid"].find("failure")
    assert failure is not None and failure.text is not None
    assert "samples:\n  refunded (2), cancelled (1), lost (1)" in failure.text, failure.text
    orphans = cases["customer_exists"].find("failure")
    assert orphans is not None and "9 (2), 8 (1)" in (orphans.text or "")
    warned = cases["email_unique"].find("system-out")
    assert warned is not None and "a@x (3), b@x (2)" in (warned.text or "")

    # The fail alert a real HTTP peer received (warnings are not alerted by default).
    (alert,) = (r.json() for r in peer.wait_for(1))
    assert "checks failed" in alert["title"], alert
    for line in [
        "- shop.status_paid: value 4, expected <= 0. 4, expected <= 0",
        "    refunded (2), cancelled (1), lost (1)",
        "    region=us, sku=TEE (3)",
        "    id: 3, 5",
        "    id=2, status=refunded",
    ]:
        assert line in alert["message"].splitlines(), alert["message"]


def test_samples_override_and_off(db: str, tmp_path: Path) -> None:
    suite = write(tmp_path, "shop.yml", SUITE)
    checks = by_name(run_json([suite, "--url", db, "--samples", "1"], 1))
    for name, samples in EXPECTED.items():
        assert checks[name]["samples"] == (samples[:1] if samples else None), name
    assert checks["unpaid"]["rows"] == EXPECTED["unpaid"][:1]
    assert checks["unpaid"]["value"] == 4

    checks = by_name(run_json([suite, "--url", db, "--samples", "0"], 1))
    assert all(c["samples"] is None for c in checks.values()), checks
    assert checks["unpaid"]["value"] == 4, "samples 0 still counts every row"
    assert checks["unpaid"]["rows"] == []
    assert "no primary key" not in checks["event_ref_not_null"]["message"]


def test_samples_honour_where_and_are_cut(db: str, tmp_path: Path) -> None:
    long = "x" * 500
    if db.startswith("sqlite"):
        conn = sqlite3.connect(db.removeprefix("sqlite:///"))
        conn.execute("INSERT INTO orders VALUES (8, NULL, ?, 'mars', ?)", (long, long))
        conn.commit()
        conn.close()
    else:
        pg_execute(db, "INSERT INTO orders VALUES (8, NULL, %s, 'mars', %s)", params=(long, long))
    suite = write(
        tmp_path,
        "cut.yml",
        """\
checks:
  - {name: status_mars, type: accepted_values, table: orders, column: status, values: [paid],
     where: "region = 'mars' OR region = 'moon'"}
  - {name: null_mars, type: null_count, table: orders, column: customer_id,
     where: "region = 'mars' OR region = 'moon'", sample_columns: [id, sku]}
  - {name: rows_mars, type: failing_rows, sql: "SELECT sku FROM orders WHERE region = 'mars'"}
""",
    )
    checks = by_name(run_json([suite, "--url", db], 1))
    cut = "x" * 199 + "…"
    assert checks["status_mars"]["samples"] == [{"value": cut, "count": 1}]
    assert checks["null_mars"]["samples"] == [{"id": 8, "sku": cut}]
    assert checks["rows_mars"]["samples"] == [{"sku": cut}]


def test_a_sample_that_cannot_be_read_only_adds_a_note(db: str, tmp_path: Path) -> None:
    suite = write(
        tmp_path,
        "bad.yml",
        """\
checks:
  - {name: nulls, type: null_count, table: orders, column: customer_id,
     sample_columns: [no_such_column]}
""",
    )
    (check,) = run_json([suite, "--url", db], 1)["checks"]
    assert check["status"] == "fail" and check["value"] == 2
    assert check["samples"] is None
    assert check["message"].startswith("2, expected <= 0; no samples: "), check["message"]


def test_has_rows_takes_samples(db: str) -> None:
    invoke(["has-rows", "orders", "--url", db, "--samples", "0"], 0)


# -- no sample query unless needed (PostgreSQL, counted on the server) ----------------------------


@pytest.fixture
def counted_db(pg_db: str) -> str:
    count_statements(pg_db)
    return setup_pg(pg_db)


def sample_statements(url: str) -> list[tuple[str, int]]:
    """(query, calls) of this database's statements with a LIMIT: the sample queries (the
    scans and the checks' own queries here have none)."""
    condition = "query ~* 'LIMIT' AND position('pg_catalog' in query) = 0"
    return recorded_statements(url, condition)


def reset(url: str) -> None:
    pg_execute(url, "SELECT pg_stat_statements_reset()")


CHECKS = """\
checks:
  - {name: status_ok, type: accepted_values, table: orders, column: status,
     values: [paid, refunded, lost, cancelled]}
  - {name: dup_ok, type: duplicate_count, table: orders, column: id}
  - {name: ref_ok, type: relationship, table: orders, column: customer_id,
     to: {table: orders, column: customer_id}}
  - {name: status_paid, type: accepted_values, table: orders, column: status, values: [paid]
     %s}
"""


@pytest.mark.postgres
def test_passing_checks_and_samples_off_issue_no_sample_query(
    counted_db: str, tmp_path: Path
) -> None:
    # Control: the failing check's one sample query is seen, once, with its LIMIT.
    suite = write(tmp_path, "on.yml", CHECKS % "")
    reset(counted_db)
    checks = by_name(run_json([suite, "--url", counted_db], 1))
    assert checks["status_paid"]["samples"], checks["status_paid"]
    seen = sample_statements(counted_db)
    assert [calls for _, calls in seen] == [1], seen
    assert "GROUP BY" in seen[0][0] and "NOT IN" in seen[0][0], seen

    # Only passing checks: no sample query.
    passing = write(tmp_path, "pass.yml", CHECKS.split("  - {name: status_paid")[0])
    reset(counted_db)
    checks = by_name(run_json([passing, "--url", counted_db], 0))
    assert all(c["samples"] is None for c in checks.values())
    assert sample_statements(counted_db) == []

    # samples: 0 on the check, and --samples 0 for the run: none either.
    off = write(tmp_path, "off.yml", CHECKS % ", samples: 0")
    for args in ([off], [suite, "--samples", "0"]):
        reset(counted_db)
        checks = by_name(run_json([*args, "--url", counted_db], 1))
        assert checks["status_paid"]["status"] == "fail"
        assert checks["status_paid"]["samples"] is None
        assert sample_statements(counted_db) == [], args


# -- the suite keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("samples: -1", "expected 0 to 1000 rows, got -1"),
        ("samples: many", "expected a whole number of rows"),
        ("samples: 2.5", "expected a whole number of rows"),
        ("samples: true", "expected a whole number of rows"),
        ("sample_columns: id", "expected a non-empty list of column names"),
        ("sample_columns: []", "expected a non-empty list of column names"),
        ("sample_columns: ['a;b']", "not a plausible name"),
        ("samplez: 3", "unknown key 'samplez' (did you mean 'samples'?)"),
    ],
)
def test_invalid_sample_keys_are_located(tmp_path: Path, value: str, problem: str) -> None:
    suite = write(
        tmp_path,
        "s.yml",
        "checks:\n  - name: nulls\n    type: null_count\n    table: t\n    column: c\n"
        f"    {value}\n",
    )
    err = invoke(["validate", suite], 2).stderr
    assert "s.yml:6" in err and "nulls" in err and problem in err, err


def test_valid_sample_keys_and_json_schema(tmp_path: Path) -> None:
    suite = write(
        tmp_path,
        "s.yml",
        "checks:\n  - {name: nulls, type: null_count, table: t, column: c, samples: 0,"
        " sample_columns: [a, b]}\n  - {name: q, type: failing_rows, sql: SELECT 1, samples: 20}\n",
    )
    invoke(["validate", suite], 0)
    schema = strict_json(invoke(["schema"], 0).stdout)
    for variant in schema["properties"]["checks"]["items"]["oneOf"]:
        props = variant["properties"]
        assert props["samples"]["type"] == "integer" and props["samples"]["minimum"] == 0
        assert props["sample_columns"]["type"] == "array"


def test_run_help_documents_samples() -> None:
    for command in ("run", "has-rows"):
        assert "--samples N" in invoke([command, "--help"], 0).stdout


# -- the demo -------------------------------------------------------------------------------------


def test_demo_shows_the_samples_of_its_failing_checks(tmp_path: Path) -> None:
    """What `make demo` prints: each row-level check it fails or warns shows its bad rows."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "demo.db"
    subprocess.run(
        [sys.executable, root / "demo" / "make_demo_db.py", "--output", db],
        check=True,
        capture_output=True,
        timeout=120,
    )
    url = f"sqlite:///{db}"
    checks = {
        f"{c['suite']}.{c['name']}": c
        for c in run_json([root / "checks", "--url", url], 1)["checks"]
    }
    conn = sqlite3.connect(db)
    try:
        null_ids = [
            r[0]
            for r in conn.execute("SELECT id FROM orders WHERE customer_id IS NULL ORDER BY id")
        ]
        bad = conn.execute(
            "SELECT status, COUNT(*) FROM orders WHERE status NOT IN"
            " ('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'returned')"
            " GROUP BY status ORDER BY COUNT(*) DESC, status"
        ).fetchall()
    finally:
        conn.close()
    assert checks["orders.orders_customer_id_not_null"]["samples"] == [{"id": i} for i in null_ids]
    assert checks["orders.orders_status_accepted"]["samples"] == [
        {"value": v, "count": n} for v, n in bad
    ]
    emails = checks["customers.customers_email_unique"]
    assert emails["status"] == "warn" and len(emails["samples"]) == 3
    assert all(s["count"] == 2 for s in emails["samples"])
    orphans = checks["orders.orders_customer_exists"]
    assert orphans["samples"] == orphans["rows"] and len(orphans["samples"]) == 2
    shown = [c for c in checks.values() if c["samples"]]
    assert all(c["status"] in ("fail", "warn") for c in shown)

    out = invoke(["run", root / "checks", "--url", url], 1).stdout
    assert "    refunded? (2), unknown (1)" in out.splitlines(), out
    assert "    id: " + ", ".join(map(str, null_ids)) in out.splitlines(), out


def test_sample_text_quotes_only_what_would_be_ambiguous() -> None:
    from dqcheck.report import sample_block
    from dqcheck.results import CheckResult, Status

    def block(samples: list[dict[str, Any]]) -> list[str]:
        return sample_block(CheckResult("s", "c", "t", None, Status.FAIL, samples=samples))

    values = [{"value": v, "count": 1} for v in ("ok", "", " pad", "a, b", "x=1")]
    assert block(values) == ['    ok (1), "" (1), " pad" (1), "a, b" (1), "x=1" (1)']
    assert block([{"id": 1, "note": None}, {"id": 2, "note": "a\nb"}]) == [
        "    id=1, note=NULL",
        '    id=2, note="a\\nb"',
    ]
    assert block([{"key": {"a": 1, "b": "x"}, "count": 1_234}]) == ["    a=1, b=x (1,234)"]
