"""Suite files: YAML → validated ``Suite`` objects, with every problem located and reported
together (file, line, check, field)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dqcheck import fields as f
from dqcheck.checks import REGISTRY, Check
from dqcheck.config import CONFIG_NAMES
from dqcheck.errors import ConfigError, Problem, short
from dqcheck.planner import plan_value
from dqcheck.results import Bounds, Status, plain
from dqcheck.sql import variables_in
from dqcheck.validation import Problems, suggest
from dqcheck.yamlio import LineDict, YamlError, load_yaml, read_limited

NAME = re.compile(r"[A-Za-z0-9_.-]+")
VAR_NAME = re.compile(r"\w+")
SUITE_KEYS = ("suite", "description", "connection", "tags", "vars", "plan", "checks")
COMMON_KEYS = (
    "name",
    "type",
    "description",
    "tags",
    "warn",
    "timeout",
    "on_null",
    "samples",
    "sample_columns",
)
#: Bad rows shown when a check fails or warns, unless it says ``samples: N`` (SPEC 2.5).
DEFAULT_SAMPLES = 5
#: The most samples a check may ask for: they are for people to read, not an export.
MAX_SAMPLES = 1000
ON_NULL = {"pass": Status.PASS, "warn": Status.WARN, "fail": Status.FAIL}
SQL_PARSERS = (f.sql_fragment, f.sql_statement)
MAX_FILE_BYTES = 1024 * 1024


@dataclass
class Suite:
    """One suite file, validated."""

    name: str
    file: str
    checks: list[Check]
    connection: str | None = None
    tags: tuple[str, ...] = ()
    vars: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    #: ``plan: fastest | single_scan`` (SPEC 2.3); None: the engine's default.
    plan: str | None = None


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Suite files named by ``paths``: files as given, folders searched for *.yml/*.yaml."""
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yml", ".yaml")
                and p.name not in CONFIG_NAMES
                and p.is_file()
                # hidden files and folders below the one given (.git, .venv, .dqcheck)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                problems.append(Problem("no *.yml or *.yaml suite files in this folder", str(path)))
            found += files
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem("no such file or folder", str(path)))
    if not found and not problems:
        problems.append(Problem("no suite files given"))
    if problems:
        raise ConfigError(problems)
    return list(dict.fromkeys(found))


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings from ``--var``."""
    out: dict[str, str] = {}
    problems = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not VAR_NAME.fullmatch(key):
            problems.append(
                Problem(
                    f"--var {short(pair)}: expected KEY=VALUE, KEY made of letters, digits and _"
                )
            )
            continue
        out[key] = value
    if problems:
        raise ConfigError(problems)
    return out


def load_suites(
    paths: Iterable[str | Path], variables: Mapping[str, str] | None = None
) -> list[Suite]:
    """Load and validate every suite under ``paths``; raise ConfigError with all problems."""
    suites: list[Suite] = []
    problems: list[Problem] = []
    for path in discover(paths):
        try:
            text = read_limited(path, MAX_FILE_BYTES).decode("utf-8")
        except (OSError, ValueError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
            problems.append(Problem(f"cannot read the file: {reason}", str(path)))
            continue
        suite, found = parse_suite(text, str(path), variables or {})
        problems += found
        if suite is not None:
            suites.append(suite)
    seen: dict[str, str] = {}
    for suite in suites:
        if suite.name in seen:
            problems.append(
                Problem(
                    f"suite name '{suite.name}' is also used by {seen[suite.name]}",
                    suite.file,
                    field="suite",
                )
            )
        seen.setdefault(suite.name, suite.file)
    if problems:
        raise ConfigError(problems)
    return suites


def parse_suite(
    text: str, file: str, cli_vars: Mapping[str, str]
) -> tuple[Suite | None, list[Problem]]:
    """One suite document → (Suite or None, problems)."""
    try:
        doc = load_yaml(text)
    except YamlError as exc:
        return None, [Problem(exc.message, file, exc.line)]
    if doc is None:
        return None, [Problem("the file is empty: expected a mapping with a 'checks' list", file)]
    if not isinstance(doc, LineDict):
        return None, [Problem("expected a mapping with a 'checks' list at the top", file, 1)]
    p = Problems(file)
    p.unknown_keys(doc, SUITE_KEYS)
    name = Path(file).stem
    if "suite" in doc:
        if isinstance(doc["suite"], str) and NAME.fullmatch(doc["suite"]):
            name = doc["suite"]
        else:
            p.add(
                "the suite name must be letters, digits, '_', '.' or '-'",
                doc.line_of("suite"),
                field="suite",
            )
    connection = p.parse(doc, "connection", f.text)
    description = p.parse(doc, "description", f.text)
    tags = p.parse(doc, "tags", f.string_list) or ()
    plan = p.parse(doc, "plan", plan_value)
    suite_vars: dict[str, str] = {}
    raw_vars = doc.get("vars", {})
    if not isinstance(raw_vars, dict):
        p.add("expected a mapping of variable name to value", doc.line_of("vars"), field="vars")
    else:
        for key, value in raw_vars.items():
            line = raw_vars.line_of(key) if isinstance(raw_vars, LineDict) else doc.line_of("vars")
            if not isinstance(key, str) or not VAR_NAME.fullmatch(key):
                p.add(f"variable name {short(key)}: use letters, digits and _", line, field="vars")
                continue
            try:
                suite_vars[key] = f.variable_value(value)
            except f.FieldError as exc:
                p.add(f"variable '{key}': {exc}", line, field="vars")
    variables = {**suite_vars, **cli_vars}
    checks: list[Check] = []
    raw_checks = doc.get("checks")
    if "checks" not in doc:
        p.add("missing required key 'checks' (a list of checks)", doc.line)
    elif not isinstance(raw_checks, list) or not raw_checks:
        p.add("expected a non-empty list of checks", doc.line_of("checks"), field="checks")
    else:
        names: dict[str, int] = {}
        for index, raw in enumerate(raw_checks, start=1):
            check = _parse_check(
                p, raw, index, name, tuple(tags), variables, connection, doc.line_of("checks")
            )
            raw_name = raw.get("name") if isinstance(raw, LineDict) else None
            if isinstance(raw_name, str) and raw_name in names:
                p.add(
                    f"duplicate check name (first used on line {names[raw_name]})",
                    raw.line_of("name"),
                    raw_name,
                    "name",
                )
            elif isinstance(raw_name, str):
                names[raw_name] = raw.line_of("name")
            if check is not None:
                checks.append(check)
    if p:
        p.problems.sort(key=lambda prob: prob.line or 0)
        return None, p.problems
    return Suite(name, file, checks, connection, tuple(tags), suite_vars, description, plan), []


def _parse_check(
    p: Problems,
    raw: Any,
    index: int,
    suite: str,
    suite_tags: tuple[str, ...],
    variables: Mapping[str, str],
    connection: str | None,
    list_line: int,
) -> Check | None:
    if not isinstance(raw, LineDict):
        p.add(f"check #{index}: expected a mapping with 'name' and 'type'", list_line)
        return None
    line = raw.line
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        if "name" not in raw:
            p.add("missing required key 'name'", line, f"#{index}")
        else:
            p.add(
                f"the name must be letters, digits, '_', '.' or '-', got {short(name)}",
                raw.line_of("name"),
                f"#{index}",
                "name",
            )
        name = None
    who = name or f"#{index}"
    type_name = raw.get("type")
    cls = REGISTRY.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        if "type" not in raw:
            p.add("missing required key 'type'", line, who)
        else:
            known = sorted(REGISTRY)
            hint = suggest(str(type_name), known)
            p.add(
                f"unknown check type {short(type_name)}{hint}; known types: {', '.join(known)}",
                raw.line_of("type"),
                who,
                "type",
            )
        return None
    before = len(p.problems)
    is_table = "table" in cls.fields
    allowed = (*COMMON_KEYS, *(("where",) if is_table else ()), *cls.fields, *cls.bound_keys)
    p.unknown_keys(raw, allowed, check=who)
    params: dict[str, Any] = {}
    for key, spec in cls.fields.items():
        if key not in raw:
            if spec.required:
                p.add(f"missing required key '{key}' for type {cls.type}", line, who)
            continue
        try:
            params[key] = spec.parse(raw[key])
        except f.FieldError as exc:
            p.add(str(exc), raw.line_of(key), who, key)
            continue
        if spec.parse in SQL_PARSERS:
            _check_vars(p, params[key], variables, raw.line_of(key), who, key)
    for key, sql in cls.sql_texts(params):
        _check_vars(p, sql, variables, raw.line_of(key), who, key)
    for fld, message in cls.validate(params) if len(p.problems) == before else ():
        p.add(message, raw.line_of(fld) if fld else line, who, fld)
    where = None
    if is_table and "where" in raw:
        try:
            where = f.sql_fragment(raw["where"])
            _check_vars(p, where, variables, raw.line_of("where"), who, "where")
        except f.FieldError as exc:
            p.add(str(exc), raw.line_of("where"), who, "where")
    fail = _bounds(p, cls, raw, raw, who, "")
    warn = Bounds()
    if "warn" in raw:
        if not isinstance(raw["warn"], LineDict) or not raw["warn"]:
            p.add(
                f"expected a mapping of bounds ({', '.join(cls.bound_keys)})",
                raw.line_of("warn"),
                who,
                "warn",
            )
        else:
            p.unknown_keys(raw["warn"], cls.bound_keys, check=who, field="warn")
            warn = _bounds(p, cls, raw["warn"], raw["warn"], who, "warn.")
    if fail.is_empty():
        if cls.default_bounds is None and not any(k in raw for k in cls.bound_keys):
            keys = " or ".join(cls.bound_keys)
            p.add(f"type {cls.type} needs a bound: write {keys}", line, who)
        elif cls.default_bounds is not None:
            fail = cls.default_bounds
    tags = tuple(dict.fromkeys(suite_tags + (p.parse(raw, "tags", f.string_list, check=who) or ())))
    description = p.parse(raw, "description", f.text, check=who)
    timeout = p.parse(raw, "timeout", f.duration, check=who)
    on_null = Status.FAIL
    if "on_null" in raw:
        if isinstance(raw["on_null"], str) and raw["on_null"] in ON_NULL:
            on_null = ON_NULL[raw["on_null"]]
        else:
            p.add(
                f"expected one of {', '.join(ON_NULL)}, got {short(raw['on_null'])}",
                raw.line_of("on_null"),
                who,
                "on_null",
            )
    samples = p.parse(raw, "samples", sample_count, check=who)
    sample_columns = p.parse(raw, "sample_columns", f.column_list, check=who)
    if len(p.problems) > before or name is None:
        return None
    return cls(
        suite=suite,
        name=name,
        params=params,
        fail=fail,
        warn=warn,
        where=where,
        tags=tags,
        description=description,
        timeout=timeout,
        on_null=on_null,
        variables=dict(variables),
        connection=connection,
        file=p.file,
        line=line,
        samples=DEFAULT_SAMPLES if samples is None else samples,
        sample_columns=sample_columns,
    )


def sample_count(value: Any) -> int:
    """``samples: N``: a whole number from 0 (no samples) to ``MAX_SAMPLES``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise f.FieldError(f"expected a whole number of rows (0: no samples), got {short(value)}")
    if not 0 <= value <= MAX_SAMPLES:
        raise f.FieldError(f"expected 0 to {MAX_SAMPLES} rows, got {value}")
    return value


def _bounds(
    p: Problems, cls: type[Check], raw: LineDict, lines: LineDict, who: str, prefix: str
) -> Bounds:
    values: dict[str, Any] = {}
    for key, spec in cls.bound_keys.items():
        if key in raw:
            try:
                values[spec.attr] = spec.parse(raw[key])
            except f.FieldError as exc:
                p.add(str(exc), lines.line_of(key), who, prefix + key)
    bounds = Bounds(**values)
    if bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
        p.add(
            f"min {plain(bounds.min)} is greater than max {plain(bounds.max)}",
            lines.line,
            who,
            prefix + "min",
        )
    return bounds


def _check_vars(
    p: Problems, sql: str, variables: Mapping[str, str], line: int, who: str, key: str
) -> None:
    for name in variables_in(sql):
        if name not in variables:
            p.add(
                f"undefined variable ':{name}' (set it with --var {name}=VALUE or in vars:)",
                line,
                who,
                key,
            )


def has_rows_suite(
    table: str, where: str | None, minimum: int, cli_vars: Mapping[str, str]
) -> Suite:
    """The one-check suite of ``dqcheck has-rows``, validated like any suite."""
    import yaml

    check: dict[str, Any] = {"name": "has_rows", "type": "row_count", "table": table}
    check["min"] = minimum
    if where:
        check["where"] = where
    text = yaml.safe_dump({"suite": "has_rows", "checks": [check]})
    suite, problems = parse_suite(text, "has-rows", cli_vars)
    if problems or suite is None:
        raise ConfigError([Problem(p.message, field=p.field) for p in problems])
    return suite
