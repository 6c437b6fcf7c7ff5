"""The history store (SPEC 6) and the ``change`` check that reads it, on real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import invoke, strict_json

pytestmark = pytest.mark.postgres

SUITE = """\
suite: shop
checks:
  - {name: rows, type: row_count, table: orders}
  - {name: rows_change, type: change, table: orders, max_change_percent: 10}
  - name: amount_change
    type: change
    table: orders
    expression: sum(amount)
    max_change_percent: 50
    warn: {max_change_percent: 5}
"""


@pytest.fixture
def shop(pg_db: str, tmp_path: Path) -> tuple[str, Path, str]:
    pgserver.execute(
        pg_db,
        "CREATE TABLE orders (id int, amount numeric(10, 2))",
        "INSERT INTO orders SELECT g, 10 FROM generate_series(1, 100) g",
    )
    suite = tmp_path / "shop.yml"
    suite.write_text(SUITE)
    history = f"sqlite:///{tmp_path / 'state' / 'history.db'}"
    return pg_db, suite, history


def run(db: str, suite: Path, history: str, code: int) -> dict[str, dict[str, object]]:
    result = invoke(
        ["run", str(suite), "--url", db, "--history", history, "--format", "json"], code
    )
    return {c["name"]: c for c in strict_json(result.stdout)["checks"]}


def test_change_passes_first_then_compares_with_the_last_run(
    shop: tuple[str, Path, str],
) -> None:
    db, suite, history = shop
    first = run(db, suite, history, 0)
    assert first["rows_change"]["status"] == "pass"
    assert first["rows_change"]["value"] is None
    assert "first run" in str(first["rows_change"]["message"])

    same = run(db, suite, history, 0)
    assert same["rows_change"]["value"] == 0
    assert same["amount_change"]["value"] == 0

    # 100 → 130 rows (+30 %), amount 1000 → 1060 (+6 %): rows fail, amount warns
    pgserver.execute(
        db,
        "INSERT INTO orders SELECT g, 2 FROM generate_series(101, 130) g",
    )
    moved = run(db, suite, history, 1)
    assert moved["rows_change"]["status"] == "fail"
    assert moved["rows_change"]["value"] == pytest.approx(30)
    assert "130 now, 100 last run (+30%)" in str(moved["rows_change"]["message"])
    assert moved["amount_change"]["status"] == "warn"
    assert moved["amount_change"]["value"] == pytest.approx(6)

    # the baseline is the last run (130 rows), not the first
    again = run(db, suite, history, 0)
    assert again["rows_change"]["value"] == 0


def test_a_drop_counts_as_a_change_too(shop: tuple[str, Path, str]) -> None:
    db, suite, history = shop
    run(db, suite, history, 0)
    pgserver.execute(db, "DELETE FROM orders WHERE id > 50")
    dropped = run(db, suite, history, 1)
    assert dropped["rows_change"]["value"] == pytest.approx(50)
    assert "(-50%)" in str(dropped["rows_change"]["message"])


def test_history_command_lists_recent_results(shop: tuple[str, Path, str]) -> None:
    db, suite, history = shop
    run(db, suite, history, 0)
    run(db, suite, history, 0)
    result = invoke(["history", "--history", history, "--format", "json", "--limit", "4"], 0)
    rows = strict_json(result.stdout)
    assert len(rows) == 4
    assert {r["suite"] for r in rows} == {"shop"}
    assert rows[0]["id"] > rows[-1]["id"]  # newest first
    only = strict_json(
        invoke(["history", "--history", history, "--check", "rows", "--format", "json"], 0).stdout
    )
    assert [r["check_name"] for r in only] == ["rows", "rows"]
    assert [r["value"] for r in only] == [100, 100]
    text = invoke(["history", "--history", history, "--check", "rows"], 0).stdout
    assert "shop.rows" in text and "pass" in text


def test_history_from_the_project_config(shop: tuple[str, Path, str], tmp_path: Path) -> None:
    db, suite, history = shop
    config = tmp_path / "dqcheck.yml"
    config.write_text(f"history: {{url: '{history}'}}\n")
    invoke(["run", str(suite), "--url", db, "--config", str(config)], 0)
    rows = strict_json(invoke(["history", "--config", str(config), "--format", "json"], 0).stdout)
    assert len(rows) == 3


def test_a_change_check_without_history_is_a_configuration_error(
    shop: tuple[str, Path, str],
) -> None:
    db, suite, _ = shop
    result = invoke(["run", str(suite), "--url", db], 2)
    assert "check 'rows_change'" in result.stderr
    assert "history" in result.stderr


def test_history_without_configuration_is_exit_2(tmp_path: Path) -> None:
    result = invoke(["history"], 2)
    assert "no history configured" in result.stderr


def test_a_history_that_cannot_be_written_leaves_the_exit_code(pg_db: str, tmp_path: Path) -> None:
    pgserver.execute(pg_db, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)")
    suite = tmp_path / "s.yml"
    suite.write_text("checks:\n  - {name: rows, type: row_count, table: t}\n")
    broken = "postgresql://nobody@127.0.0.1:1/nowhere"
    result = invoke(["run", str(suite), "--url", pg_db, "--history", broken], 0)
    assert "could not write the history" in result.stderr


def test_an_unreachable_history_is_the_error_of_the_change_checks(
    shop: tuple[str, Path, str],
) -> None:
    """Refused at once: the change checks end in error, the other checks still run, exit 3;
    the run does not wait for the history a second time to write it."""
    db, suite, _ = shop
    broken = "postgresql://nobody@127.0.0.1:1/nowhere"
    checks = run(db, suite, broken, 3)
    assert checks["rows"]["status"] == "pass"
    for name in ("rows_change", "amount_change"):
        assert checks[name]["status"] == "error"
        assert str(checks[name]["message"]).startswith("cannot read the history"), checks[name]


def test_history_connections_are_bounded(pg_db: str) -> None:
    """A connect timeout on every history engine, and a statement timeout on PostgreSQL."""
    from dqcheck.monitor.history import CONNECT_TIMEOUT, STATEMENT_TIMEOUT, History

    store = History(pg_db)
    try:
        with store.engine.connect() as conn:
            shown = conn.exec_driver_sql("SHOW statement_timeout").scalar()
            assert shown == f"{STATEMENT_TIMEOUT}s"
            params = conn.connection.dbapi_connection.get_dsn_parameters()  # type: ignore[union-attr]
            assert params["connect_timeout"] == str(CONNECT_TIMEOUT)
    finally:
        store.close()
    own = History(pg_db + "?connect_timeout=3")
    try:
        with own.engine.connect() as conn:
            params = conn.connection.dbapi_connection.get_dsn_parameters()  # type: ignore[union-attr]
            assert params["connect_timeout"] == "3", "a timeout in the URL wins"
    finally:
        own.close()


def test_an_in_memory_history_is_one_database(tmp_path: Path) -> None:
    """Every operation of a History runs on one thread: a SQLite ``:memory:`` history keeps
    what was appended."""
    from datetime import datetime, timezone

    from dqcheck.monitor.history import History
    from dqcheck.results import CheckResult, RunResult, Status

    now = datetime.now(timezone.utc)
    store = History("sqlite://")
    try:
        store.append(
            RunResult([CheckResult("s", "c", "change", None, Status.PASS, measure=7)], now, now)
        )
        assert store.last_measures([("s", "c")]) == {("s", "c"): 7.0}
    finally:
        store.close()


def test_history_prints_a_table_with_units_and_names_unknown_checks(tmp_path: Path) -> None:
    """A header, each value as the report shows it (a freshness age in hours, thousands
    separators), and an unknown ``--check`` is exit 2 with the nearest stored name."""
    import sqlite3

    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id integer, updated_at timestamp)")
        conn.executemany(
            "INSERT INTO orders VALUES (?, datetime('now', '-5 hours'))",
            [(i,) for i in range(1234)],
        )
    suite = tmp_path / "s.yml"
    suite.write_text(
        "suite: shop\nchecks:\n"
        "  - {name: rows, type: row_count, table: orders}\n"
        "  - {name: fresh, type: freshness, table: orders, column: updated_at, max_age: 1d}\n"
    )
    history = f"sqlite:///{tmp_path / 'h.db'}"
    invoke(["run", str(suite), "--url", f"sqlite:///{db}", "--history", history], 0)
    text = invoke(["history", "--history", history], 0).stdout
    header, *lines = text.splitlines()
    assert header.split() == ["when", "(UTC)", "status", "check", "value"]
    by_check = {line.split()[3]: line.split()[-1] for line in lines}
    assert by_check["shop.rows"] == "1,234"
    assert by_check["shop.fresh"].startswith("5h"), text
    wrong = invoke(["history", "--history", history, "--check", "fersh"], 2)
    assert "did you mean 'fresh'?" in wrong.stderr
    assert "--check" in wrong.stderr
