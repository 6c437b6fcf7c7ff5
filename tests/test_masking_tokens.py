"""Masking works on tokens (SPEC sections 3 and 7): a secret never appears in any output, and
masking never corrupts one either.

Passwords ``1`` and ``x`` are too short to be hidden wherever they occur (that turned
``"version": 1`` into ``"version": ***`` and "timeout expired" into "e***pired"): they are
hidden where they stand as passwords (URL user-info, ``password=``). ``postgres`` and
``p@ss:w/rd`` are hidden as whole tokens too, never inside a longer word (``postgresql``
survives). Secrets also come from ``?password=`` in a URL, an Airflow connection's ``extra``
(``sslpassword``), a webhook path and an Apprise ``+Authorization`` header.

Every output is checked: the text report, ``--format json`` (parsed strictly), the
``--json/--junit/--markdown`` files, ``ping``, error messages, the JSON log file, the alerts a
real HTTP server on 127.0.0.1 receives, and stderr. The runs are subprocesses of the installed
``dqcheck`` (a fresh process: nothing registered by an earlier test can hide a leak), except the
unit tests of :mod:`dqcheck.secrets` at the top.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pgserver  # tests/ is on sys.path (pytest's rootdir import mode)
import pytest
from clitools import describe, run_dqcheck, strict_json
from peers import HttpPeer, write
from sqlalchemy.engine import URL, make_url

from dqcheck import secrets
from dqcheck.secret_urls import describe_url, is_secret_key, mask_url
from dqcheck.secrets import mask_text

pytest_plugins = ["peers"]

PASSWORDS = ["1", "x", "postgres", "p@ss:w/rd"]
USER_ENV: dict[str, str | None] = {
    "DQCHECK_DEBUG": None,
    "DQCHECK_URL": None,
    "AIRFLOW_CONN_WAREHOUSE": None,
    "NO_COLOR": "1",
}
SECRET_PATH = "SECRETPATH"
SECRET_TOKEN = "SECRETTOKEN"


def printed_forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def leaks(text: str, secret: str, role: str | None = None) -> list[str]:
    """Where ``secret`` shows in ``text``: in a password position always (``role:pw@``,
    ``password=pw``), and anywhere as a whole token when it is 4 characters or longer."""
    found = []
    for form in printed_forms(secret):
        positions = [f":{form}@", f"password={form}", f'"password": "{form}"']
        if role:
            positions.append(f"{role}:{form}")
        found += [p for p in positions if p in text]
        if len(secret) >= 4:
            edge_before = r"(?<!\w)" if re.match(r"\w", form) else ""
            edge_after = r"(?!\w)" if re.search(r"\w$", form) else ""
            if re.search(edge_before + re.escape(form) + edge_after, text):
                found.append(form)
    return found


# -- unit: dqcheck.secrets ------------------------------------------------------------------------

REPORT = {
    "version": 1,
    "status": "fail",
    "connection": "postgresql+psycopg2://reader:{pw}@db.example:5432/shop",
    "checks": [
        {"name": "fresh", "value": 1, "message": "timeout expired", "sql": "SELECT 1"},
        {"name": "x_count", "value": 1.5, "message": "expected <= 1", "samples": [{"key": "x"}]},
    ],
}


@pytest.mark.parametrize("password", PASSWORDS)
def test_json_report_text_stays_valid_and_intact(password: str) -> None:
    doc = json.loads(json.dumps(REPORT))
    doc["connection"] = doc["connection"].format(pw=quote(password, safe=""))
    text = json.dumps(doc, indent=2)
    masked = mask_text(text, [password])
    record = strict_json(masked)  # still valid JSON
    assert record["connection"] == "postgresql+psycopg2://reader:***@db.example:5432/shop"
    doc["connection"] = record["connection"]
    assert record == doc, "nothing but the password changed"
    assert '"version": 1' in masked
    assert not leaks(masked, password, "reader")


@pytest.mark.parametrize("password", PASSWORDS)
def test_plain_text_keeps_ordinary_words(password: str) -> None:
    url = f"postgresql://reader:{quote(password, safe='')}@host/db"
    text = f"cannot connect to {url}: timeout expired; version 1; postgresql 15; pw=1 x"
    masked = mask_text(text, [password])
    assert "timeout expired; version 1; postgresql 15; pw=1 x" in masked
    assert "postgresql://reader:***@host/db" in masked
    assert not leaks(masked, password, "reader")


def test_long_secret_masked_only_as_a_whole_token() -> None:
    text = "postgres user; postgresql dialect; xpostgres; postgres_db; (postgres)"
    assert mask_text(text, ["postgres"]) == (
        "*** user; postgresql dialect; xpostgres; postgres_db; (***)"
    )
    # a secret with non-word characters at its ends still matches after a word character
    assert mask_text("url: 127.0.0.1:80/hook/SEC", ["/hook/SEC"]) == "url: 127.0.0.1:80***"


def test_structural_positions_hide_short_passwords() -> None:
    text = 'dsn password=1 host=h; {"password": "x"}; PGPASSWORD=\'ab\'; token_count = 5'
    masked = mask_text(text, [])
    assert masked == (
        'dsn password=*** host=h; {"password": "***"}; PGPASSWORD=\'***\'; token_count = 5'
    )


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("PASSWORD", True),
        ("passwd", True),
        ("pwd", True),
        ("sslpassword", True),
        ("token", True),
        ("access_token", True),
        ("secret", True),
        ("client_secret", True),
        ("key", True),
        ("api_key", True),
        ("apikey", True),
        ("private_key", True),
        ("private_key_passphrase", True),
        ("private_key_file_pwd", True),
        ("credentials", True),
        ("aws_secret_access_key", True),
        # paths of key and certificate files are not the secret: shown, for debugging TLS
        ("sslkey", False),
        ("sslcert", False),
        ("sslrootcert", False),
        ("private_key_file", False),
        ("passfile", False),
        ("sslmode", False),
        ("keepalives", False),
        ("application_name", False),
    ],
)
def test_which_keys_name_a_secret(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_mask_url_hides_user_info_and_secret_query_values() -> None:
    url = "postgresql://u:p%40ss@h:5/db?sslmode=require&sslpassword=abc&sslkey=/k.pem&password=1"
    assert mask_url(url) == (
        "postgresql://u:***@h:5/db?sslmode=require&sslpassword=***&sslkey=/k.pem&password=***"
    )
    # an un-encoded password is hidden whole, never cut at its first @ or /
    assert mask_url("postgresql://u:p@ss:w/rd@h/db") == "postgresql://u:***@h/db"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("p@ss:w/rd", "<unparseable URL>"),
        ("user:postgres@host/db", "<unparseable URL>"),
        ("postgresql://u:postgres", "postgresql://…"),  # host u, "port" postgres
        ("postgresql://u:secret pw@h/db", "postgresql://…"),
        ("postgresql://u:p@ss:w/rd@h:notaport/db", "postgresql://…"),
        ("postgresql://u:p@ss:w/rd@h:5432/db", "postgresql://u:***@h:5432/db"),
    ],
)
def test_describe_url_never_shows_a_password_looking_part(raw: str, shown: str) -> None:
    assert describe_url(raw) == shown


def test_webhook_secrets_are_registered() -> None:
    secrets.register_webhook(
        f"json://127.0.0.1:9/hook/{SECRET_PATH}?+Authorization=Bearer%20{SECRET_TOKEN}"
    )
    known = secrets.registered()
    assert {f"hook/{SECRET_PATH}", SECRET_PATH, SECRET_TOKEN} <= known
    assert "hook" not in known  # an ordinary word is not a secret
    text = f"Max retries exceeded with url: /hook/{SECRET_PATH} (Bearer {SECRET_TOKEN}) hook"
    assert secrets.mask(text) == "Max retries exceeded with url: /*** (***) hook"


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        (f"json://127.0.0.1:9/hook/{SECRET_PATH}", [SECRET_PATH]),
        (f"jsons://u:PwAlert9@example.com/{SECRET_PATH}", ["PwAlert9", SECRET_PATH]),
        (
            f"json://127.0.0.1:9/hook?+Authorization=Bearer%20{SECRET_TOKEN}",
            [SECRET_TOKEN],
        ),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
            ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ"],
        ),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", ["JHMHI8qBe7bk2ZwO5U711o3dV_js"]),
    ],
    ids=["json_path", "jsons_password", "header", "slack", "discord"],
)
def test_notify_targets_are_shown_without_their_secrets(url: str, hidden: list[str]) -> None:
    from dqcheck.monitor.alerts import private_url

    shown = private_url(url)
    assert shown.startswith(url.split("://")[0] + "://"), shown
    for secret in hidden:
        assert secret not in shown, shown


# -- against PostgreSQL ---------------------------------------------------------------------------

SUITE = """\
suite: tokens
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: too_many, type: row_count, table: orders, max: 1}
  - name: notes
    type: failing_rows
    sql: "SELECT 'timeout expired' AS note, 1 AS version"
"""


@dataclass
class Db:
    host: str
    port: int
    database: str
    role: str
    password: str
    folder: Path

    def url(self, port: int | None = None, **query: str) -> str:
        return URL.create(
            "postgresql+psycopg2",
            username=self.role,
            password=self.password,
            host=self.host,
            port=port or self.port,
            database=self.database,
            query=query,
        ).render_as_string(hide_password=False)


@pytest.fixture
def role_db(pg_url: str, orders_db: str, tmp_path: Path) -> Iterator[Callable[[str], Db]]:
    """``role_db(password)``: a login role with that password allowed to read ``orders``."""
    from psycopg2 import sql

    made: list[str] = []

    def make(password: str) -> Db:
        role = f"dq_tok_{uuid.uuid4().hex[:10]}"
        ident = sql.Identifier(role)
        pgserver.execute(
            pg_url, sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(ident), params=(password,)
        )
        made.append(role)
        pgserver.execute(orders_db, sql.SQL("GRANT SELECT ON orders TO {}").format(ident))
        u = make_url(orders_db)
        assert u.host and u.port and u.database
        return Db(u.host, u.port, u.database, role, password, tmp_path)

    try:
        yield make
    finally:
        for role in made:
            ident = sql.Identifier(role)
            pgserver.execute(orders_db, sql.SQL("DROP OWNED BY {}").format(ident))
            pgserver.execute(pg_url, sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def webhook(peer: HttpPeer) -> str:
    return f"json://127.0.0.1:{peer.port}/hook/{SECRET_PATH}?+Authorization=Bearer%20{SECRET_TOKEN}"


def run_everything(
    db: Db, url: str | None, peer: HttpPeer, env: dict[str, str | None] | None = None
) -> tuple[Any, dict[str, str]]:
    """One failing run writing every output: JSON on stdout, the three report files, a JSON
    log file, an alert to ``peer`` and one to a refused port (an error message to log)."""
    out = db.folder / f"out-{uuid.uuid4().hex[:6]}"
    out.mkdir()
    suite = write(db.folder, "tokens.yml", SUITE)
    args: list[Any] = ["run", suite, "--format", "json"]
    args += ["--url", url] if url else ["--conn-id", "warehouse"]
    args += ["--json", out / "r.json", "--junit", out / "r.xml", "--markdown", out / "r.md"]
    args += ["--log-format", "json", "--log-file", out / "dq.log"]
    args += ["--notify", webhook(peer)]
    args += [
        "--notify",
        f"json://127.0.0.1:1/hook/{SECRET_PATH}?+Authorization=Bearer%20{SECRET_TOKEN}",
    ]
    proc = run_dqcheck(args, env={**USER_ENV, **(env or {})})
    assert proc.returncode == 1, describe(proc)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}
    return proc, files


def assert_clean(texts: dict[str, str], password: str, role: str) -> None:
    for name, text in texts.items():
        assert not leaks(text, password, role), f"{name} leaks {password!r}:\n{text}"
        for secret in (SECRET_PATH, SECRET_TOKEN):
            assert secret not in text, f"{name} leaks {secret}:\n{text}"


def assert_report_intact(record: dict[str, Any], role: str) -> None:
    assert record["version"] == 1
    assert f"{role}:***@" in record["connection"]
    by_name = {c["name"]: c for c in record["checks"]}
    assert by_name["has_rows"]["value"] == 3
    assert by_name["too_many"]["value"] == 3
    notes = by_name["notes"]
    assert notes["value"] == 1
    assert notes.get("samples", notes.get("rows")) == [{"note": "timeout expired", "version": 1}]


@pytest.mark.postgres
@pytest.mark.parametrize("password", PASSWORDS)
def test_no_output_shows_the_password_and_none_is_corrupted(
    role_db: Callable[[str], Db], http_peer: Callable[..., HttpPeer], password: str
) -> None:
    db = role_db(password)
    peer = http_peer()
    proc, files = run_everything(db, db.url(), peer)

    record = strict_json(proc.stdout)
    assert_report_intact(record, db.role)
    assert_report_intact(strict_json(files["r.json"]), db.role)
    assert "timeout expired" in files["r.md"] and "timeout expired" in files["r.xml"]
    log = [strict_json(line) for line in files["dq.log"].splitlines()]
    assert {"run_start", "check_result", "alert_sent", "alert_failed", "run_end"} <= {
        line["event"] for line in log
    }
    [sent] = [line for line in log if line["event"] == "alert_sent"]
    assert sent["target"].startswith("json://127.0.0.1:")
    [request] = peer.received()
    assert request.path == f"/hook/{SECRET_PATH}"  # the secrets did their job on the wire
    assert request.headers.get("Authorization") == f"Bearer {SECRET_TOKEN}"
    alert = request.json()
    assert f"{db.role}:***@" in alert["message"]
    assert_clean(
        {"stdout": proc.stdout, "stderr": proc.stderr, "alert": request.text, **files},
        password,
        db.role,
    )

    suite = str(write(db.folder, "tokens.yml", SUITE))
    text = run_dqcheck(["run", suite, "--url", db.url()], env=USER_ENV)
    assert text.returncode == 1, describe(text)
    assert "timeout expired" in text.stdout
    assert_clean({"text stdout": text.stdout, "text stderr": text.stderr}, password, db.role)


@pytest.mark.postgres
@pytest.mark.parametrize("password", PASSWORDS)
def test_ping_shows_the_server_not_the_password(
    role_db: Callable[[str], Db], password: str
) -> None:
    db = role_db(password)
    proc = run_dqcheck(["ping", "--url", db.url()], env=USER_ENV)
    assert proc.returncode == 0, describe(proc)
    assert f"{db.role}:***@{db.host}:{db.port}/{db.database}" in proc.stdout
    assert "PostgreSQL" in proc.stdout and "postgresql" in proc.stdout
    assert_clean({"stdout": proc.stdout, "stderr": proc.stderr}, password, db.role)


@pytest.mark.parametrize("password", [*PASSWORDS, "SECRET"])
def test_unreachable_server_error_hides_the_password(password: str) -> None:
    url = f"postgresql://u:{quote(password, safe='')}@127.0.0.1:1/db"
    ping = run_dqcheck(["ping", "--url", url], env=USER_ENV)
    assert ping.returncode == 3, describe(ping)
    assert "refused" in ping.stderr.lower(), describe(ping)
    assert "u:***@127.0.0.1:1/db" in ping.stderr, describe(ping)
    rows = run_dqcheck(["has-rows", "orders", "--url", url], env=USER_ENV)
    assert rows.returncode == 3, describe(rows)
    assert "refused" in (rows.stdout + rows.stderr).lower(), describe(rows)
    for proc in (ping, rows):
        assert_clean({"stdout": proc.stdout, "stderr": proc.stderr}, password, "u")


@pytest.mark.parametrize(
    "raw",
    [
        "p@ss:w/rd",
        "postgres",
        "u:postgres@host/db",
        "postgresql://u:postgres",
        "postgresql://u:p@ss:w/rd@h:notaport/db",
    ],
)
def test_not_a_database_url_does_not_print_it(raw: str) -> None:
    proc = run_dqcheck(["ping", "--url", raw], env=USER_ENV)  # a fresh process: no registry
    assert proc.returncode == 2, describe(proc)
    assert "not a database URL" in proc.stderr, describe(proc)
    for secret in ("p@ss:w/rd", "postgres", "notaport"):
        if secret in raw:
            shown = re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", proc.stdout + proc.stderr)
            assert not shown, describe(proc)


@pytest.mark.postgres
def test_password_in_the_query_string(
    role_db: Callable[[str], Db], http_peer: Callable[..., HttpPeer]
) -> None:
    db = role_db("QueryPw-7x")
    url = URL.create(
        "postgresql+psycopg2",
        username=db.role,
        host=db.host,
        port=db.port,
        database=db.database,
        query={"password": db.password},
    ).render_as_string(hide_password=False)
    proc, files = run_everything(db, url, http_peer())
    record = strict_json(proc.stdout)
    assert record["connection"].endswith("?password=***"), record["connection"]
    assert_clean({"stdout": proc.stdout, "stderr": proc.stderr, **files}, db.password, db.role)
    ping = run_dqcheck(["ping", "--url", url], env=USER_ENV)
    assert ping.returncode == 0, describe(ping)
    assert "password=***" in ping.stdout
    assert_clean({"ping": ping.stdout + ping.stderr}, db.password, db.role)


@pytest.mark.postgres
@pytest.mark.parametrize("password", ["x", "postgres"])
def test_airflow_extra_sslpassword(
    role_db: Callable[[str], Db], http_peer: Callable[..., HttpPeer], password: str
) -> None:
    db = role_db(password)
    ssl_password = "SslPw-3kq9"
    conn = {
        "conn_type": "postgres",
        "host": db.host,
        "port": db.port,
        "login": db.role,
        "password": db.password,
        "schema": db.database,
        "extra": json.dumps({"sslmode": "disable", "sslpassword": ssl_password}),
    }
    env: dict[str, str | None] = {"AIRFLOW_CONN_WAREHOUSE": json.dumps(conn)}
    proc, files = run_everything(db, None, http_peer(), env)
    record = strict_json(proc.stdout)
    assert "sslpassword=***" in record["connection"], record["connection"]
    assert_report_intact(record, db.role)
    texts = {"stdout": proc.stdout, "stderr": proc.stderr, **files}
    assert_clean(texts, password, db.role)
    for name, text in texts.items():
        assert ssl_password not in text, name
    ping = run_dqcheck(["ping", "--conn-id", "warehouse"], env={**USER_ENV, **env})
    assert ping.returncode == 0, describe(ping)
    assert ssl_password not in ping.stdout + ping.stderr
    assert "sslpassword=***" in ping.stdout


def test_secrets_is_a_light_leaf_and_monitor_no_longer_needs_connections() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dqcheck.secrets, dqcheck.monitor.alerts, dqcheck.monitor.logs\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'apprise', 'dqcheck.connections')"
        " if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
