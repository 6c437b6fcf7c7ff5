"""Durations as written in suites and options: ``90s``, ``15m``, ``6h``, ``2d``, ``1h30m``."""

from __future__ import annotations

import re

from dqcheck.errors import short

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[dhms])+")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; raises ValueError with a readable message if it is not a duration."""
    if not isinstance(text, str):
        raise ValueError(f"expected a duration such as 90s, 15m, 6h or 2d, got {short(text)}")
    compact = text.strip().lower().replace(" ", "")
    if not compact or not _WHOLE.fullmatch(compact):
        raise ValueError(f"expected a duration such as 90s, 15m, 6h or 2d, got {short(text)}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {short(text)}")
    return seconds


def format_duration(seconds: float) -> str:
    """A short human form: ``7h12m``, ``45s``, ``2d3h``; negative values keep their sign."""
    sign = "-" if seconds < 0 else ""
    rest = round(abs(seconds))
    if rest < 60:
        return f"{sign}{rest}s"
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    first = next(i for i, (_, size) in enumerate(units) if rest >= size)
    parts = []
    for unit, size in units[first : first + 2]:  # the largest unit and the next one
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{n}{unit}")
    return sign + "".join(parts)
