"""Alerts through Apprise (SPEC section 5), received by real peers on 127.0.0.1: an HTTP server
behind ``json://`` URLs (one answering 500, one too slow to answer) and an aiosmtpd server behind
a ``mailto://`` URL. One message per run and event; a failed notification is logged and never
changes the exit code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke
from peers import FAILING, PASSING, HttpPeer, SmtpPeer, log_lines, project_config, write
from sqlalchemy.engine import make_url

pytest_plugins = ["peers"]
pytestmark = pytest.mark.postgres

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/x"

FAIL_AND_ERROR = """\
suite: orders
checks:
  - {name: too_many, type: row_count, table: orders, max: 1}
  - {name: missing, type: row_count, table: no_such_table}
"""


def json_url(peer: HttpPeer, path: str = "/hook", query: str = "") -> str:
    return peer.url(path, scheme="json") + query


def config(folder: Path, db: str, targets: list[dict[str, Any]]) -> Path:
    return project_config(folder, db, notify=targets)


def alert_messages(peer: HttpPeer) -> list[dict[str, Any]]:
    return [r.json() for r in peer.received()]


# -- json:// --------------------------------------------------------------------------------------


def test_failing_run_posts_one_json_alert_naming_the_failures(
    orders_db: str, secret_url: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    peer = http_peer()
    suite = write(tmp_path, "orders.yml", FAILING)
    invoke(["run", suite, "--url", secret_url, "--notify", json_url(peer)], 1)

    requests = peer.received()
    assert len(requests) == 1, requests
    request = requests[0]
    assert (request.method, request.path) == ("POST", "/hook")
    alert = request.json()
    assert alert["type"] == "failure"
    assert "orders" in alert["title"] and "2 checks failed" in alert["title"]
    text = alert["message"]
    assert "orders.too_many: value 3, expected <= 1" in text, text
    assert "orders.paid_only: value 1, expected" in text, text
    assert "orders.has_rows" not in text, "a passing check is not an alert"
    assert re.search(r"3 checks: 1 pass, 0 warn, 2 fail, 0 error in \d+\.\ds", text), text
    masked = make_url(secret_url).render_as_string(hide_password=True)
    assert f"connection {masked}".replace("+psycopg2", "") in text.replace("+psycopg2", ""), text
    assert make_url(secret_url).password not in json.dumps(alert)


def test_passing_run_sends_nothing_by_default(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    peer = http_peer()
    suite = write(tmp_path, "orders.yml", PASSING)
    conf = config(tmp_path, orders_db, [{"url": json_url(peer)}])
    invoke(["run", suite, "--url", orders_db, "--config", conf], 0)
    invoke(["run", suite, "--url", orders_db, "--notify", json_url(peer)], 0)
    assert peer.received() == []


def test_target_on_pass_is_told_of_a_passing_run(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    on_pass, default = http_peer(), http_peer()
    suite = write(tmp_path, "orders.yml", PASSING)
    conf = config(
        tmp_path,
        orders_db,
        [{"url": json_url(on_pass), "on": ["pass"]}, {"url": json_url(default)}],
    )
    invoke(["run", suite, "--url", orders_db, "--config", conf], 0)

    [alert] = alert_messages(on_pass)
    assert alert["type"] == "success"
    assert alert["title"] == "dqcheck: all 2 checks passed (orders)"
    assert default.received() == []


def test_fail_and_error_in_one_run_send_one_message_per_event(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    peer = http_peer()
    suite = write(tmp_path, "orders.yml", FAIL_AND_ERROR)
    conf = config(tmp_path, orders_db, [{"url": json_url(peer), "on": ["fail", "error", "pass"]}])
    invoke(["run", suite, "--url", orders_db, "--config", conf], 3)

    alerts = alert_messages(peer)
    assert len(alerts) == 2, alerts
    by_title = {a["title"]: a["message"] for a in alerts}
    assert set(by_title) == {
        "dqcheck: 1 check failed (orders)",
        "dqcheck: 1 check could not run (orders)",
    }
    failed = by_title["dqcheck: 1 check failed (orders)"]
    errored = by_title["dqcheck: 1 check could not run (orders)"]
    assert "orders.too_many: value 3, expected <= 1" in failed
    assert "orders.missing" not in failed
    assert "orders.missing" in errored and "no_such_table" in errored
    assert "orders.too_many" not in errored


def test_a_target_only_hears_its_events(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    errors_only = http_peer()
    suite = write(tmp_path, "orders.yml", FAILING)
    conf = config(tmp_path, orders_db, [{"url": json_url(errors_only), "on": ["error"]}])
    invoke(["run", suite, "--url", orders_db, "--config", conf], 1)
    assert errors_only.received() == []


WARNING = """\
suite: orders
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: few_rows, type: row_count, table: orders, warn: {min: 10}}
"""


def test_warning_alerts_only_targets_on_warn(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    on_warn, default = http_peer(), http_peer()
    suite = write(tmp_path, "orders.yml", WARNING)
    targets = [{"url": json_url(on_warn), "on": ["warn", "pass"]}, {"url": json_url(default)}]
    invoke(["run", suite, "--url", orders_db, "--config", config(tmp_path, orders_db, targets)], 0)
    [alert] = alert_messages(on_warn)  # a warned run did not pass: no pass message
    assert alert["type"] == "warning"
    assert alert["title"] == "dqcheck: 1 check warned (orders)"
    assert "orders.few_rows: value 3, expected" in alert["message"]
    assert default.received() == []


# -- mailto:// ------------------------------------------------------------------------------------


def test_failing_run_emails_the_alert(orders_db: str, smtp_peer: SmtpPeer, tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    url = smtp_peer.mailto("dq@example.com", "oncall@example.com")
    invoke(["run", suite, "--url", orders_db, "--notify", url], 1)

    assert len(smtp_peer.envelopes) == 1
    envelope = smtp_peer.envelopes[0]
    assert envelope.mail_from == "dq@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com"]
    [mail] = smtp_peer.messages()
    assert mail["Subject"] == "dqcheck: 2 checks failed (orders)"
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    body = part.get_content()
    assert "orders.too_many: value 3, expected <= 1" in body, body
    assert "orders.paid_only" in body


# -- failing targets ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["unreachable", "answers_500"])
@pytest.mark.parametrize(("text", "code"), [(FAILING, 1), (PASSING, 0)], ids=["fail", "pass"])
def test_failed_notification_is_logged_and_leaves_the_exit_code(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    tmp_path: Path,
    kind: str,
    text: str,
    code: int,
) -> None:
    suite = write(tmp_path, "orders.yml", text)
    invoke(["run", suite, "--url", orders_db], code)  # the exit code without notify

    if kind == "unreachable":
        url, peer = "json://127.0.0.1:1/x", None
    else:
        peer = http_peer(status=500)
        url = json_url(peer)
    log = tmp_path / "dq.log"
    conf = config(tmp_path, orders_db, [{"url": url, "on": ["pass", "fail"]}])
    args = ["run", suite, "--url", orders_db, "--config", conf]
    result = invoke([*args, "--log-format", "json", "--log-file", log], code)
    assert "alert_failed" not in result.stdout

    failed = [line for line in log_lines(log) if line["event"] == "alert_failed"]
    assert len(failed) == 1, log.read_text()
    assert failed[0]["level"] == "error"
    assert failed[0]["alert"] == ("fail" if code else "pass")
    assert not [line for line in log_lines(log) if line["event"] == "alert_sent"]
    if peer is not None:
        assert len(peer.received()) == 1  # it was tried, and refused

    # without a log config, the failure still reaches stderr (warnings and worse), not stdout
    result = invoke(args, code)
    assert "alert_failed" in result.stderr
    assert "alert_failed" not in result.stdout


def test_sent_alert_is_logged(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    peer = http_peer()
    suite = write(tmp_path, "orders.yml", FAILING)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--notify", json_url(peer, "/tok/secret-token")]
    invoke([*args, "--log-format", "json", "--log-file", log], 1)
    [sent] = [line for line in log_lines(log) if line["event"] == "alert_sent"]
    assert sent["alert"] == "fail"
    assert sent["target"].startswith("json://127.0.0.1")


def test_slow_target_is_abandoned_with_no_answer(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    """``send_alerts`` gives up on a target that does not answer within its timeout (the CLI
    uses 10 s; a short one here) and reports it, without raising."""
    from dqcheck import api
    from dqcheck.monitor import NotifyTarget
    from dqcheck.monitor.alerts import send_alerts

    slow = http_peer(hold=30)  # released at teardown
    suites = api.load_suites([write(tmp_path, "orders.yml", FAILING)])
    result = api.run(api.plan(suites), orders_db)
    outcomes = send_alerts(result, [NotifyTarget(json_url(slow))], timeout=1.0)
    assert len(outcomes) == 1
    [outcome] = outcomes
    assert outcome.event == "fail"
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("no answer"), outcome
    assert len(slow.wait_for(1)) == 1  # the request did reach it


def test_slow_target_through_the_cli_fails_the_alert_not_the_run(
    orders_db: str, http_peer: Callable[..., HttpPeer], tmp_path: Path
) -> None:
    slow = http_peer(hold=30)  # released at teardown
    suite = write(tmp_path, "orders.yml", PASSING)
    log = tmp_path / "dq.log"
    # rto: Apprise's own read timeout, so the CLI's 10 s bound need not be waited out
    conf = config(tmp_path, orders_db, [{"url": json_url(slow, query="?rto=0.5"), "on": ["pass"]}])
    args = ["run", suite, "--url", orders_db, "--config", conf]
    invoke([*args, "--log-format", "json", "--log-file", log], 0)
    [failed] = [line for line in log_lines(log) if line["event"] == "alert_failed"]
    assert failed["alert"] == "pass"
    assert len(slow.wait_for(1)) == 1


# -- configuration errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "words"),
    [
        ([{"url": "json://127.0.0.1:9/x", "on": ["fail", "bogus"]}], "unknown event 'bogus'"),
        ([{"url": "json://127.0.0.1:9/x", "on": "page_me"}], "unknown event 'page_me'"),
        ([{"url": "json://127.0.0.1:9/x", "when": ["fail"]}], "unknown key 'when'"),
        ([{"url": "not a url"}], "Apprise URL"),
        ({"url": "json://127.0.0.1:9/x"}, "expected a list"),
    ],
    ids=["event", "event_string", "key", "url", "not_list"],
)
def test_bad_notify_config_is_exit_2_before_any_query(
    tmp_path: Path, targets: Any, words: str
) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    conf = project_config(tmp_path, UNREACHABLE_DB, notify=targets)
    # an unreachable database: a query attempt would end in exit 3
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--config", conf], 2)
    assert words in result.stderr
    assert "dqcheck.yml" in result.stderr


def test_bad_notify_flag_is_exit_2(tmp_path: Path) -> None:
    suite = write(tmp_path, "orders.yml", FAILING)
    result = invoke(["run", suite, "--url", UNREACHABLE_DB, "--notify", "nonsense"], 2)
    assert "Apprise URL" in result.stderr


@pytest.mark.parametrize(
    ("scheme", "target", "secret"),
    [
        ("json", "json://dq:Pw-alert-9s3cr@127.0.0.1:{port}/hook", "Pw-alert-9s3cr"),
        # a Gotify application token is the credential, carried in the URL's path
        ("gotify", "gotify://127.0.0.1:{port}/AppTokenS3cr3tXyz", "AppTokenS3cr3tXyz"),
    ],
    ids=["password", "path_token"],
)
def test_alert_target_credentials_are_not_logged(
    orders_db: str,
    http_peer: Callable[..., HttpPeer],
    tmp_path: Path,
    scheme: str,
    target: str,
    secret: str,
) -> None:
    peer = http_peer()
    url = target.format(port=peer.port)
    suite = write(tmp_path, "orders.yml", FAILING)
    log = tmp_path / "dq.log"
    args = ["run", suite, "--url", orders_db, "--notify", url, "--log-file", log]
    result = invoke([*args, "--log-format", "json"], 1)
    assert len(peer.received()) == 1  # delivered to the real peer
    [sent] = [line for line in log_lines(log) if line["event"] == "alert_sent"]
    assert sent["target"].startswith(f"{scheme}://")
    for text in (log.read_text(), result.stdout, result.stderr):
        assert secret not in text
