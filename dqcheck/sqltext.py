"""Finding statement separators in SQL written by suite authors, without a SQL parser.

This is the load-time net (the guard at the cursor, ``dqcheck.guard``, is the one that reads
what the server receives with PostgreSQL's own parser). A check's SQL must be one statement:
psycopg2 sends the whole text, and the server would run every statement in it, including a
``COMMIT; BEGIN READ WRITE; DELETE ...`` that escapes the read-only transaction. Quoting rules
differ between servers and sessions, so the text is scanned under three readings and refused
if any of them finds a ``;`` outside quotes and comments:

- PostgreSQL with ``standard_conforming_strings`` on (the lexer of ``scan.l``): ``'...'``
  without backslash escapes, ``E'...'`` with them, ``U&'...'``/``B'...'``/``X'...'`` without;
  ``$tag$...$tag$`` only where a ``$`` starts a token (never inside a name such as ``x$y$``,
  whose characters are ``[A-Za-z0-9_$]`` plus every non-ASCII character); ``--`` comments end
  at ``\\n`` or ``\\r``; ``/* */`` nests;
- PostgreSQL with ``standard_conforming_strings`` off (a role may set it; Redshift reads
  strings so): the same, with backslash escapes in ``'...'`` too;
- the cautious reading (SQLite-like): backslash escapes in every string, no dollar quoting,
  ``--`` ends at ``\\n`` only, ``/* */`` ends at the first ``*/``.

A separator hidden by one reading is found by another; the price is that a rare ``;`` inside
a ``$$...$$`` string or a backslash-ended string is refused too.
"""

from __future__ import annotations

import re

# PostgreSQL's ``ident_start`` ([A-Za-z_] and every non-ASCII character) and ``ident_cont``
# (also [0-9$]), written as negated ASCII classes: ranges up to U+10FFFF are slow to compile.
_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_TAG_CONT = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
#: ``dolqdelim``: ``$``, an optional tag (identifier characters without ``$``), ``$``.
_DOLLAR_TAG = re.compile(rf"\$(?:{_START}{_TAG_CONT}*)?\$")
_IDENT_START = re.compile(_START)
_IDENT = re.compile(rf"{_START}{_CONT}*")
_PARAM = re.compile(r"\$[0-9]+")
#: A decimal number as every PostgreSQL version reads it (not ``0x1F`` or ``1_000``: before 16
#: those are ``0`` and a name, and a name may hold a ``$``).
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: What may join two string constants into one (``scan.l`` ``quotecontinue``): horizontal
#: whitespace, a newline, then whitespace or ``--`` comments each ending in a newline.
_CONTINUE = re.compile(r"[ \t\f]*[\n\r](?:[ \t\n\r\f\v]+|--[^\n\r]*[\n\r])*'")

#: The readings: (name, PostgreSQL rules, backslash escapes in plain '...' strings).
READINGS = (
    ("postgresql", True, False),
    ("postgresql-backslash", True, True),
    ("cautious", False, True),
)


def has_separator(sql: str) -> bool:
    """True if any reading finds a ``;`` outside quotes and comments."""
    return any(_scan(sql, postgres=pg, backslash=bs)[0] for _, pg, bs in READINGS)


def has_second_statement(sql: str) -> bool:
    """True if any reading finds a ``;`` followed by more SQL (a trailing ``;`` followed by
    nothing but whitespace and comments is not a second statement)."""
    return any(_scan(sql, postgres=pg, backslash=bs)[1] for _, pg, bs in READINGS)


def first_word(sql: str) -> str:
    """The first word of ``sql`` after whitespace and comments (PostgreSQL's rules), or its
    first character when that is not a letter (``(``); empty for nothing."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i] in " \t\n\r\f\v":
            i += 1
        elif sql.startswith("--", i):
            i = _end_of_line_comment(sql, i, "\n\r")
        elif sql.startswith("/*", i):
            i = _end_of_comment(sql, i, nested=True)
        else:
            m = _IDENT.match(sql, i)
            return m.group(0) if m else sql[i]
    return ""


def _scan(sql: str, *, postgres: bool, backslash: bool) -> tuple[bool, bool]:
    """(a ``;`` was found, a ``;`` was followed by another token) under one reading."""
    separator = False
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        start = i
        if c in " \t\n\r\f\v":
            i += 1
            continue
        if sql.startswith("--", i):
            newline = "\n\r" if postgres else "\n"
            i = _end_of_line_comment(sql, i, newline)
            continue
        if sql.startswith("/*", i):
            i = _end_of_comment(sql, i, nested=postgres)
            continue
        if c == ";":
            separator = True
            i += 1
            continue
        if separator:
            return True, True
        if c == "'":
            i = _end_of_quoted(sql, i, "'", escapes=backslash, postgres=postgres)
        elif c == '"' or (c == "`" and not postgres):
            i = _end_of_quoted(sql, i, c, escapes=False)
        elif postgres and _IDENT_START.match(c):
            i = _after_name(sql, i, backslash)
        elif postgres and ("0" <= c <= "9" or (c == "." and _NUMBER.match(sql, i))):
            m = _NUMBER.match(sql, i)
            i = m.end() if m else i + 1
        elif postgres and c == "$":
            i = _after_dollar(sql, i)
        else:
            i += 1
        assert i > start
    return separator, False


def _after_name(sql: str, i: int, backslash: bool) -> int:
    """The end of a name (or keyword) at ``i``, or of the string constant it prefixes:
    ``E'...'`` (backslash escapes), ``U&'...'``, ``B'...'``, ``X'...'`` (none), ``N'...'``
    (as a plain string), ``U&"..."`` (a quoted name)."""
    m = _IDENT.match(sql, i)
    assert m is not None
    end = m.end()
    word = m.group(0).lower()
    if sql.startswith("'", end):
        if word == "e":
            return _end_of_quoted(sql, end, "'", escapes=True, postgres=True)
        if word in ("b", "x"):  # bit strings: no doubled quotes either
            return _end_of_quoted(sql, end, "'", escapes=False, postgres=True, doubled=False)
        if word == "n":
            return _end_of_quoted(sql, end, "'", escapes=backslash, postgres=True)
    if word == "u" and sql.startswith(("&'", '&"'), end):
        quote = sql[end + 1]
        return _end_of_quoted(sql, end + 1, quote, escapes=False, postgres=quote == "'")
    return end


def _after_dollar(sql: str, i: int) -> int:
    """A ``$`` that starts a token: a parameter ``$1``, a dollar-quoted string, or itself."""
    m = _PARAM.match(sql, i)
    if m:
        return m.end()
    m = _DOLLAR_TAG.match(sql, i)
    if m:
        end = sql.find(m.group(0), m.end())
        return len(sql) if end == -1 else end + len(m.group(0))
    return i + 1


def _end_of_line_comment(sql: str, start: int, newline: str) -> int:
    i, n = start + 2, len(sql)
    while i < n and sql[i] not in newline:
        i += 1
    return i


def _end_of_quoted(
    sql: str,
    start: int,
    quote: str,
    escapes: bool,
    *,
    postgres: bool = False,
    doubled: bool = True,
) -> int:
    """The end of the quoted text opening at ``start``. On PostgreSQL a string constant goes
    on, in the same kind, after a closing quote, a newline and another quote (``'a'\\n'b'``)."""
    i, n = start + 1, len(sql)
    while i < n:
        c = sql[i]
        if escapes and c == "\\":
            i += 2
        elif c == quote:
            if doubled and i + 1 < n and sql[i + 1] == quote:  # a doubled quote stays inside
                i += 2
                continue
            m = _CONTINUE.match(sql, i + 1) if postgres and quote == "'" else None
            if m is None:
                return i + 1
            i = m.end()
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
