"""``dqcheck history`` as a table for people: a header, the time in UTC, and each value as the
report shows it (``5h12m`` for a freshness age, ``1.5%``, ``9,978,340``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Row = Mapping[str, Any]
COLUMNS: tuple[tuple[str, Callable[[Row], str]], ...] = (
    ("when (UTC)", lambda r: str(r["started_at"])[:19]),
    ("status", lambda r: str(r["status"])),
    ("check", lambda r: f"{r['suite']}.{r['check_name']}"),
    ("value", lambda r: str(r.get("value_text") or "-")),
)


def render_history(rows: Sequence[Row]) -> str:
    """The rows (newest first) as an aligned table; a line saying so when there are none."""
    if not rows:
        return "no results stored yet\n"
    cells = [[get(r) for _, get in COLUMNS] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (h, _) in enumerate(COLUMNS)]
    lines = [[h for h, _ in COLUMNS], *cells]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in lines
    )
