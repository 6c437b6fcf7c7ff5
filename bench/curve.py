"""Benchmark scale curve (issue 14): the 12-check suite at several table sizes.

    BENCH_ROWS=1000000,5000000,20000000 .venv/bin/python bench/curve.py [--runs 5]

For each size (``BENCH_ROWS``, a comma list; default 1M, 5M, 20M) it loads ``bench.orders``
(``bench/run.py``'s data, on a throwaway PostgreSQL) and runs, as whole processes, median of
``--runs`` after one warm-up, interleaved:

  floor        one hand-written SELECT through psql (every metric in one scan);
  single_scan  ``dqcheck run bench/suite.yml --plan single_scan --samples 0``;
  fastest      ``dqcheck run bench/suite.yml --plan fastest --samples 0``;
  naive        the 12 checks as 12 queries (``psql -f``);

with peak client memory (RSS, warm-up run) and the statements reading the table
(pg_stat_statements). Writes a markdown report to stdout and ``--output`` (bench/RESULTS.md).
``bench/run.py`` remains the detailed single-size report (start-up, --jobs, diagnostics).
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    BENCH,
    DB,
    FLOOR_SQL,
    NAIVE_SQL,
    SUITE,
    Bench,
    Contender,
    PgUnavailable,
    machine,
    measure,
    mib,
    sigterm_raises_keyboard_interrupt,
    workdir,
)

DEFAULT_ROWS = "1000000,5000000,20000000"
TARGET_FASTEST = 0.75  # fastest <= 0.75 x floor (at 5M rows)
TARGET_SINGLE = 1.05  # single_scan <= 1.05 x floor (at 5M rows), one statement
TARGET_MEMORY = 80.0  # MiB at 20M rows
LABELS = ("floor", "single_scan", "fastest", "naive")


def sizes(text: str) -> list[int]:
    out = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not out or min(out) < 100:
        raise SystemExit(f"bench: BENCH_ROWS must be a comma list of sizes >= 100, got {text!r}")
    return out


def contenders(bench: Bench, floor: Path, naive: Path) -> dict[str, Contender]:
    # --samples 0: the floor fetches no bad rows either (samples are a second phase, SPEC 2.5)
    dq = [bench.dqcheck, "run", str(SUITE), "--url", bench.url(DB), "--samples", "0"]
    return {
        "floor": Contender(
            "floor: 1 hand-written SELECT, `psql`", bench.psql_argv("-f", str(floor))
        ),
        "single_scan": Contender(
            "`dqcheck run --plan single_scan --samples 0`",
            [*dq, "--plan", "single_scan"],
            ok=(0, 1),
        ),
        "fastest": Contender(
            "`dqcheck run --plan fastest --samples 0`", [*dq, "--plan", "fastest"], ok=(0, 1)
        ),
        "naive": Contender("naive: 12 queries, `psql -f`", bench.psql_argv("-f", str(naive))),
    }


def curve(args: argparse.Namespace, wd: Path) -> str:
    args.rows = 1000  # Bench wants a size; each size of the curve is loaded below
    bench = Bench(args, wd)
    results: list[tuple[int, dict[str, Contender], str]] = []
    try:
        bench.start()
        floor, naive = wd / "floor.sql", wd / "naive.sql"
        floor.write_text(FLOOR_SQL)
        naive.write_text(NAIVE_SQL)
        for rows in args.sizes:
            bench.log(f"loading bench.orders: {rows:,} rows")
            bench.load_orders(rows, DB)
            bench.execute("CHECKPOINT")
            bench.scalar("SELECT count(*) FROM bench.orders")  # warm the cache
            size = str(
                bench.scalar("SELECT pg_size_pretty(pg_total_relation_size('bench.orders'))")
            )
            bench.facts.update(table_rows=rows, table_size=size, copy_rows=0)
            bench.facts.setdefault("insert_seconds", 0.0)
            found = contenders(bench, floor, naive)
            measure(bench, list(found.values()))
            results.append((rows, found, size))
        bench.facts["load_after"] = os.getloadavg()
        return report(bench, results, time.perf_counter() - bench.started)
    finally:
        for conn in bench.conns.values():
            conn.close()
        bench.log("stopping PostgreSQL")
        bench.server.stop()


def report(bench: Bench, results: list[tuple[int, dict[str, Contender], str]], total: float) -> str:
    lines: list[str] = []
    add = lines.append
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows_text = ",".join(str(r) for r, _, _ in results)
    add("# dqcheck benchmark: scale curve")
    add("")
    add(
        f"Date: {now}. Command: `BENCH_ROWS={rows_text} python bench/curve.py --runs "
        f"{bench.runs}` ({total / 60:.1f} min in all). Each contender is a whole process (wall "
        f"time), median of {bench.runs} runs after one warm-up run (peak client RSS and the "
        "statements reading the table are from the warm-up), warm cache, interleaved."
    )
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, value in machine(bench):
        if key != "data":
            add(f"| {key} | {value} |")
    add("")
    add(
        "| rows | table | floor s | single_scan s (× floor) | fastest s (× floor) "
        "| naive s (× floor) | peak RSS MiB single_scan / fastest "
        "| statements reading the table single_scan / fastest |"
    )
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rows, c, size in results:
        base = c["floor"].median

        def cell(name: str, c: dict[str, Contender] = c, base: float = base) -> str:
            return f"{c[name].median:.3f} ({c[name].median / base:.2f})"

        add(
            f"| {rows:,} | {size} | {base:.3f} | {cell('single_scan')} | {cell('fastest')} "
            f"| {cell('naive')} | {mib(c['single_scan'].peak_mib)} / {mib(c['fastest'].peak_mib)} "
            f"| {c['single_scan'].table_statements} / {c['fastest'].table_statements} |"
        )
    add("")
    add("## Targets (issue 14)")
    add("")
    add("| target | measured | verdict |")
    add("| --- | --- | --- |")
    by_rows = {rows: c for rows, c, _ in results}
    at5 = by_rows.get(5_000_000)
    if at5 is None:
        add(
            f"| fastest ≤ {TARGET_FASTEST} × floor, single_scan ≤ {TARGET_SINGLE} × (5M rows) "
            "| not measured (no 5M size in this run) | n/a |"
        )
    else:
        f, s = (at5[n].median / at5["floor"].median for n in ("fastest", "single_scan"))
        add(f"| fastest ≤ {TARGET_FASTEST} × floor at 5M | {f:.2f} × | {ok(f <= TARGET_FASTEST)} |")
        add(
            f"| single_scan ≤ {TARGET_SINGLE} × floor at 5M | {s:.2f} × "
            f"| {ok(s <= TARGET_SINGLE)} |"
        )
    last = by_rows[max(by_rows)]
    peak = max(last[n].peak_mib or 0.0 for n in ("single_scan", "fastest"))
    size_note = "" if max(by_rows) == 20_000_000 else f" (here {max(by_rows):,} rows)"
    add(
        f"| peak client memory ≤ {TARGET_MEMORY:.0f} MiB at 20M{size_note} | {peak:.1f} MiB "
        f"| {ok(peak <= TARGET_MEMORY)} |"
    )
    single = [c["single_scan"].table_statements for c in by_rows.values()]
    add(
        "| single_scan: one statement for the 11 scan checks (+1 for the `threshold`) | "
        f"{single} | {ok(all(n == 2 for n in single if n is not None))} |"
    )
    add("")
    add(
        "`fastest` on this table: no column has a PRIMARY KEY, UNIQUE or NOT NULL constraint "
        "among those checked (the data has duplicated ids and NULLs on purpose), so its gain "
        "is the split: the two `COUNT(DISTINCT)` run in their own statements, concurrently "
        "with the main scan (`dqcheck/planner.py`). Other processes on the machine inflate "
        "absolute times; compare the ratios."
    )
    return "\n".join(lines) + "\n"


def ok(good: bool) -> str:
    return "**met**" if good else "**missed**"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="dqcheck scale curve (issue 14).")
    p.add_argument("--runs", type=int, default=5, help="timed runs per contender (median)")
    p.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = p.parse_args(argv)
    args.sizes = sizes(os.environ.get("BENCH_ROWS") or DEFAULT_ROWS)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with sigterm_raises_keyboard_interrupt(), workdir() as wd:
        try:
            text = curve(args, wd)
        except PgUnavailable as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("bench: interrupted (PostgreSQL stopped)", file=sys.stderr)
            return 130
    print(text, end="")
    args.output.write_text(text)
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
