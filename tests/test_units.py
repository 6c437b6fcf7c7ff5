"""Small pure pieces: durations, field parsing, YAML quirks, bounds, masking."""

from __future__ import annotations

import pytest

from dqcheck import fields
from dqcheck.connections import normalize_url
from dqcheck.durations import format_duration, parse_duration
from dqcheck.results import Bounds
from dqcheck.secret_urls import mask_url, secrets_of
from dqcheck.secrets import mask_text
from dqcheck.yamlio import YamlError, load_yaml


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("6h", 21600), ("2d", 172800), ("1h30m", 5400), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "6", "six hours", "6x", "-1h", "0s", "h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5s"), (90, "1m30s"), (25920, "7h12m"), (90000, "1d1h"), (7200, "2h")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_numbers_accept_yaml_1_1_exponents_and_refuse_booleans() -> None:
    assert fields.number("1e6") == 1_000_000
    assert fields.number(1000000) == 1_000_000
    with pytest.raises(fields.FieldError):
        fields.number(True)
    with pytest.raises(fields.FieldError):
        fields.number("ten")
    with pytest.raises(fields.FieldError):
        fields.number(float("inf"))


@pytest.mark.parametrize("name", ["a;b", 'a"b', "a'b", "  ", "x" * 129, "a\nb", " a"])
def test_implausible_identifiers_are_refused(name: str) -> None:
    with pytest.raises(fields.FieldError):
        fields.identifier(name)


def test_table_ref_splits_schema_and_keeps_case() -> None:
    assert fields.table_ref("Shop.Orders") == fields.TableRef("Orders", "Shop")
    assert fields.table_ref("orders") == fields.TableRef("orders")
    with pytest.raises(fields.FieldError):
        fields.table_ref("a.b.c")


@pytest.mark.parametrize(
    ("sql", "single"),
    [
        ("SELECT 1", True),
        ("SELECT 1;", True),
        ("SELECT ';' AS x", True),
        ('SELECT 1 AS "a;b"', True),
        ("SELECT 1 -- a; comment\n", True),
        ("SELECT $$;$$", False),  # refused: SQLite and Redshift read no dollar quotes
        ("SELECT 1 /* a /* nested */ ; */", False),  # SQLite ends the comment at the first */
        ("SELECT E'\\''; DELETE FROM t; --'", False),  # E'' strings escape with backslashes
        ("SELECT x$y$; DELETE FROM t -- $y$", False),  # a $ inside a name starts no string
        ("SELECT 'C:\\'", True),
        ("SELECT 1; SELECT 2", False),
        ("SELECT 1; DELETE FROM t", False),
        ("SELECT 'it''s'; DROP TABLE t", False),
    ],
)
def test_one_statement(sql: str, single: bool) -> None:
    if single:
        assert fields.sql_statement(sql)
    else:
        with pytest.raises(fields.FieldError, match="single SQL statement"):
            fields.sql_statement(sql)


def test_yaml_keeps_on_and_yes_as_strings_and_lines() -> None:
    doc = load_yaml("a: 1\non: [fail]\nb: yes\n")
    assert doc == {"a": 1, "on": ["fail"], "b": "yes"}
    assert doc.line_of("b") == 3


def test_yaml_duplicate_keys_are_errors_with_lines() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: 1\nb: 2\na: 3\n")
    assert info.value.line == 3


def test_bounds() -> None:
    assert Bounds(min=1).accepts(1)
    assert not Bounds(min=1).accepts(0.5)
    assert Bounds(max=0).accepts(0)
    assert not Bounds(equals=3).accepts(4)
    assert Bounds(min=1, max=2).describe() == "1..2"


@pytest.mark.parametrize("password", ["s3cret", "p@ss:w/rd%", "a b+c"])
def test_masking(password: str) -> None:
    from urllib.parse import quote

    url = f"postgresql://dq:{quote(password, safe='')}@db:5432/x"
    assert password not in mask_url(url)
    assert mask_url(url) == "postgresql://dq:***@db:5432/x"
    message = f"failed for {url} with password {password}"
    masked = mask_text(message, secrets_of(url))
    assert password not in masked
    assert quote(password, safe="") not in masked


def test_postgresql_urls_use_the_shipped_driver() -> None:
    # SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql://; dqcheck ships psycopg2.
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("postgresql://u:p@h:5/db") == "postgresql+psycopg2://u:p@h:5/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_redshift_urls_default_to_port_5439() -> None:
    assert ":5439/" in normalize_url("redshift://u@cluster.example/dev")


def test_mask_url_hides_passwords_with_at_signs_even_when_unparsable() -> None:
    masked = mask_url("postgresql+psycopg2://dq:S3cr@t:/%pw@127.0.0.1:5432/db")
    assert "S3cr" not in masked
    assert "%pw" not in masked


def test_freshness_age_follows_postgresql_time_zone_rules() -> None:
    from datetime import datetime, timedelta, timezone

    from dqcheck.checks.freshness import age_seconds

    cet = timezone(timedelta(hours=1))
    now = datetime(2026, 11, 30, 12, 0, tzinfo=cet)
    # timestamptz: absolute instants
    assert age_seconds(now, datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)) == 3600
    # timestamp without time zone: read in the session's zone, like PostgreSQL does
    assert age_seconds(now, datetime(2026, 11, 30, 11, 0)) == 3600
    # SQLite: text in UTC on both sides
    assert age_seconds("2026-11-30 12:00:00", "2026-11-30 05:00:00") == 7 * 3600
    assert age_seconds("2026-11-30 12:00:00", "2026-11-30T11:59:00Z") == 60
    with pytest.raises(ValueError, match="not a timestamp"):
        age_seconds("2026-11-30 12:00:00", 17)
