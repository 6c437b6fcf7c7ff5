"""anomaly: a metric compared with its own history, median ± k robust deviations (SPEC 11).

The expected range is learnt from the stored runs of the same check (``dqcheck.monitor.history``):
the median of the last ``window`` measures and their *scaled* median absolute deviation,
``MAD = 1.4826 × median(|x − median|)`` (1.4826 makes the MAD of normally distributed values
estimate their standard deviation). The value passes inside ``median ± sensitivity × MAD``.
The median and the MAD are robust: one spike in the history moves neither.

When more than half the points share one value the MAD is 0; the scale is then the mean
absolute deviation from the median × 1.2533 (which, too, estimates the standard deviation of
normal values), so a value the history has seen now and then is not an anomaly. When every
point is equal (a constant series), the scale is a floor of ``1e-9 × max(|median|, 1)``: the
same value passes (whatever floating-point rounding did to it), any other value fails.

``by: weekday`` models weekly seasonality without needing weeks of history per weekday: the
centre is the median of the earlier runs on the same UTC weekday as now (Tuesdays for a
Tuesday), and the scale is the MAD of every run's deviation from the median of the *other*
runs of its weekday (leave-one-out, so a point never pulls its own centre). Levels per
weekday, noise pooled over all runs: 30 days of daily runs (4 of each weekday) already judge
well. The model is additive (the same noise on a quiet Sunday as on a busy Monday). It needs
``min_history`` runs in all and at least 2 of today's weekday.

With fewer usable points the check passes with a note (``learning: 3 of 7 runs stored``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from dqcheck import fields as f
from dqcheck.checks.base import (
    NUMBER_SCHEMA,
    TABLE,
    BoundKey,
    Field,
    Measurement,
    register,
)
from dqcheck.checks.expression import ExpressionScan
from dqcheck.errors import short
from dqcheck.results import Bounds, Status, exact, is_number, json_number, non_finite, plain

#: Scales a median absolute deviation to a standard deviation (normal values).
MAD_SCALE = 1.4826
#: Scales a mean absolute deviation to a standard deviation (normal values).
MEAN_AD_SCALE = 1.2533
#: The scale of a constant series, relative to its median: rounding noise, nothing more.
FLOOR = 1e-9
#: Most stored runs an anomaly check reads (its ``window`` of usable points comes from them).
DEPTH = 2000
MAX_WINDOW = 1000
BY = ("weekday",)
#: Earlier runs of today's weekday ``by: weekday`` needs for its centre.
SAME_WEEKDAY = 2
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _whole(low: int, high: int) -> f.Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise f.FieldError(f"expected a whole number from {low} to {high}, got {short(value)}")
        if not low <= value <= high:
            raise f.FieldError(f"expected a whole number from {low} to {high}, got {value}")
        return value

    return parse


def _sensitivity(value: Any) -> Any:
    number = f.number(value)
    if number <= 0:
        raise f.FieldError(f"sensitivity must be above 0, got {plain(number)}")
    return number


def _by(value: Any) -> str:
    from dqcheck.validation import suggest

    if value not in BY:
        hint = suggest(value, BY)
        raise f.FieldError(
            f"unknown grouping {short(value)}{hint}; expected {' or '.join(BY)} (or no 'by')"
        )
    return str(value)


@dataclass(frozen=True)
class Baseline:
    """What the history says: the points used, their median and scale (None while learning)."""

    points: int
    median: float | None = None
    scale: float | None = None
    #: What the scale is: ``MAD``, ``mean deviation`` (a MAD of 0) or ``constant`` (the floor).
    kind: str = "MAD"
    #: ``by: weekday``: today's weekday and how many earlier runs fell on it.
    weekday: int | None = None
    same_day: int = 0

    def range(self, k: Any) -> tuple[float, float]:
        assert self.median is not None and self.scale is not None
        return self.median - float(k) * self.scale, self.median + float(k) * self.scale


@register
class Anomaly(ExpressionScan):
    """`expression` (default count(*)) within median ± sensitivity × MAD of its stored runs."""

    type = "anomaly"
    fields = {
        "table": TABLE,
        "expression": Field(f.sql_fragment, doc="a SQL aggregate expression (default count(*))"),
        "min_history": Field(
            _whole(3, MAX_WINDOW),
            doc="runs needed before judging (default 7; same weekday with by: weekday)",
            schema={"type": "integer", "minimum": 3, "maximum": MAX_WINDOW},
        ),
        "by": Field(
            _by, doc="weekday: compare with the same UTC weekday only", schema={"enum": BY}
        ),
        "window": Field(
            _whole(3, MAX_WINDOW),
            doc="how many of the last usable runs to learn from (default 90)",
            schema={"type": "integer", "minimum": 3, "maximum": MAX_WINDOW},
        ),
    }
    bound_keys = {
        "sensitivity": BoundKey(
            "max", _sensitivity, {**NUMBER_SCHEMA, "description": "robust deviations (MAD)"}
        )
    }
    default_bounds = Bounds(max=3)
    needs_history = True
    history_depth = DEPTH

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        window, needed = params.get("window", 90), params.get("min_history", 7)
        if window < needed:
            key = "window" if "window" in params else "min_history"
            return [(key, f"window ({window} runs) must be at least min_history ({needed})")]
        return []

    # -- the baseline ---------------------------------------------------------------------------

    @property
    def _weekday(self) -> bool:
        return self.params.get("by") == "weekday"

    def baseline(self, previous: Any, now: datetime | None = None) -> Baseline:
        """The centre and scale of the usable stored points (``previous``, the series
        ``load_previous`` gives: (UTC start time, measure), oldest first)."""
        import statistics  # here: a run without anomaly checks never pays for it

        points: Sequence[tuple[datetime, float]] = previous if isinstance(previous, list) else []
        points = points[-int(self.params.get("window", 90)) :]
        needed = int(self.params.get("min_history", 7))
        if not self._weekday:
            values = [v for _, v in points]
            if len(values) < needed:
                return Baseline(len(values))
            median = statistics.median(values)
            return _scaled(len(values), median, [v - median for v in values])
        today = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).weekday()
        days: dict[int, list[float]] = {}
        for t, v in points:
            days.setdefault(t.astimezone(timezone.utc).weekday(), []).append(v)
        same = days.get(today, [])
        if len(points) < needed or len(same) < SAME_WEEKDAY:
            return Baseline(len(points), weekday=today, same_day=len(same))
        residuals = [
            v - statistics.median(group[:i] + group[i + 1 :])
            for group in days.values()
            if len(group) > 1
            for i, v in enumerate(group)
        ]
        base = _scaled(len(points), statistics.median(same), residuals)
        return Baseline(len(points), base.median, base.scale, base.kind, today, len(same))

    def expected_range(self, previous: Any = None) -> tuple[float, float] | None:
        base = self.baseline(previous)
        return None if base.median is None else base.range(self.fail.max)

    # -- judging --------------------------------------------------------------------------------

    def expectation(self) -> str:
        text = f"median ± {plain(self.fail.max)} MAD of the last {self.params.get('window', 90)}"
        text += " runs, by weekday" if self._weekday else " runs"
        if self.warn.max is not None:
            text += f" (warn past {plain(self.warn.max)} MAD)"
        return text

    def judge(self, m: Measurement, previous: Any = None) -> tuple[Status, Any, str]:
        value = exact(m.value)
        if non_finite(value) is not None or value is None or not is_number(value):
            return super().judge(m)  # NaN, infinite, NULL or not a number: as any check
        base = self.baseline(previous)
        if base.median is None:
            note = f"learning: {base.points} of {self.params.get('min_history', 7)} runs stored"
            if base.weekday is not None:
                day = WEEKDAYS[base.weekday]
                note += f", {base.same_day} of {SAME_WEEKDAY} on a {day}"
            return Status.PASS, json_number(value), note
        low, high = base.range(self.fail.max)
        status = Status.PASS
        k = self.fail.max
        if not low <= float(value) <= high:
            status = Status.FAIL
        elif self.warn.max is not None:
            w_low, w_high = base.range(self.warn.max)
            if not w_low <= float(value) <= w_high:
                status, k, (low, high) = Status.WARN, self.warn.max, (w_low, w_high)
        where = "outside" if status is not Status.PASS else "inside"
        weekday = ", by weekday" if base.weekday is not None else ""
        centre = "median" if base.weekday is None else f"{WEEKDAYS[base.weekday]} median"
        shown = _shown(base.scale if base.kind != "constant" else None)
        why = f"{centre} {shown(base.median)} ± {plain(k)} × {base.kind} {plain(base.scale, 3)}"
        if base.kind == "constant":
            why = f"every run measured {shown(base.median)}"
        note = (
            f"{plain(value)} {where} the expected range {shown(low)}–{shown(high)} "
            f"({why} over {base.points} runs{weekday})"
        )
        return status, json_number(value), note


def _scaled(points: int, median: float, deviations: Sequence[float]) -> Baseline:
    """``median`` with the robust scale of ``deviations``: the scaled MAD; the scaled mean
    deviation when the MAD is 0; the constant floor when every deviation is 0."""
    import statistics

    centre = statistics.median(deviations)
    spread = [abs(d - centre) for d in deviations]
    scale = MAD_SCALE * statistics.median(spread)
    if scale > 0:
        return Baseline(points, median, scale)
    scale = MEAN_AD_SCALE * statistics.fmean(spread)
    if scale > 0:
        return Baseline(points, median, scale, "mean deviation")
    return Baseline(points, median, FLOOR * max(abs(median), 1.0), "constant")


def _shown(scale: float | None) -> Callable[[float | None], str]:
    """How the range is shown: to two significant digits of ``scale`` (``944.7–1,069.3`` for a
    MAD of 20.8; six significant digits without a scale), never in scientific notation."""
    if not scale:
        return plain
    decimals = min(12, max(0, 2 - math.floor(math.log10(scale))))
    return lambda x: plain(round(x, decimals) if x is not None else x)
