"""Finding statement separators in SQL written by suite authors, without a SQL parser.

A check's SQL must be one statement: psycopg2 sends the whole text, and the server would run
every statement in it, including a ``COMMIT; BEGIN READ WRITE; DELETE ...`` that escapes the
read-only transaction. Quoting rules differ between PostgreSQL, Redshift and SQLite, so the
text is scanned twice, under two readings, and refused if either finds a ``;`` outside quotes
and comments:

- the PostgreSQL reading: ``'...'`` without backslash escapes, ``E'...'`` with them,
  ``$tag$...$tag$`` (a ``$`` inside a name such as ``x$y`` starts nothing), nested ``/* */``;
- the cautious reading: backslash escapes in every string, no dollar quoting, ``/* */`` ends
  at the first ``*/`` (SQLite).

A separator hidden by one reading is found by the other; the price is that a rare ``;`` inside
a ``$$...$$`` string or a backslash-ended string is refused too.
"""

from __future__ import annotations

import re

# Unicode word characters, as PostgreSQL's identifiers allow (cheap to compile, unlike ranges).
_DOLLAR_TAG = re.compile(r"\$([^\W\d]\w*)?\$")
_IDENT_CHAR = re.compile(r"[\w$]")


def has_separator(sql: str) -> bool:
    """True if either reading finds a ``;`` outside quotes and comments."""
    return _scan(sql, postgres=True) or _scan(sql, postgres=False)


def _scan(sql: str, *, postgres: bool) -> bool:
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        prev = sql[i - 1] if i else ""
        if c == "'":
            escapes = not postgres or (prev in ("E", "e") and not _ident_before(sql, i - 1))
            i = _end_of_quoted(sql, i, "'", escapes)
        elif c in '"`':
            i = _end_of_quoted(sql, i, c, escapes=False)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
        elif sql.startswith("/*", i):
            i = _end_of_comment(sql, i, nested=postgres)
        elif c == "$" and postgres and not (prev and _IDENT_CHAR.match(prev)):
            m = _DOLLAR_TAG.match(sql, i)
            if m:
                end = sql.find(m.group(0), m.end())
                i = n if end == -1 else end + len(m.group(0))
            else:
                i += 1
        elif c == ";":
            return True
        else:
            i += 1
    return False


def _ident_before(sql: str, i: int) -> bool:
    """True when the character before position ``i`` continues a name (``name'`` is no E'')."""
    return i > 0 and bool(_IDENT_CHAR.match(sql[i - 1]))


def _end_of_quoted(sql: str, start: int, quote: str, escapes: bool) -> int:
    i, n = start + 1, len(sql)
    while i < n:
        c = sql[i]
        if escapes and c == "\\":
            i += 2
        elif c == quote:
            if i + 1 < n and sql[i + 1] == quote:  # a doubled quote stays inside
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return n


def _end_of_comment(sql: str, start: int, *, nested: bool) -> int:
    depth, i, n = 1, start + 2, len(sql)
    while i < n:
        if nested and sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
