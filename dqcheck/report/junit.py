"""The JUnit XML report: one <testsuite> per suite, one <testcase> per check.

Jenkins, GitLab and GitHub test reporters read it: ``fail`` is a <failure>, ``error`` an
<error>, ``warn`` passes with a <system-out> note; times are in seconds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dqcheck.report import sample_block
from dqcheck.results import CheckResult, RunResult, Status


def _detail(c: CheckResult) -> str:
    lines = [
        f"check: {c.id} ({c.type})",
        f"table: {c.table or '-'}",
        f"value: {c.value_text or c.value}",
        f"expected: {c.expectation}",
        f"message: {c.message}",
    ]
    samples = sample_block(c, "  ")
    if samples:
        lines += ["samples:", *samples]
    if c.sql:
        lines.append(f"sql: {c.sql}")
    return "\n".join(lines)


def render(result: RunResult) -> str:
    root = ET.Element(
        "testsuites",
        name="dqcheck",
        tests=str(len(result.checks)),
        failures=str(result.summary["fail"]),
        errors=str(result.summary["error"]),
        time=f"{result.duration_seconds:.3f}",
    )
    suites: dict[str, list[CheckResult]] = {}
    for c in result.checks:
        suites.setdefault(c.suite, []).append(c)
    for name, checks in suites.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(checks)),
            failures=str(sum(c.status is Status.FAIL for c in checks)),
            errors=str(sum(c.status is Status.ERROR for c in checks)),
            skipped="0",
            time=f"{sum(c.duration_seconds for c in checks):.3f}",
            timestamp=result.started_at.isoformat(timespec="seconds"),
        )
        if checks[0].file:
            suite.set("file", checks[0].file)
        for c in checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"dqcheck.{c.suite}",
                name=c.name,
                time=f"{c.duration_seconds:.3f}",
            )
            if c.file:
                case.set("file", c.file)
            if c.status is Status.FAIL:
                el = ET.SubElement(case, "failure", message=c.message, type="fail")
                el.text = _detail(c)
            elif c.status is Status.ERROR:
                el = ET.SubElement(case, "error", message=c.error or c.message, type="error")
                el.text = _detail(c)
            elif c.status is Status.WARN:
                ET.SubElement(case, "system-out").text = f"WARN: {c.message}\n{_detail(c)}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
