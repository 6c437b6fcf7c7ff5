"""One located-problem validator for every section of ``dqcheck.yml`` (STYLE item 8): an unknown
key names the nearest known one at the key's own line, and every problem of the file is
reported at once, exit 2 before any query."""

from __future__ import annotations

from pathlib import Path

import pytest
from clitools import invoke

from dqcheck.config import ProjectConfig, load_config
from dqcheck.errors import ConfigError
from dqcheck.monitor import load_settings
from dqcheck.monitor.history import history_url
from dqcheck.validation import Problems, unknown
from dqcheck.yamlio import load_yaml

SUITE = """\
checks:
  - name: has_rows
    type: row_count
    table: orders
"""


def validate(tmp_path: Path, config: str, env: dict[str, str | None] | None = None) -> list[str]:
    """``dqcheck validate SUITE --config FILE``: exit 2; the lines of stderr, each a problem,
    with the config's path shortened to ``dqcheck.yml``."""
    suite = tmp_path / "orders.yml"
    suite.write_text(SUITE)
    conf = tmp_path / "dqcheck.yml"
    conf.write_text(config)
    result = invoke(["validate", suite, "--config", conf], 2, env=env)
    text = result.stderr.replace(str(conf), "dqcheck.yml")
    return [line.removeprefix("dqcheck: error: ").strip() for line in text.splitlines()]


# -- one unknown key in each section, located at its own line ------------------------------------

CASES = {
    "top_level": (
        "sla: 15m\nnotfy:\n  - url: json://localhost/hook\n",
        "dqcheck.yml:2: unknown key 'notfy' (did you mean 'notify'?)",
    ),
    "notify_target_key": (
        "notify:\n  - url: json://localhost/hook\n    onn: [fail]\n",
        "dqcheck.yml:3: field 'notify[1].onn': unknown key 'onn' (did you mean 'on'?)",
    ),
    "notify_event": (
        "notify:\n  - url: json://localhost/hook\n  - url: json://localhost/other\n"
        "    on: [fail, eror]\n",
        "dqcheck.yml:4: field 'notify[2].on': unknown event 'eror' (did you mean 'error'?)",
    ),
    "statsd": (
        "statsd:\n  host: 127.0.0.1\n  port: 8125\n  prefx: dq\n",
        "dqcheck.yml:4: field 'statsd.prefx': unknown key 'prefx' (did you mean 'prefix'?)",
    ),
    "prometheus": (
        "prometheus:\n  textfle: metrics.prom\n",
        "dqcheck.yml:2: field 'prometheus.textfle': unknown key 'textfle' "
        "(did you mean 'textfile'?)",
    ),
    "log": (
        "log:\n  file: dqcheck.log\n  fromat: json\n",
        "dqcheck.yml:3: field 'log.fromat': unknown key 'fromat' (did you mean 'format'?)",
    ),
    "history": (
        "sla: 1h\nhistory:\n  uri: sqlite:///history.db\n",
        "dqcheck.yml:3: field 'history.uri': unknown key 'uri' (did you mean 'url'?)",
    ),
    "connection": (
        "connections:\n  warehouse:\n    ulr: postgresql://u@h/db\n",
        "dqcheck.yml:3: field 'connections.warehouse.ulr': unknown key 'ulr' (did you mean 'url'?)",
    ),
    "statsd_flow_style": (
        "statsd: {host: 127.0.0.1,\n         prefx: dq}\n",
        "dqcheck.yml:2: field 'statsd.prefx': unknown key 'prefx' (did you mean 'prefix'?)",
    ),
}


@pytest.mark.parametrize(("config", "expected"), CASES.values(), ids=CASES.keys())
def test_an_unknown_key_names_the_nearest_at_its_line(
    tmp_path: Path, config: str, expected: str
) -> None:
    assert validate(tmp_path, config) == [expected]


# -- every problem of the file at once ------------------------------------------------------------

EVERYTHING_WRONG = """\
connections:
  warehouse: {ulr: "postgresql://u@h/db"}
  ok: {url: "sqlite://"}
notfy: []
notify:
  - url: json://localhost/hook
    on: [fail, eror]
statsd:
  host: 127.0.0.1
  port: eighty
  prefx: dq
prometheus:
  textfle: metrics.prom
log:
  fromat: json
  file: 3
history:
  uri: sqlite:///history.db
sla: soon
"""


def test_every_problem_of_the_file_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    assert validate(tmp_path, EVERYTHING_WRONG) == [
        "dqcheck.yml:2: field 'connections.warehouse.ulr': unknown key 'ulr' (did you mean 'url'?)",
        "dqcheck.yml:4: unknown key 'notfy' (did you mean 'notify'?)",
        "dqcheck.yml:7: field 'notify[1].on': unknown event 'eror' (did you mean 'error'?)",
        "dqcheck.yml:10: field 'statsd.port': expected a port number, got 'eighty'",
        "dqcheck.yml:11: field 'statsd.prefx': unknown key 'prefx' (did you mean 'prefix'?)",
        "dqcheck.yml:13: field 'prometheus.textfle': unknown key 'textfle' "
        "(did you mean 'textfile'?)",
        "dqcheck.yml:15: field 'log.fromat': unknown key 'fromat' (did you mean 'format'?)",
        "dqcheck.yml:16: field 'log.file': expected a file path, got the number 3",
        "dqcheck.yml:18: field 'history.uri': unknown key 'uri' (did you mean 'url'?)",
        "dqcheck.yml:19: field 'sla': expected a duration such as 90s, 15m, 6h or 2d, got 'soon'",
    ]


def test_a_key_far_from_every_known_one_lists_them(tmp_path: Path) -> None:
    assert validate(tmp_path, "log:\n  rotation: daily\n") == [
        "dqcheck.yml:2: field 'log.rotation': unknown key 'rotation' (known keys: file, format)"
    ]


def test_a_wrong_value_is_located_at_its_key(tmp_path: Path) -> None:
    config = "statsd:\n  host: 127.0.0.1\n  port: 70000\nlog:\n  format: jsn\n"
    assert validate(tmp_path, config) == [
        "dqcheck.yml:3: field 'statsd.port': expected a port number (1-65535), got 70000",
        "dqcheck.yml:5: field 'log.format': unknown format 'jsn' (did you mean 'json'?)",
    ]


def test_an_unset_history_variable_is_located_at_the_url(tmp_path: Path) -> None:
    config = "sla: 1h\nhistory:\n  url: ${DQCHECK_TEST_UNSET_HISTORY}\n"
    lines = validate(tmp_path, config, env={"DQCHECK_TEST_UNSET_HISTORY": None})
    assert lines == [
        "dqcheck.yml:3: field 'history.url': "
        "environment variable DQCHECK_TEST_UNSET_HISTORY is not set"
    ]


def test_a_valid_config_still_validates(tmp_path: Path) -> None:
    suite = tmp_path / "orders.yml"
    suite.write_text(SUITE)
    conf = tmp_path / "dqcheck.yml"
    conf.write_text(
        "connections:\n  warehouse: {url: 'sqlite://'}\n"
        "notify:\n  - json://localhost/hook\n  - {url: 'json://localhost/x', on: error}\n"
        "statsd: {host: 127.0.0.1, port: 8125, prefix: dq}\n"
        f"prometheus: {{textfile: {tmp_path / 'm.prom'}}}\n"
        "log: {format: json}\nhistory: {url: 'sqlite:///h.db'}\nsla: 15m\n"
    )
    invoke(["validate", suite, "--config", conf], 0)


# -- the same validator from the library ----------------------------------------------------------


def test_load_config_raises_every_problem_with_its_line(tmp_path: Path) -> None:
    conf = tmp_path / "dqcheck.yml"
    conf.write_text("statsd:\n  host: h\n  prefx: x\nlog:\n  fromat: json\n")
    with pytest.raises(ConfigError) as caught:
        load_config(conf, explicit=True)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "statsd.prefx"),
        (5, "log.fromat"),
    ]
    assert all(p.file == str(conf) for p in caught.value.problems)


def test_sections_given_as_plain_mappings_are_located_at_the_section() -> None:
    """``load_settings`` from the API, with sections not read from YAML: the section's line."""
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"statsd": {"host": "h", "prefx": "x"}, "notify": [{"url": "json://h/x", "on": "x"}]},
            file="dq.yml",
            lines={"statsd": 4, "notify": 1},
            env={},
        )
    assert [str(p) for p in caught.value.problems] == [
        "dq.yml:1: field 'notify[1].on': unknown event 'x' "
        "(events: error, fail, pass, sla_miss, warn)",
        "dq.yml:4: field 'statsd.prefx': unknown key 'prefx' (did you mean 'prefix'?)",
    ]


def test_history_url_checks_a_plain_mapping_too() -> None:
    with pytest.raises(ConfigError, match=r"field 'history.uri': unknown key 'uri'"):
        history_url({"history": {"uri": "sqlite://"}}, None)
    assert history_url({}, None) is None


def test_history_url_locates_a_section_from_yaml() -> None:
    doc = load_yaml("sla: 1h\nhistory:\n  url: 5\n")
    project = ProjectConfig("x.yml", sections=dict(doc), section_lines={"history": 2})
    with pytest.raises(ConfigError) as caught:
        history_url(project, None)
    assert (
        str(caught.value)
        == "x.yml:3: field 'history.url': expected a database URL, got the number 5"
    )


def test_problems_collects_unknown_keys_and_types() -> None:
    p = Problems("f.yml")
    doc = load_yaml("a: 1\nb: true\nprefx: 2\n")
    assert p.unknown_keys(doc, ("a", "b", "prefix"), "s") == ["prefx"]
    assert p.expect_type(doc["a"], int, "a number", doc.line_of("a"), "s.a")
    assert not p.expect_type(doc["b"], int, "a number", doc.line_of("b"), "s.b")
    assert [str(x) for x in p] == [
        "f.yml:3: field 's.prefx': unknown key 'prefx' (did you mean 'prefix'?)",
        "f.yml:2: field 's.b': expected a number, got true/false",
    ]
    with pytest.raises(ConfigError) as caught:
        p.raise_if_any(by_line=True)
    assert [x.line for x in caught.value.problems] == [2, 3]


def test_unknown_suggests_or_lists() -> None:
    assert (
        unknown("eror", ("pass", "error"), "event")
        == "unknown event 'eror' (did you mean 'error'?)"
    )
    assert unknown(3, ("a", "b")) == "unknown key 3 (known keys: a, b)"
