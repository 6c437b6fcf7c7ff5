"""The HTML report (SPEC section 11): one self-contained page, no network and no script.

A summary header, a table with one row per check, then a card per check with its message, its
trend (an inline SVG chart from ``dqcheck.report.svg``), its samples and its SQL on demand.
Every status reads without colour (an icon and the word); light and dark follow the reader's
``prefers-color-scheme``; on paper the SQL is printed open and the background stays white.
Every string from a suite, a database or the history is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from dqcheck.report import _shown
from dqcheck.report.svg import ICONS, Trend, chart
from dqcheck.results import CheckResult, RunResult, Status

STYLE = """
:root{--bg:#fff;--fg:#1d232a;--muted:#5c6670;--line:#d5dae0;--card:#f6f8fa;--plot:#fff;
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--error:#8250df;
--band-fail:#f7e3a6;--band-warn:#c6ebcf;--band-only:#c6ebcf;--band-exp:#b6d4fe;--grid:#e4e8ec;
--zone-fail:#fbe0e0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;
--line:#30363d;--card:#161b22;--plot:#0d1117;--pass:#3fb950;--warn:#d29922;--fail:#f85149;
--error:#bc8cff;--band-fail:#4a3d15;--band-warn:#1b4227;--band-only:#1b4227;--band-exp:#1c3a5e;
--grid:#21262d;--zone-fail:#3d1d20}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:1.2rem;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
code,pre,.num{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
h1{margin:.2rem 0;font-size:1.6rem}h2{font-size:1.1rem;margin:0 0 .3rem;overflow-wrap:anywhere}
a{color:inherit}
.pass{color:var(--pass)}.warn{color:var(--warn)}.fail{color:var(--fail)}.error{color:var(--error)}
.badge{font-weight:600;white-space:nowrap}
header.summary{border-left:.45rem solid currentColor;padding:.4rem 0 .4rem 1rem;margin-bottom:1rem}
header.summary p,header.summary dl{color:var(--fg);margin:.3rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.note,.legend,.meta{color:var(--muted);font-size:.9rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
td.value,td.time{text-align:right;white-space:nowrap}
td.name{overflow-wrap:anywhere}
section.card{background:var(--card);border:1px solid var(--line);border-left:.35rem solid
currentColor;border-radius:6px;padding:.8rem 1rem;margin:1rem 0;break-inside:avoid}
section.card>*:not(h2){color:var(--fg)}
.message{white-space:pre-wrap;overflow-wrap:anywhere}
svg.trend{display:block;width:100%;height:auto;margin:.4rem 0}
svg .plot{fill:var(--plot);stroke:var(--line)}
svg .grid{stroke:var(--grid);stroke-width:1}
svg .tick,svg .time{fill:var(--muted);font-size:11px;font-family:inherit}
svg .zone.fail{fill:var(--zone-fail)}svg .band.fail{fill:var(--band-fail)}
svg .band.warn{fill:var(--band-warn)}
svg .band.only{fill:var(--band-only)}
svg .band.expected{fill:var(--band-exp);opacity:.6}
svg .edge{stroke:var(--muted);stroke-width:1;stroke-dasharray:4 3}
svg .line{fill:none;stroke:var(--muted);stroke-width:1.5}
svg .mark.pass{fill:var(--pass)}svg .mark.warn{fill:var(--warn)}
svg .mark.fail{stroke:var(--fail);stroke-width:2.5;fill:none}
svg .mark.error{fill:var(--error)}
svg .mark.last{stroke:var(--fg);stroke-width:1.5}svg .mark.fail.last{stroke:var(--fail);
stroke-width:3.5}
table.samples{width:auto;max-width:100%;font-size:.9rem;margin:.3rem 0}
table.samples td,table.samples th{border:1px solid var(--line)}
.null{color:var(--muted);font-style:italic}
pre.sql{background:var(--bg);border:1px solid var(--line);padding:.5rem;overflow-x:auto;
white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
details summary{cursor:pointer;color:var(--muted)}
.print-only{display:none}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--card:#fff;--plot:#fff;--line:#bbb;
--band-fail:#f7e3a6;--band-warn:#c6ebcf;--band-only:#c6ebcf;--band-exp:#b6d4fe;--grid:#e4e8ec;
--zone-fail:#fbe0e0}
body{max-width:none;padding:0}details.sql{display:none}.print-only{display:block}
a{text-decoration:none}}
"""

LEGEND = (
    "Marks: ● pass, ▲ warn, ✖ fail, ◆ error; hover one for its run. Bands: the values a check "
    "accepts (its fail bounds; amber where they warn, green inside its warn bounds), red where "
    "values fail, blue for the range expected from the history. Times are UTC."
)


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _badge(status: Status) -> str:
    return f'<span class="badge {status.value}">{ICONS[status]} {status.value}</span>'


def _value(c: CheckResult) -> str:
    if c.status is Status.ERROR:
        return "-"
    return c.value_text or ("NULL" if c.value is None else str(c.value))


def render(
    result: RunResult,
    *,
    trends: Mapping[str, Trend] | None = None,
    note: str | None = None,
    title: str = "dqcheck report",
) -> str:
    """The page: ``trends`` by check id (``suite.name``); ``note`` says where the data came
    from (shown under the summary)."""
    trends = trends or {}
    status = result.status
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{_e(title)}: {status.value} ({len(result.checks)} checks)</title>"
        f"<style>{STYLE}</style></head><body>"
    )
    parts = [head, _header(result, note)]
    if not result.checks:
        parts.append('<p class="empty">No results yet: run dqcheck with a history configured.</p>')
    else:
        parts += [_table(result), f'<p class="legend">{_e(LEGEND)}</p>']
        parts += [_card(i, c, trends.get(c.id)) for i, c in enumerate(result.checks)]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _header(result: RunResult, note: str | None) -> str:
    status = result.status
    if not result.checks:
        return (
            '<header class="summary"><h1>dqcheck: no runs yet</h1>'
            + (f'<p class="note">{_e(note)}</p>' if note else "")
            + "</header>"
        )
    s = result.summary
    counts = ", ".join(f"{s[x.value]} {x.value}" for x in Status)
    facts = [
        ("started", result.started_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
        ("duration", f"{result.duration_seconds:.1f}s"),
        ("connection", result.connection or "-"),
        ("exit code", str(int(result.exit_code))),
    ]
    if result.sla_missed:
        facts.append(("SLA", "missed: the run took longer than its --sla"))
    if result.interrupted:
        facts.append(("interrupted", f"by {result.interrupted}"))
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    noun = "check" if s["total"] == 1 else "checks"
    return (
        f'<header class="summary {status.value}">'
        f'<h1><span class="badge">{ICONS[status]} dqcheck: {status.value.upper()}</span></h1>'
        f'<p class="counts">{s["total"]} {noun}: {_e(counts)}</p>'
        f'<dl class="facts">{rows}</dl>'
        + (f'<p class="note">{_e(note)}</p>' if note else "")
        + "</header>"
    )


def _table(result: RunResult) -> str:
    rows = []
    for i, c in enumerate(result.checks):
        rows.append(
            f'<tr class="check {c.status.value}"><td>{_badge(c.status)}</td>'
            f'<td class="name"><a href="#check-{i}"><code>{_e(c.id)}</code></a></td>'
            f'<td class="value num">{_e(_value(c))}</td><td>{_e(c.expectation)}</td>'
            f'<td class="time num">{c.duration_seconds:.2f}s</td></tr>'
        )
    return (
        '<table class="checks"><thead><tr><th>status</th><th>check</th><th>value</th>'
        "<th>expectation</th><th>time</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _card(i: int, c: CheckResult, trend: Trend | None) -> str:
    meta = [c.type, c.table or "", c.file or "", ", ".join(c.tags)]
    parts = [
        f'<section class="card {c.status.value}" id="check-{i}">',
        f"<h2>{_badge(c.status)} <code>{_e(c.id)}</code></h2>",
        f'<p class="meta">{" · ".join(_e(m) for m in meta if m)}</p>',
        f"<p>value <b class=num>{_e(_value(c))}</b>"
        + (f" · expected {_e(c.expectation)}" if c.expectation else "")
        + "</p>",
    ]
    if c.message:
        parts.append(f'<p class="message">{_e(c.message)}</p>')
    if trend is not None and trend.points:
        parts.append(chart(trend, c.id))
    else:
        parts.append('<p class="note">No trend: no history of this check.</p>')
    parts.append(_samples(c))
    if c.sql:
        parts.append(
            f'<details class="sql"><summary>SQL</summary><pre class="sql">{_e(c.sql)}</pre>'
            f'</details><pre class="sql print-only">{_e(c.sql)}</pre>'
        )
    parts.append("</section>")
    return "".join(parts)


def _samples(c: CheckResult) -> str:
    """The samples as a small table: value and count, key columns and count, or the rows."""
    samples = c.samples if c.samples is not None else c.rows
    if not samples:
        return ""
    flat = []
    for s in samples:
        key = s.get("key") if set(s) == {"key", "count"} else None
        flat.append({**key, "count": s["count"]} if isinstance(key, dict) else dict(s))
    columns = list(dict.fromkeys(k for row in flat for k in row))
    n = len(samples)
    intro = f'<p class="meta">{n} sample{"s" * (n != 1)} of the rows behind it'
    if len(columns) == 1:  # keys of one column on one line: ``id: 73, 460, 585``
        cells = ", ".join(_e(_shown(row.get(columns[0]))) for row in flat)
        return f'{intro}:</p><p class="samples"><code>{_e(columns[0])}</code>: {cells}</p>'
    head = "".join(f"<th>{_e(k)}</th>" for k in columns)
    body = "".join("<tr>" + "".join(_cell(row, k) for k in columns) + "</tr>" for row in flat)
    return (
        f"{intro}:</p>"
        f'<table class="samples"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _cell(row: dict[str, Any], key: str) -> str:
    if key not in row:
        return "<td></td>"
    value = row[key]
    if value is None:
        return '<td class="null">NULL</td>'
    if key == "count" and isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{_e(_shown(value) if not isinstance(value, str) else value)}</td>"
