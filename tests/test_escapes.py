"""The read-only escapes of the red team, by class, against a real PostgreSQL (and SQLite).

psycopg2 speaks only the simple query protocol, so the server runs every statement of the text
it receives: a check whose SQL hides ``; COMMIT; BEGIN READ WRITE; DELETE ...`` from dqcheck's
one-statement rule leaves the read-only transaction. Two nets stop it (SPEC 7):

- at load time, ``dqcheck.sqltext`` (a hand-written scanner, three readings): exit 2;
- at the cursor, ``dqcheck.guard``: the exact text the server will receive, read by
  PostgreSQL's own parser (pglast): the check ends in error, exit 3, nothing executed.

Each escape class is placed in every slot a suite's SQL reaches (``threshold`` SQL,
``failing_rows`` SQL closing the wrapping subquery, a ``where``, ``dqcheck has-rows
--where``) and run with both nets, with the guard alone and with the scanner alone. Whatever
the outcome, the data's fingerprint must not change. Each payload is a working escape: with
both nets disabled, the DELETE runs (see ``test_the_payloads_really_escape_without_the_nets``).
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click.testing
import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import psycopg2
import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from test_safety import (  # the safety database, its fingerprint and the CLI helpers
    _sql,
    cli,
    db,
    describe,
    digest,
    fingerprint,
    run_suite,
    safety_db,
    sqlite_db,
    statuses,
)

from dqcheck import guard, sqltext
from dqcheck.engines import create_engine

__all__ = ["db", "safety_db", "sqlite_db"]  # fixtures, imported for pytest

#: What the session runs instead of pinning, in the tests that need it not pinned: the role's
#: own setting.
UNPINNED = "SET standard_conforming_strings = DEFAULT"


def _without_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "install", lambda _engine: None)


def _without_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "PIN_SESSION_SQL", UNPINNED)


def _without_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqltext, "has_separator", lambda _sql: False)


# -- the escape classes ---------------------------------------------------------------------------

#: class -> (hide, close): ``hide`` follows an expression (``1``) and makes some reader lose
#: track of the text; ``close`` ends the payload (a comment swallowing what a wrong reading
#: still holds open). PostgreSQL (standard_conforming_strings on) sees every ``;`` after it.
ESCAPE_CLASSES: dict[str, tuple[str, str]] = {
    # `--` comments end at \r too (scan.l: newline [\n\r]); the old scanner waited for \n
    "cr_ends_comment": ("-- x\r", ""),
    "crlf_ends_comment": ("-- x\r\n", ""),
    # comments nest: a reader ending at the first */ opens a string at the quote
    "nested_comment": ("/* /* */ ' */", "-- '\n"),
    # every non-ASCII character continues a name: €$a$ is a name, not a dollar quote (and
    # '\' keeps a reader with backslash escapes inside a string up to the last line)
    "euro_dollar_tag": ("+ length('\\') + (SELECT 1 AS €$a$)", "-- $a$ '\n"),
    # U&'\' is a whole string (the backslash escapes only with UESCAPE's character)
    "u_amp_uescape": ("+ length(U&'\\' UESCAPE '!')", "-- '\n"),
    # E'\'' is the string of one quote
    "e_string": ("+ length(E'\\'')", "-- '\n"),
    # x$a$ is a name, not x and a dollar quote
    "dollar_in_identifier": ("+ (SELECT 1 AS x$a$)", "-- $a$\n"),
    # read with standard_conforming_strings off, 'x\'' is x' and $a$ ' $a$ a string; read
    # with it on (or with backslashes but no dollar quotes), the rest is one string
    "backslash_strings": ("+ length('x\\'') + length($a$ ' $a$)", "-- $a$\n"),
}
ESCAPE = "; COMMIT; BEGIN READ WRITE; DELETE FROM t; COMMIT; BEGIN READ ONLY; "


def threshold(hide: str, close: str) -> dict[str, Any]:
    return {"type": "threshold", "sql": f"SELECT 1 {hide} {ESCAPE}SELECT 0 {close}", "min": 0}


def failing_rows(hide: str, close: str) -> dict[str, Any]:
    # dqcheck wraps the SQL: SELECT failing.*, ... FROM (<sql>\n) AS failing LIMIT 5
    tail = f"SELECT 0 AS dqcheck_total_rows__ FROM (SELECT 1 {close}"
    sql = f"SELECT 1 {hide} ) AS failing {ESCAPE}{tail}"
    return {"type": "failing_rows", "sql": sql}


def where(hide: str, close: str) -> str:
    # dqcheck's scan: SELECT count(*) AS m0 FROM t WHERE (<where>)
    # (a where is stripped: a line after the closing comment keeps its newline)
    return f"1=1 {hide} ) {ESCAPE}SELECT 1 AS m0 WHERE (1=1 {close} AND 1=1"


def row_count(hide: str, close: str) -> dict[str, Any]:
    return {"type": "row_count", "table": "t", "where": where(hide, close), "min": 0}


SLOTS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "threshold": threshold,
    "failing_rows": failing_rows,
    "where": row_count,
}
CASES = [
    pytest.param(slot, *ESCAPE_CLASSES[name], id=f"{name}-{slot}")
    for name in ESCAPE_CLASSES
    for slot in [*SLOTS, "has_rows"]
]
NETS = ["both", "guard_only", "scanner_only"]


def _run_slot(tmp_path: Path, url: str, slot: str, hide: str, close: str) -> click.testing.Result:
    if slot == "has_rows":
        return cli(["has-rows", "t", "--url", url, "--where", where(hide, close)])
    result, _report = run_suite(tmp_path, url, [{"name": "escape", **SLOTS[slot](hide, close)}])
    return result


def _nets(monkeypatch: pytest.MonkeyPatch, nets: str) -> None:
    if nets == "guard_only":
        _without_scanner(monkeypatch)
    elif nets == "scanner_only":
        _without_guard(monkeypatch)


@pytest.mark.parametrize("nets", NETS)
@pytest.mark.parametrize(("slot", "hide", "close"), CASES)
def test_an_escape_changes_nothing(
    db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    nets: str,
    slot: str,
    hide: str,
    close: str,
) -> None:
    _nets(monkeypatch, nets)
    before = fingerprint(db)
    result = _run_slot(tmp_path, db, slot, hide, close)
    assert fingerprint(db) == before, f"the suite wrote: {describe(result)}"
    assert result.exit_code in (2, 3), describe(result)
    if nets == "guard_only":  # the statement reached the cursor and was refused there
        assert result.exit_code == 3, describe(result)
        assert "refused" in result.stdout + result.stderr, describe(result)
    if nets == "scanner_only":  # refused when the suite was loaded
        assert result.exit_code == 2, describe(result)


@pytest.mark.parametrize("slot", ["threshold", "failing_rows", "where", "has_rows"])
@pytest.mark.parametrize("name", ["cr_ends_comment", "euro_dollar_tag", "nested_comment"])
def test_the_payloads_really_escape_without_the_nets(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, slot: str
) -> None:
    """The tests above can fail: with neither net, these payloads delete every row (the
    classes the old scanner missed; the others it already caught)."""
    _without_guard(monkeypatch)
    _without_scanner(monkeypatch)
    hide, close = ESCAPE_CLASSES[name]
    result = _run_slot(tmp_path, db, slot, hide, close)
    rows = _sql(db, "SELECT count(*) FROM t")[0][0]
    assert rows == 0, f"the escape did not run ({rows} rows left): {describe(result)}"


def test_a_form_feed_does_not_end_a_comment(db: str, tmp_path: Path) -> None:
    """PostgreSQL ends ``--`` comments at \\n and \\r only: after a form feed the rest is
    still comment, so this is one statement to the server, the parser and the scanner."""
    sql = f"SELECT 1 -- x\f{ESCAPE}SELECT 0"
    assert guard.statement_count(sql) == 1
    assert not sqltext.has_separator(sql)
    before = fingerprint(db)
    result, report = run_suite(
        tmp_path, db, [{"name": "ff", "type": "threshold", "sql": sql, "equals": 1}]
    )
    assert fingerprint(db) == before
    assert result.exit_code == 0, describe(result)
    assert statuses(report) == {"ff": "pass"}


# -- a role whose sessions read backslashes as escapes -------------------------------------------


@pytest.fixture
def nonstandard_role(db: str) -> Iterator[str]:
    """The URL of a non-superuser role owning ``t``, with standard_conforming_strings off."""
    role = f"dq_scs_off_{uuid.uuid4().hex[:8]}"
    pgserver.execute(
        db,
        f"CREATE ROLE {role} LOGIN",
        f"ALTER ROLE {role} SET standard_conforming_strings = off",
        f"ALTER TABLE t OWNER TO {role}",
    )
    try:
        yield make_url(db).set(username=role).render_as_string(hide_password=False)
    finally:
        pgserver.execute(db, "ALTER TABLE t OWNER TO CURRENT_USER", f"DROP ROLE {role}")


@pytest.mark.parametrize("pin", [True, False], ids=["pinned", "not_pinned"])
@pytest.mark.parametrize("nets", ["both", "guard_only"])
@pytest.mark.parametrize("slot", ["threshold", "failing_rows", "where", "has_rows"])
def test_standard_conforming_strings_off_on_the_role(
    db: str,
    nonstandard_role: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slot: str,
    nets: str,
    pin: bool,
) -> None:
    """Pinned, the session reads strings as the parser does; not pinned, the guard sees the
    setting the server reports and requires every reading (one of them with backslash
    escapes) to see one statement."""
    if not pin:
        _without_pin(monkeypatch)
    _nets(monkeypatch, nets)
    conn = psycopg2.connect(**pgserver._connect_kwargs(nonstandard_role))
    try:
        assert conn.get_parameter_status("standard_conforming_strings") == "off"
    finally:
        conn.close()
    before = fingerprint(db)
    result = _run_slot(tmp_path, nonstandard_role, slot, *ESCAPE_CLASSES["backslash_strings"])
    assert fingerprint(db) == before, f"the suite wrote: {describe(result)}"
    assert result.exit_code in (2, 3), describe(result)


def test_the_backslash_payload_escapes_a_role_without_the_nets(
    db: str, nonstandard_role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not pinned and with neither net, the role's session runs the DELETE (pinned, the same
    text is one broken statement: pinning alone already stops this class)."""
    _without_guard(monkeypatch)
    _without_pin(monkeypatch)
    _without_scanner(monkeypatch)
    _run_slot(tmp_path, nonstandard_role, "threshold", *ESCAPE_CLASSES["backslash_strings"])
    assert _sql(db, "SELECT count(*) FROM t")[0][0] == 0, "the escape did not run"


# -- the guard on its own, at the cursor ----------------------------------------------------------


@pytest.fixture
def guarded(db: str) -> Iterator[sqlalchemy.engine.Engine]:
    engine = create_engine(db)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        *(threshold(hide, close)["sql"] for hide, close in ESCAPE_CLASSES.values()),
        "DELETE FROM t RETURNING 1",
        "WITH d AS (DELETE FROM t RETURNING 1) SELECT count(*) FROM d",
        "SELECT * FROM (WITH u AS (UPDATE t SET name = 'x' RETURNING 1) SELECT 1) AS s",
        "SELECT 1 AS x INTO t2",
        "SELECT * FROM t FOR UPDATE",
        "SET LOCAL statement_timeout = 0",
        "SET TRANSACTION READ WRITE",
        "SHOW transaction_read_only",
        "COMMIT",
        "SELECT 1 +",
        "-- only a comment",
    ],
)
def test_the_guard_refuses_before_the_server(
    db: str, guarded: sqlalchemy.engine.Engine, sql: str
) -> None:
    before = fingerprint(db)
    with guarded.connect() as conn:
        statements: list[str] = []
        event.listen(conn, "after_cursor_execute", lambda *a: statements.append(a[2]))
        with pytest.raises(guard.StatementRefused, match=r"refused|cannot execute"):
            conn.execute(text(sql.replace(":", r"\:")))
        assert statements == [], "nothing reached the server"
    assert fingerprint(db) == before


def test_the_guard_reads_the_text_with_its_parameters_inlined(
    db: str, guarded: sqlalchemy.engine.Engine
) -> None:
    """A bound value is quoted by psycopg2 into the text: the guard reads that text."""
    hostile = "x'; DELETE FROM t; --\r"
    with guarded.connect() as conn:
        value = conn.execute(text("SELECT length(:v) + count(*) FROM t"), {"v": hostile}).scalar()
        assert value == len(hostile) + len(_sql(db, "SELECT id FROM t"))
        percent = conn.execute(text("SELECT '%' || :v"), {"v": "a"}).scalar()
        assert percent == "%a"


def test_the_guard_lets_dqcheck_and_sqlalchemy_work(
    db: str, guarded: sqlalchemy.engine.Engine
) -> None:
    with guarded.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL statement_timeout = 5000")
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        assert conn.exec_driver_sql("SELECT CURRENT_TIMESTAMP").scalar() is not None
        columns = sqlalchemy.inspect(conn).get_columns("t")
        assert [c["name"] for c in columns] == ["id", "name"]
        rows = conn.execute(text("WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION VALUES (2)"))
        assert sorted(r[0] for r in rows) == [1, 2]
        assert conn.execute(text("SELECT $$;$$ || E'\\'' AS s")).scalar() == ";'"
        assert conn.execute(text("SELECT 1;")).scalar() == 1


def test_the_guard_refuses_where_strings_are_read_otherwise(nonstandard_role: str) -> None:
    """Not pinned, a session with standard_conforming_strings off: the text must show one
    statement to every reading, including PostgreSQL's with backslash escapes."""
    engine = sqlalchemy.create_engine(nonstandard_role)
    guard.install(engine)
    try:
        with engine.connect() as conn:
            with pytest.raises(guard.StatementRefused):
                conn.execute(text(threshold(*ESCAPE_CLASSES["backslash_strings"])["sql"]))
            assert conn.execute(text("SELECT length('a\\'b')")).scalar() == 3
    finally:
        engine.dispose()


def test_install_is_idempotent(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(db)  # installs the guard
    checked: list[str] = []
    real = guard.check_postgres

    def counting(sql: str, **kwargs: Any) -> None:
        checked.append(sql)
        real(sql, **kwargs)

    monkeypatch.setattr(guard, "check_postgres", counting)
    try:
        guard.install(engine)
        guard.install(engine)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert checked == ["SELECT 1"], "the guard runs once per statement"
    finally:
        engine.dispose()


# -- statement counts: pglast and the scanner against the server ----------------------------------

IDENT_CHARS = "az_$é€0"
TEXT_CHARS = "ab ;'\"$\\-/*\r\n\t\f€é"


@st.composite
def atoms(draw: st.DrawFn) -> str:
    """One select-list item, lexically whole under PostgreSQL's rules (standard strings)."""
    kind = draw(st.sampled_from(["str", "estr", "uamp", "dollar", "alias", "quoted", "num"]))
    body = draw(st.text(TEXT_CHARS, max_size=12))
    if kind == "str":
        return "'" + body.replace("'", "''") + "'"
    if kind == "estr":
        return (
            "E'"
            + body.replace("\\", "\\\\").replace("'", draw(st.sampled_from(["''", "\\'"])))
            + "'"
        )
    if kind == "uamp":
        return "U&'" + body.replace("!", "").replace("'", "''") + "' UESCAPE '!'"
    if kind == "dollar":
        tag = draw(st.text("ab_€é", max_size=3))
        delim = f"${tag}$"
        return delim + body.replace("$", "") + delim
    if kind == "alias":
        first = draw(st.sampled_from("abz_é€"))
        return "1 AS " + first + draw(st.text(IDENT_CHARS, max_size=5))
    if kind == "quoted":
        return '1 AS "' + (body.replace('"', '""') or "q") + '"'
    return draw(st.sampled_from(["1", "1.5", ".5e3", "1e-2"]))


@st.composite
def comments(draw: st.DrawFn) -> str:
    """A comment, whole: ``--`` up to \\n or \\r (a form feed does not end it), or ``/* */``
    nested."""
    inside = st.text("ab ;'\"$\\-\r\n\f€", max_size=8)
    if draw(st.booleans()):
        return (
            "--"
            + draw(inside).replace("\r", "").replace("\n", "")
            + draw(st.sampled_from(["\n", "\r", "\r\n"]))
        )
    depth = draw(st.integers(1, 3))
    out = ""
    for _ in range(depth):
        out = "/*" + draw(inside) + out + draw(inside) + "*/"
    return out


@st.composite
def gaps(draw: st.DrawFn) -> str:
    return "".join(
        draw(
            st.lists(
                st.one_of(st.sampled_from([" ", "\n", "\r", "\t", "\f"]), comments()),
                min_size=1,
                max_size=3,
            )
        )
    )


@st.composite
def texts(draw: st.DrawFn) -> tuple[str, int]:
    """(text, how many statements it holds by construction)."""
    count = draw(st.integers(1, 3))
    statements = []
    for _ in range(count):
        items = draw(st.lists(atoms(), max_size=3))
        select = "SELECT nextval('hyp_statements')"
        for item in items:
            select += "," + draw(gaps()) + item
        statements.append(select + draw(gaps()))
    separators = [draw(st.sampled_from([";", "; ;", ";" + draw(gaps())])) for _ in range(count - 1)]
    out = statements[0]
    for sep, statement in zip(separators, statements[1:], strict=True):
        out += sep + statement
    return out + draw(st.sampled_from(["", ";", "; -- end"])), count


@pytest.fixture(scope="module")
def scratch(pg_url: str) -> Iterator[Any]:
    name = f"dqcheck_hyp_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(pg_url, name)
    conn = psycopg2.connect(**pgserver._connect_kwargs(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET standard_conforming_strings = on")
        cur.execute("CREATE SEQUENCE hyp_statements")
    try:
        yield conn
    finally:
        conn.close()
        pgserver.drop_database(pg_url, name)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=texts())
def test_statement_counts_agree_with_the_server(scratch: Any, case: tuple[str, int]) -> None:
    """The oracle is the server itself: every generated statement calls
    ``nextval('hyp_statements')`` once, so the sequence advances by exactly the number of
    statements the server ran when it executed the text (simple protocol, as dqcheck's
    psycopg2 sends it). That number must equal the count built into the text, the count of
    PostgreSQL's parser (``guard.statement_count``), and the load-time scanner must never say
    "one statement" when there are more (it may refuse more than needed, never less)."""
    sql, count = case
    with scratch.cursor() as cur:
        cur.execute("SELECT last_value, is_called FROM hyp_statements")
        last, called = cur.fetchone()
        cur.execute(sql)
        cur.execute("SELECT last_value FROM hyp_statements")
        (now,) = cur.fetchone()
    ran = now - (last if called else last - 1)
    assert ran == count, repr(sql)
    assert guard.statement_count(sql) == count, repr(sql)
    if count > 1:
        assert sqltext.has_second_statement(sql), repr(sql)
        assert sqltext.has_separator(sql), repr(sql)


# -- SQLite: the authorizer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE '{dir}/attached.db' AS x",
        "VACUUM INTO '{dir}/copy.db'",
        "VACUUM",
        "PRAGMA query_only = 0",
        "PRAGMA user_version = 5",
        "PRAGMA journal_mode = DELETE",
        "CREATE TEMP TABLE tmp (x)",
        "CREATE TEMP VIEW v AS SELECT 1",
        "ANALYZE",
        "DELETE FROM t RETURNING 1",
    ],
)
@pytest.mark.parametrize("check_type", ["threshold", "failing_rows"])
@pytest.mark.parametrize("memory_uri", [False, True], ids=["file", "uri"])
def test_sqlite_refuses_everything_but_reads(
    sqlite_db: Path, tmp_path: Path, sql: str, check_type: str, memory_uri: bool
) -> None:
    """Read-only by SQLite's own rules: the authorizer refuses at prepare time, so ATTACH and
    VACUUM INTO create no file, even where the database is not opened ``mode=ro`` (a
    ``file:`` URI the user gives)."""
    out = tmp_path / "out"
    out.mkdir()
    sql = sql.format(dir=out)
    before = digest(sqlite_db)
    url = f"sqlite:///file:{sqlite_db}?uri=true" if memory_uri else f"sqlite:///{sqlite_db}"
    check = {"name": "w", "type": check_type, "sql": sql}
    if check_type == "threshold":
        check["min"] = 0
    result, report = run_suite(tmp_path, url, [check])
    assert digest(sqlite_db) == before, "the database changed"
    assert list(out.iterdir()) == [], "a file was created"
    assert result.exit_code in (2, 3), describe(result)
    assert statuses(report) == {"w": "error"}
    if check_type == "threshold":  # (failing_rows wraps it: a syntax error before anything)
        assert report is not None
        message = report["checks"][0]["message"]
        assert "not authorized" in message or "authorization denied" in message, message


def test_sqlite_reads_and_reflection_still_work(sqlite_db: Path, tmp_path: Path) -> None:
    checks = [
        {"name": "rows", "type": "row_count", "table": "t", "equals": 5},
        {"name": "schema", "type": "schema", "table": "t", "columns": {"id": "integer"}},
        {
            "name": "cte",
            "type": "threshold",
            "sql": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
            "SELECT count(*) FROM r",
            "equals": 3,
        },
        {"name": "pragma", "type": "threshold", "sql": "PRAGMA query_only", "equals": 1},
    ]
    result, report = run_suite(tmp_path, f"sqlite:///{sqlite_db}", checks)
    assert result.exit_code == 0, describe(result)
    assert set(statuses(report).values()) == {"pass"}


def test_sqlite_attach_creates_a_file_without_the_guard(tmp_path: Path) -> None:
    """What the authorizer stops: query_only and mode=ro let ATTACH create a file."""
    path = tmp_path / "db.sqlite"
    sqlite3.connect(path).close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only = ON")
    conn.execute(f"ATTACH DATABASE '{tmp_path / 'made.db'}' AS x")
    conn.close()
    assert (tmp_path / "made.db").exists()


def test_sqlite_refuses_a_second_statement_itself(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    with pytest.raises(sqlite3.ProgrammingError, match="one statement at a time"):
        conn.execute("SELECT 1; CREATE TABLE y (x)")
    conn.close()


# -- the load-time scanner's readings ----------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 -- x\r; DELETE FROM t",
        "SELECT 1 AS €$a$ ; DELETE FROM t; -- $a$",
        "SELECT $$x$$$b$ ' $b$; DELETE FROM t; -- '",
        "SELECT 'x\\'' , $a$ ' $a$ ; DELETE FROM t; -- $a$",
        "SELECT B'1'\n'\\' ; DELETE FROM t; -- '",
        "SELECT 0x1F$a$; DELETE FROM t; --$a$",
    ],
)
def test_the_scanner_finds_the_second_statement(sql: str) -> None:
    assert sqltext.has_separator(sql)
    assert sqltext.has_second_statement(sql)


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1 -- x\f; DELETE FROM t", "SELECT 1;", "SELECT 1; -- end", "SELECT 'a;b' AS x"],
)
def test_the_scanner_finds_no_second_statement(sql: str) -> None:
    assert not sqltext.has_second_statement(sql)


def test_the_message_names_the_count() -> None:
    with pytest.raises(guard.StatementRefused, match=re.escape("is 2 statements")):
        guard.check_postgres("SELECT 1 -- x\r; DELETE FROM t")
