"""A check's trend as an inline SVG chart (SPEC section 11): its values over the runs, one mark
per run shaped and coloured by status, and the values its bounds accept drawn as bands.

Pure functions of plain data: the page's stylesheet colours the classes (``band``, ``line``,
``mark``, ``pass``/``warn``/``fail``/``error``), so the chart follows light, dark and print.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from dqcheck.results import Bounds, Status, plain

#: A status as a sign that reads without colour, always shown beside the word.
ICONS = {Status.PASS: "✔", Status.WARN: "▲", Status.FAIL: "✖", Status.ERROR: "⚠"}

WIDTH, HEIGHT = 900, 190
LEFT, RIGHT, TOP, BOTTOM = 70, 14, 10, 28
PAD = 9


@dataclass(frozen=True)
class Point:
    """One run of a check: when, the value judged (None when it could not be measured), how it
    ended, the value for people, and the bounds it was judged by then."""

    when: datetime
    value: float | None
    status: Status
    text: str = ""
    fail: Bounds = field(default_factory=Bounds)
    warn: Bounds = field(default_factory=Bounds)
    expected: tuple[float, float] | None = None
    message: str = ""


@dataclass(frozen=True)
class Trend:
    """A check's points, oldest first, and how its values are written (``5h12m``, ``1.5%``)."""

    points: Sequence[Point]
    fmt: Callable[[Any], str] = plain


def _n(x: float) -> str:
    """A coordinate, short."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _edges(p: Point) -> list[float]:
    """Every finite bound of a point (where a band starts or ends)."""
    raw = [p.fail.min, p.fail.max, p.fail.equals, p.warn.min, p.warn.max, p.warn.equals]
    raw += list(p.expected or ())
    return [x for x in (_finite(b) for b in raw) if x is not None]


def _nice(step: float) -> float:
    """The nearest 1, 2 or 5 times a power of ten at or above ``step``."""
    power = 10.0 ** math.floor(math.log10(step))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= step * 0.999)


def y_range(points: Sequence[Point], flat: bool = False) -> tuple[float, float, list[float]]:
    """The y axis: low, high and its ticks. Every value is shown, and every bound whose band
    would not squash the values' own spread below a fifth of the chart (a bound past that runs
    to the chart's edge), or every bound when the values are ``flat`` (or nearly); counts that
    are never negative start at zero at the lowest."""
    values = [v for v in (_finite(p.value) for p in points) if v is not None]
    edges = [e for p in points for e in _edges(p)]
    if not values:
        values = edges or [0.0, 1.0]
    low, high = min(values), max(values)
    spread = high - low
    flat = flat or spread <= abs(high) * 0.001
    for edge in sorted(edges, key=lambda e: min(abs(e - low), abs(e - high))):
        if flat or max(high, edge) - min(low, edge) <= 5 * spread:
            low, high = min(low, edge), max(high, edge)
    if high == low:
        low, high = (low - 1, high + 1) if low != 0 else (0.0, 1.0)
    step = _nice((high - low) / 4)
    if all(float(v).is_integer() for v in [*values, *edges]) and step < 1:
        step = 1.0
    never_negative = min([*values, *edges]) >= 0
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if never_negative and low < 0:
        low = 0.0
    count = round((high - low) / step)
    return low, high, [low + i * step for i in range(count + 1)]


def _xs(points: Sequence[Point]) -> list[float]:
    """Each run's x: by its time, or evenly when the runs share one time."""
    left, right = LEFT + 8, WIDTH - RIGHT - 8
    if len(points) == 1:
        return [(left + right) / 2]
    times = [p.when.timestamp() for p in points]
    first, last = min(times), max(times)
    if last == first:
        return [left + (right - left) * i / (len(points) - 1) for i in range(len(points))]
    return [left + (right - left) * (t - first) / (last - first) for t in times]


def _bands(points: Sequence[Point], xs: list[float], y: Callable[[float], float]) -> list[str]:
    """The accepted values of each run as shaded bands, runs with the same bounds joined: the
    fail bounds' (``band fail``) over a tint where values fail (``zone fail``), the warn
    bounds' inside it (``band warn``), an expected range (``band expected``)."""
    out: list[str] = []
    top, bottom = TOP, HEIGHT - BOTTOM
    cuts = [LEFT, *((a + b) / 2 for a, b in itertools.pairwise(xs)), WIDTH - RIGHT]

    def span(b: Bounds) -> tuple[float, float] | None:
        if b.is_empty():
            return None
        if b.equals is not None:
            v = _finite(b.equals)
            return None if v is None else (v, v)
        lo, hi = _finite(b.min), _finite(b.max)
        return (-math.inf if lo is None else lo, math.inf if hi is None else hi)

    kinds: list[tuple[str, Callable[[Point], tuple[float, float] | None]]] = [
        ("fail", lambda p: span(p.fail)),
        ("warn", lambda p: span(p.warn)),
        ("expected", lambda p: p.expected),
    ]
    for kind, get in kinds:
        start = 0
        for i in range(1, len(points) + 1):
            if i < len(points) and get(points[i]) == get(points[start]):
                continue
            band = get(points[start])
            if band is not None:
                lo, hi = band
                y_lo = bottom if lo == -math.inf else min(max(y(lo), top), bottom)
                y_hi = top if hi == math.inf else min(max(y(hi), top), bottom)
                x0, x1 = cuts[start], cuts[i]
                label = f"{kind} bounds" if kind != "expected" else "expected range"
                height = max(y_lo - y_hi, 2.0)
                only = " only" if kind == "fail" and points[start].warn.is_empty() else ""
                if kind == "fail":  # outside the fail bounds: the values that fail
                    out.append(
                        f'<rect class="zone fail" x="{_n(x0)}" y="{top}" width="{_n(x1 - x0)}" '
                        f'height="{bottom - top}"><title>fails here</title></rect>'
                    )
                out.append(
                    f'<rect class="band {kind}{only}" x="{_n(x0)}" y="{_n(min(y_hi, y_lo - 1))}" '
                    f'width="{_n(x1 - x0)}" height="{_n(height)}"><title>{label}</title></rect>'
                )
                for value in (lo, hi):  # a bound's own line, where it lies in the chart
                    edge = y(value) if math.isfinite(value) else -1.0
                    if top <= edge <= bottom:
                        out.append(
                            f'<line class="edge {kind}" x1="{_n(x0)}" x2="{_n(x1)}" '
                            f'y1="{_n(edge)}" y2="{_n(edge)}"/>'
                        )
            start = i
    return out


def _mark(p: Point, x: float, y: float, last: bool) -> str:
    """A run's mark: a circle (pass), a triangle (warn), a cross (fail), a diamond (error)."""
    r = 5.5 if last else 4.0
    shape = {
        Status.PASS: f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"/>',
        Status.WARN: f'<path d="M{_n(x)} {_n(y - r - 1)}L{_n(x + r + 1)} {_n(y + r)}'
        f'L{_n(x - r - 1)} {_n(y + r)}Z"/>',
        Status.FAIL: f'<path d="M{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}'
        f'M{_n(x + r)} {_n(y - r)}L{_n(x - r)} {_n(y + r)}"/>',
        Status.ERROR: f'<path d="M{_n(x)} {_n(y - r - 1)}L{_n(x + r + 1)} {_n(y)}L{_n(x)} '
        f'{_n(y + r + 1)}L{_n(x - r - 1)} {_n(y)}Z"/>',
    }[p.status]
    when = p.when.strftime("%Y-%m-%d %H:%M:%S UTC")
    words = f"{when} · {ICONS[p.status]} {p.status.value} · {p.text or '-'}"
    if p.message:
        words += f" · {p.message}"
    cls = f"mark {p.status.value}" + (" last" if last else "")
    return f'<g class="{cls}"><title>{escape(words)}</title>{shape}</g>'


def chart(trend: Trend, label: str) -> str:
    """The trend as one ``<svg class="trend">``; ``label`` names the check for screen readers."""
    points = list(trend.points)
    low, high, ticks = y_range(points)
    labels = [_tick(trend.fmt, t) for t in ticks]
    if len(set(labels)) < len(labels):  # finer than the type writes values (3h, 3h, 3h)
        low, high, ticks = y_range(points, flat=True)
        labels = [_tick(trend.fmt, t) for t in ticks]
    bottom = HEIGHT - BOTTOM

    def y(v: float) -> float:  # PAD inside the plot: a band ending at a tick stays visible
        return bottom - PAD - (v - low) / (high - low) * (bottom - TOP - 2 * PAD)

    xs = _xs(points)
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img">',
        f"<title>{escape(_summary(trend, label))}</title>",
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{bottom - TOP}"/>',
        *_bands(points, xs, y),
    ]
    for n, (t, label) in enumerate(zip(ticks, labels, strict=True)):
        if n and label == labels[n - 1]:
            label = ""  # never the same label twice
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y(t))}" y2="{_n(y(t))}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{_n(y(t) + 4)}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    parts += _time_labels(points, xs)
    values = [_finite(p.value) for p in points]
    line = [(x, y(v)) for x, v in zip(xs, values, strict=True) if v is not None]
    if len(line) > 1:
        path = " ".join(f"{_n(a)},{_n(b)}" for a, b in line)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for i, (x, p) in enumerate(zip(xs, points, strict=True)):
        v = _finite(p.value)
        parts.append(_mark(p, x, bottom - 6 if v is None else y(v), i == len(points) - 1))
    parts.append("</svg>")
    return "".join(parts)


def _tick(fmt: Callable[[Any], str], value: float) -> str:
    number: float | int = int(value) if float(value).is_integer() else round(value, 10)
    try:
        return fmt(number)
    except Exception:  # a type's formatter that does not take this number: plainly
        return plain(number)


def _time_labels(points: Sequence[Point], xs: list[float]) -> list[str]:
    """The first and last run's time under the axis (and the middle one's, with room): the
    date once when the runs share it, seconds when they lie minutes apart."""
    picks = [0, len(points) - 1] if len(points) > 1 else [0]
    if len(points) >= 5:
        picks.insert(1, len(points) // 2)
    anchors = {0: "start", len(points) - 1: "end"} if len(points) > 1 else {0: "middle"}
    first, last = points[0].when, points[-1].when
    clock = "%H:%M:%S" if (last - first).total_seconds() < 600 else "%H:%M"
    out = []
    for i in picks:
        same_day = i > 0 and points[i].when.date() == first.date()
        text = points[i].when.strftime(clock if same_day else f"%Y-%m-%d {clock}")
        anchor = anchors.get(i, "middle")
        out.append(
            f'<text class="time" x="{_n(xs[i])}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    return out


def _summary(trend: Trend, label: str) -> str:
    points = trend.points
    n = len(points)
    last = points[-1]
    return (
        f"Trend of {label}: {n} run{'s' * (n != 1)}, the last {last.status.value}, "
        f"{last.text or '-'}"
    )
