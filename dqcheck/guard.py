"""One statement, and a read, enforced at the cursor by the database's own rules.

psycopg2 only speaks PostgreSQL's simple query protocol: the server runs *every* statement in
the text it receives, so ``SELECT 1 -- x\\r; COMMIT; BEGIN READ WRITE; DELETE ...`` would leave
the read-only transaction. A hand-written splitter (``dqcheck.sqltext``, still run when a
suite is loaded) can only guess how the server will read a text. So, just before the cursor
executes, the guard takes the exact text the server will receive (``cursor.mogrify``: the
parameters already inlined, as psycopg2 sends them) and reads it with PostgreSQL's own parser
(libpg_query, through pglast). Only one ``SELECT`` (``WITH ... SELECT``, ``VALUES``, set
operations) passes, without ``INTO``, ``FOR UPDATE/SHARE`` or a data-modifying ``WITH`` at any
depth; anything else raises :class:`StatementRefused` and nothing reaches the server.

The parser reads strings as a session with ``standard_conforming_strings`` on does, so the
session is pinned so at connect (:data:`PIN_SESSION_SQL`, run by the connect listener in
``dqcheck.connections``), and every execution checks the value the server reports. Where it is
not ``on`` (a session that changed it, Redshift), the text must also show one statement to
every reading of ``dqcheck.sqltext`` (one of which is PostgreSQL's lexer with backslash
escapes).

dqcheck's own ``SET LOCAL statement_timeout = n`` and ``SHOW transaction_read_only`` pass only
as driver-level SQL (``exec_driver_sql``) of exactly that text: a suite's SQL is always a
compiled ``text()`` construct, so it can never run a ``SET``.

DuckDB runs every statement of a text it is given (``SELECT 1; DELETE FROM t`` deletes), so
the guard reads the text with DuckDB's own parser (``duckdb.extract_statements``, the
statement as the driver sends it, parameters bound apart) and lets exactly one ``SELECT``
through. The file is opened read-only without external access (``dqcheck.engines``).

MariaDB/MySQL: PyMySQL never sets the multi-statements capability, so the server itself
refuses a second statement (a syntax error at the ``;``); the session and every transaction
are ``READ ONLY`` (``dqcheck.engines``).

SQLite: an authorizer on every connection allows reads only (``SELECT``, reading tables,
functions, recursive ``WITH``, reading pragmas); every write, ``ATTACH`` (and so ``VACUUM`` and
``VACUUM INTO``, which attach a database first), ``ANALYZE``, ``REINDEX`` and pragma assignment
is refused by SQLite itself when the statement is prepared. The sqlite3 module already refuses
a second statement ("You can only execute one statement at a time").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, ExecutionContext

POSTGRES_FAMILY = ("postgresql", "redshift")
#: Run at connect on PostgreSQL so that strings are read as the guard's parser reads them.
PIN_SESSION_SQL = "SET standard_conforming_strings = on"

#: The statements dqcheck itself sends through ``exec_driver_sql`` (never a suite's SQL).
_INTERNAL = re.compile(
    r"SET LOCAL statement_timeout = [0-9]{1,12}|SHOW transaction_read_only|SELECT CURRENT_TIMESTAMP"
)
#: Nodes that write, wherever they appear in a statement's tree.
_WRITES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
#: Tokens of PostgreSQL's lexer that have no place in a read (the Redshift fallback).
_WRITE_TOKENS = frozenset({
    "INSERT", "UPDATE", "DELETE_P", "MERGE", "INTO", "COPY", "TRUNCATE", "CREATE", "DROP",
    "ALTER", "GRANT", "REVOKE", "LOCK_P", "CALL", "DO", "EXECUTE", "COMMIT", "ROLLBACK", "VACUUM",
    "REFRESH",
})  # fmt: skip
_FIRST_TOKENS = frozenset({"SELECT", "WITH", "VALUES", "ASCII_40"})  # ASCII_40 is "("


class StatementRefused(Exception):
    """A statement the guard would not let reach the database; nothing was executed."""


def install(engine: Engine) -> None:
    """Guard every statement ``engine`` executes (idempotent: a second call does nothing)."""
    from sqlalchemy import event

    name = engine.dialect.name
    if name in POSTGRES_FAMILY:
        if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
            event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    elif name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
    elif name == "duckdb" and not event.contains(engine, "before_cursor_execute", _duckdb_guard):
        event.listen(engine, "before_cursor_execute", _duckdb_guard)


def pin_session(dbapi_conn: Any) -> None:
    """Run :data:`PIN_SESSION_SQL` on a new psycopg2 connection (outside any transaction)."""
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute(PIN_SESSION_SQL)
    finally:
        dbapi_conn.autocommit = autocommit


def statement_count(sql: str) -> int:
    """How many statements PostgreSQL's parser finds in ``sql`` (raises pglast's ParseError
    when the text is not valid PostgreSQL)."""
    return len(_parse(sql))


def check_postgres(sql: str, *, redshift: bool = False, standard_strings: bool = True) -> None:
    """Raise :class:`StatementRefused` unless ``sql`` is exactly one read-only SELECT, as the
    server will read it. ``standard_strings``: the session reads ``'\\'`` as a backslash
    (``standard_conforming_strings`` on); if not, the hand readings must agree too."""
    from pglast.parser import ParseError

    if not standard_strings or redshift:
        from dqcheck.sqltext import has_second_statement

        if has_second_statement(sql):
            raise StatementRefused(
                "refused: the SQL holds a ';' followed by more SQL, and this session does not "
                "read strings the standard way; a check runs exactly one SELECT"
            )
    try:
        statements = _parse(sql)
    except ParseError as exc:
        if standard_strings and not redshift:  # the server would refuse it too
            message = f"refused: PostgreSQL's parser cannot read the SQL: {exc}"
            raise StatementRefused(message) from None
        _check_tokens(sql)
        return
    except RecursionError:
        raise StatementRefused("refused: the SQL is nested too deeply to be read") from None
    if len(statements) != 1:
        raise StatementRefused(
            f"refused: the SQL is {len(statements)} statements by PostgreSQL's parser; "
            "a check runs exactly one SELECT"
        )
    (kind, node) = next(iter(statements[0].items()))
    if kind in _WRITES:
        word = kind[: -len("Stmt")].upper()
        raise StatementRefused(
            f"cannot execute {word} in a read-only transaction (refused by dqcheck before "
            "reaching the database: a check runs exactly one SELECT)"
        )
    if kind != "SelectStmt":
        raise StatementRefused(
            f"refused: a {kind} is not a SELECT; a check runs exactly one SELECT"
        )
    found = _forbidden(node)
    if found:
        raise StatementRefused(f"refused: {found}; a check only reads")


def _parse(sql: str) -> list[dict[str, Any]]:
    from pglast.parser import parse_sql_json

    tree = json.loads(parse_sql_json(sql))
    return [entry["stmt"] for entry in tree.get("stmts", [])]


def _forbidden(tree: Any) -> str | None:
    """What in a SelectStmt's tree makes it more than a read, or None."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _WRITES:
                    return f"the SELECT holds a {key} (a data-modifying WITH)"
                if key == "intoClause" and value:
                    return "SELECT INTO creates a table"
                if key == "lockingClause" and value:
                    return "FOR UPDATE/SHARE locks rows"
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _check_tokens(sql: str) -> None:
    """Redshift syntax PostgreSQL's grammar lacks (QUALIFY, TOP), or strings read with
    backslash escapes: PostgreSQL's own lexer must find one statement that starts like a read
    and no word that writes (the caller has made sure every reading sees one statement)."""
    from pglast.parser import ParseError, scan

    try:
        tokens = scan(sql)
    except ParseError:  # e.g. 'a\'b' read without backslash escapes: an unfinished string
        from dqcheck.sqltext import first_word

        word = first_word(sql)
        if word.upper() not in ("SELECT", "WITH", "VALUES", "("):
            raise StatementRefused(
                f"refused: a statement starting with {word!r} is not a SELECT"
            ) from None
        return
    groups: list[list[Any]] = [[]]
    for token in tokens:
        if token.name == "ASCII_59":  # ";"
            groups.append([])
        else:
            groups[-1].append(token)
    statements = [g for g in groups if g]
    if len(statements) != 1:
        raise StatementRefused(
            f"refused: the SQL is {len(statements)} statements by PostgreSQL's lexer; "
            "a check runs exactly one SELECT"
        )
    first = statements[0][0]
    if first.name not in _FIRST_TOKENS:
        word = sql[first.start : first.end + 1]
        raise StatementRefused(f"refused: a statement starting with {word!r} is not a SELECT")
    for token in statements[0]:
        if token.name in _WRITE_TOKENS:
            word = sql[token.start : token.end + 1]
            raise StatementRefused(f"refused: {word.upper()!r} has no place in a read")


def _before_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> None:
    driver_sql = context is not None and getattr(context, "compiled", None) is None
    if driver_sql and not parameters and _INTERNAL.fullmatch(statement):
        return  # dqcheck's own driver-level statement, exactly
    redshift = conn.dialect.name == "redshift"
    standard = _standard_strings(cursor)
    for sql in _wire_texts(cursor, statement, parameters, context, executemany):
        check_postgres(sql, redshift=redshift, standard_strings=standard)


def _wire_texts(
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> Iterator[str]:
    """The text(s) the server will receive, as exactly as the driver allows."""
    mogrify = getattr(cursor, "mogrify", None)
    if mogrify is None:  # e.g. psycopg 3 binds on the server: the placeholders stay
        yield _placeholders_as_params(statement, parameters)
        return
    if executemany:
        for params in parameters:
            yield _decode(cursor, mogrify(statement, params))
    elif not parameters and context is not None and getattr(context, "no_parameters", False):
        yield _decode(cursor, mogrify(statement))  # SQLAlchemy then calls execute(statement)
    else:
        yield _decode(cursor, mogrify(statement, parameters))


def _decode(cursor: Any, raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    encoding = "utf-8"
    name = getattr(getattr(cursor, "connection", None), "encoding", None)
    if isinstance(name, str):
        try:
            from psycopg2.extensions import encodings

            encoding = encodings.get(name, encoding)
        except ImportError:  # pragma: no cover - another driver with mogrify
            pass
    try:
        return bytes(raw).decode(encoding)
    except UnicodeDecodeError:
        raise StatementRefused(
            "refused: the SQL is not text in the connection's encoding"
        ) from None


_PLACEHOLDER = re.compile(r"%\([^)]*\)s|%s|%%|(?<![:\w]):[A-Za-z_]\w*|\?")


def _placeholders_as_params(statement: str, parameters: Any) -> str:
    """A driver without mogrify: placeholders read as PostgreSQL parameters (``$1``)."""
    if not parameters or not isinstance(parameters, (Mapping, Sequence)):
        return statement.replace("%%", "%")
    return _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else "$1", statement)


def _standard_strings(cursor: Any) -> bool:
    """Whether the server reports ``standard_conforming_strings`` on for this session
    (psycopg2 keeps the value the server last reported: no round trip)."""
    connection = getattr(cursor, "connection", None)
    status = getattr(connection, "get_parameter_status", None)
    if status is None:
        return False
    try:
        return bool(status("standard_conforming_strings") == "on")
    except Exception:
        return False


# -- DuckDB -----------------------------------------------------------------------------------


def check_duckdb(sql: str) -> None:
    """Raise :class:`StatementRefused` unless DuckDB's parser reads ``sql`` as exactly one
    SELECT (``WITH``, ``FROM t``, ``VALUES`` and set operations are SELECTs to it)."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:  # DuckDB would refuse it as well
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StatementRefused(f"refused: DuckDB's parser cannot read the SQL: {first}") from None
    if len(statements) != 1:
        raise StatementRefused(
            f"refused: the SQL is {len(statements)} statements by DuckDB's parser; "
            "a check runs exactly one SELECT"
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        word = str(getattr(kind, "name", kind)).upper()
        raise StatementRefused(
            f"refused: a {word} statement is not a SELECT (refused by dqcheck before reaching "
            "the database: a check runs exactly one SELECT)"
        )


def _duckdb_guard(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> None:
    check_duckdb(statement)


# -- SQLite -----------------------------------------------------------------------------------

#: Pragmas that only report, whatever their argument (a table or index name).
_SQLITE_QUERY_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "database_list", "collation_list", "function_list", "module_list",
    "pragma_list",
})  # fmt: skip
#: Pragmas that may be read (no argument), never set.
_SQLITE_READ_PRAGMAS = frozenset({
    "query_only", "user_version", "application_id", "schema_version", "data_version", "encoding",
    "page_size", "page_count", "freelist_count", "journal_mode", "foreign_keys",
    "compile_options",
})  # fmt: skip
_TRUE = frozenset({"1", "on", "true", "yes"})


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.set_authorizer(_sqlite_authorizer)


def _sqlite_authorizer(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
) -> int:
    import sqlite3

    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if arg2 == "load_extension" else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_TRANSACTION:  # BEGIN/COMMIT/ROLLBACK write nothing themselves
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _SQLITE_QUERY_PRAGMAS or (name in _SQLITE_READ_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
        if name == "query_only" and (arg2 or "").lower() in _TRUE:  # dqcheck's own, at connect
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class ReadOnlyEscaped(Exception):
    """The check's SQL ended dqcheck's READ ONLY transaction (e.g. ``COMMIT; BEGIN ...``)."""


def still_read_only(conn: Connection) -> None:
    """Defence in depth behind the one-statement rule: a PostgreSQL transaction that is no
    longer READ ONLY is rolled back and the check ends in error."""
    if conn.dialect.name in POSTGRES_FAMILY:
        state = conn.exec_driver_sql("SHOW transaction_read_only").scalar()
        if state != "on":
            raise ReadOnlyEscaped(
                "the check's SQL left the read-only transaction; everything was rolled back"
            )
