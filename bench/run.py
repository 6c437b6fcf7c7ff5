"""Benchmark: dqcheck against the naive way and the single-SELECT floor (issue 4).

    .venv/bin/python bench/run.py [--rows N] [--runs 5] [--output bench/RESULTS.md]

Starts a throwaway PostgreSQL (``tests/pgserver.py``), loads ``bench.orders`` (N rows with
deliberate defects) and runs each contender as a whole process, median of ``--runs`` after one
warm-up run, runs interleaved:

  (a) ``dqcheck run bench/suite.yml``: 12 checks, 11 of them answered by one SELECT;
  (b) the naive way: the same 12 checks as 12 separate queries (``psql -f``);
  (c) the floor: one hand-written SELECT computing every metric (``psql``);
  (d) ``SELECT count(*)`` (``psql``);

plus diagnostics that split dqcheck's time: the statements dqcheck sends (from
``dqcheck run --dry-run``) run through psql, the threshold query alone, the floor SELECT through
Python + SQLAlchemy, and dqcheck and the floor on a 1,000-row copy of the table (dqcheck's fixed
cost). It counts the statements each contender sends (pg_stat_statements), times
``dqcheck --version``/``--help``, compares ``--jobs 1`` with ``--jobs 4`` on a suite over 8 tables
(``bench/tables.yml``), measures peak client memory, and writes a markdown report to stdout and to
``bench/RESULTS.md`` with the targets of issue 4 and whether each is met.

Not a test: nothing here asserts. Only the standard library, SQLAlchemy and psycopg2.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
SUITE = BENCH / "suite.yml"
TABLES_SUITE = BENCH / "tables.yml"
JOBS_TABLES = 8  # bench.orders_1 .. bench.orders_8, each ~N/4 rows
SMALL_ROWS = 1000  # the table that shows dqcheck's fixed cost
STARTUP_RUNS = 10
DB, SMALL_DB = "dqbench", "dqbench_small"

sys.path.insert(0, str(REPO / "tests"))
from pgserver import (  # noqa: E402
    PgServer,
    PgUnavailable,
    find_pg_bin_dir,
    sigterm_raises_keyboard_interrupt,
)

# Targets of issue 4.
TARGET_RATIO = 1.1  # dqcheck <= 1.1 x floor (stated for 5M rows)
TARGET_OVERHEAD = 0.35  # s, dqcheck - floor, at any size
TARGET_STARTUP = 0.1  # s, --version and --help
TARGET_JOBS = 1.7  # --jobs 4 vs --jobs 1 over 8 tables
TARGET_MEMORY = 80.0  # MiB
ACCEPTED = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")

# -- SQL ----------------------------------------------------------------------------------------

# Defects: ~0.2% NULL customer_id, ~1% NULL email, ~0.5% duplicated emails, an id loaded twice
# every 250,000 rows, ~0.05% unexpected statuses, a negative amount every 100,000 rows, ~12.5%
# cancelled, and the newest update is 3 hours old. Emails are md5-based, so in random order.
LOAD_SQL = """
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.orders (
    id          bigint NOT NULL,
    customer_id integer,
    email       text,
    status      text,
    amount      numeric(12, 2),
    currency    text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz
);
SELECT setseed(0.42);
INSERT INTO bench.orders
SELECT
    CASE WHEN g % 250000 = 0 THEN g - 1 ELSE g END,
    CASE WHEN r1 < 0.002 THEN NULL ELSE 1 + floor(r2 * {customers})::int END,
    CASE WHEN r1 BETWEEN 0.002 AND 0.012 THEN NULL
         ELSE substr(md5(CASE WHEN r3 < 0.005 THEN (g * r4)::bigint ELSE g END::text), 1, 14)
              || '@' || (ARRAY['gmail.com', 'example.com', 'mail.de', 'yahoo.co.uk'])[1 + g % 4]
    END,
    CASE WHEN r3 > 0.9995 THEN (ARRAY['refunded?', 'unknown', 'Shipped'])[1 + g % 3]
         ELSE (ARRAY['placed', 'paid', 'shipped', 'delivered', 'delivered', 'delivered',
                     'cancelled', 'returned'])[1 + floor(r4 * 8)::int]
    END,
    round((CASE WHEN g % 100000 = 0 THEN -1 ELSE 1 END) * (exp(r2 * 4) * 10)::numeric, 2),
    (ARRAY['EUR', 'EUR', 'GBP', 'USD'])[1 + floor(r1 * 4)::int],
    ts,
    least(ts + r3 * interval '2 days', now() - interval '3 hours')
FROM (
    SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
           now() - interval '3 hours' - interval '730 days' * (({rows} - g)::float8 / {rows}) AS ts
    FROM generate_series(1, {rows}) AS g
) AS s;
"""

ACCEPTED_SQL = ", ".join(f"'{v}'" for v in ACCEPTED)

THRESHOLD_SQL = (
    "SELECT 100.0 * SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0)\n"
    "FROM bench.orders"
)

# The floor: what someone who knows PostgreSQL writes by hand, every metric in one scan.
FLOOR_SQL = f"""SELECT
    count(*)                                AS row_count,
    count(*) - count(customer_id)           AS customer_id_nulls,
    count(*) - count(email)                 AS email_nulls,
    count(id) - count(DISTINCT id)          AS id_duplicates,
    count(email) - count(DISTINCT email)    AS email_duplicates,
    min(amount)                             AS amount_min,
    max(amount)                             AS amount_max,
    avg(amount)                             AS amount_avg,
    count(*) FILTER (WHERE status NOT IN ({ACCEPTED_SQL})) AS status_not_accepted,
    extract(epoch FROM now() - max(updated_at)) AS updated_seconds_ago,
    100.0 * count(*) FILTER (WHERE status = 'cancelled') / nullif(count(*), 0) AS cancelled_percent
FROM bench.orders;
"""
FLOOR_COLUMNS = [
    "row_count",
    "customer_id_nulls",
    "email_nulls",
    "id_duplicates",
    "email_duplicates",
    "amount_min",
    "amount_max",
    "amount_avg",
    "status_not_accepted",
    "updated_seconds_ago",
    "cancelled_percent",
]
# dqcheck check name -> floor column, to cross-check the values.
CROSS_CHECK = {
    "orders_has_rows": "row_count",
    "orders_row_count_range": "row_count",
    "orders_customer_id_not_null": "customer_id_nulls",
    "orders_email_not_null": "email_nulls",
    "orders_id_unique": "id_duplicates",
    "orders_email_unique": "email_duplicates",
    "orders_amount_min": "amount_min",
    "orders_amount_max": "amount_max",
    "orders_amount_avg": "amount_avg",
    "orders_status_accepted": "status_not_accepted",
    "orders_fresh": "updated_seconds_ago",
    "orders_cancelled_percent": "cancelled_percent",
}

# The naive way: one query per check, in suite order (HasRowsOperator style).
NAIVE_SQL = f"""-- 12 checks, 12 queries, one scan each
SELECT count(*) FROM bench.orders;
SELECT count(*) FROM bench.orders;
SELECT count(*) FROM bench.orders WHERE customer_id IS NULL;
SELECT count(*) FROM bench.orders WHERE email IS NULL;
SELECT count(id) - count(DISTINCT id) FROM bench.orders;
SELECT count(email) - count(DISTINCT email) FROM bench.orders;
SELECT min(amount) FROM bench.orders;
SELECT max(amount) FROM bench.orders;
SELECT avg(amount) FROM bench.orders;
SELECT count(*) FROM bench.orders WHERE status NOT IN ({ACCEPTED_SQL});
SELECT extract(epoch FROM now() - max(updated_at)) FROM bench.orders;
{THRESHOLD_SQL};
"""

COUNT_SQL = "SELECT count(*) FROM bench.orders;"

SQLALCHEMY_FLOOR_PY = """\
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as conn:
    print(tuple(conn.execute(text(open(sys.argv[2]).read())).one()))
"""

# Runs a command and writes its peak RSS (KiB) to argv[1]. Run with `python -S -E`: a lean
# parent matters, because on Linux a child's ru_maxrss includes the memory it had before exec,
# i.e. a copy of its parent's (this bench process holds SQLAlchemy: ~50 MiB).
MEM_WRAPPER_PY = """\
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


# -- processes ----------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system CPU of the process (and children it waited for)
    rc: int
    stdout: str
    stderr: str
    maxrss_mib: float | None = None  # only when run with memory=True


def run_process(
    argv: Sequence[str | Path],
    env: dict[str, str],
    cwd: Path,
    ok: Sequence[int] = (0,),
    memory: bool = False,
) -> Sample:
    """Run ``argv`` to completion: wall time, CPU (wait4) and, with ``memory``, peak RSS."""
    args = [str(a) for a in argv]
    rss_file = None
    if memory:
        fd, rss_file = tempfile.mkstemp(prefix="rss-", dir=cwd)
        os.close(fd)
        args = [sys.executable, "-S", "-E", "-c", MEM_WRAPPER_PY, rss_file, *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd
        )
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        sample = Sample(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            rc=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )
    if rss_file is not None:
        with contextlib.suppress(OSError, ValueError):
            sample.maxrss_mib = int(Path(rss_file).read_text()) / 1024  # KiB on Linux
        Path(rss_file).unlink(missing_ok=True)
    if sample.rc not in ok:
        raise RuntimeError(
            f"{' '.join(map(str, argv))} exited {sample.rc} (expected {list(ok)}):\n"
            f"{sample.stderr[-3000:]}\n{sample.stdout[-2000:]}"
        )
    return sample


def machine_busy_seconds() -> float | None:
    """CPU-seconds all CPUs have spent busy since boot (/proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    except (OSError, ValueError, IndexError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int, with_reaped_children: bool) -> float:
    """utime + stime of ``pid`` (+ of the children it has reaped), from /proc/PID/stat."""
    try:
        after_comm = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(after_comm[11]) + int(after_comm[12])
    if with_reaped_children:
        ticks += int(after_comm[13]) + int(after_comm[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(postmaster: int) -> float:
    """CPU of a PostgreSQL cluster: the postmaster, the backends it reaped, its live children."""
    total = process_cpu_seconds(postmaster, with_reaped_children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == postmaster:
            total += process_cpu_seconds(int(stat.parent.name), with_reaped_children=False)
    return total


def own_cpu_seconds() -> float:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Contender:
    label: str
    argv: list[str]
    ok: tuple[int, ...] = (0,)
    db: str = DB
    table_pattern: str = r"\borders\b"
    samples: list[Sample] = field(default_factory=list)
    warmup: Sample | None = None
    table_statements: int | None = None
    all_statements: int | None = None
    statement_detail: list[tuple[int, str]] = field(default_factory=list)

    @property
    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def peak_mib(self) -> float | None:
        return self.warmup.maxrss_mib if self.warmup else None


# -- the server and the data --------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.rows: int = args.rows
        self.runs: int = args.runs
        self.workdir = workdir
        self.server = PgServer()
        self.urls: dict[str, Any] = {}  # database -> sqlalchemy URL object
        self.conns: dict[str, Any] = {}  # database -> psycopg2 connection (autocommit)
        self.psql = ""
        self.dqcheck = str(Path(sys.executable).parent / "dqcheck")
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PG", "DQCHECK_", "AIRFLOW_"))
        }
        self.facts: dict[str, Any] = {"load_before": os.getloadavg()}
        self.stats = False
        self.started = time.perf_counter()

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def url(self, db: str = DB) -> str:
        return str(self.urls[db].render_as_string(hide_password=False))

    def start(self) -> None:
        import psycopg2
        from sqlalchemy.engine import make_url

        self.log("starting PostgreSQL")
        admin = make_url(self.server.start())
        conn = psycopg2.connect(**admin.translate_connect_args(username="user", database="dbname"))
        conn.autocommit = True
        with conn.cursor() as cur:
            for db in (DB, SMALL_DB):
                cur.execute(f"DROP DATABASE IF EXISTS {db}")
                cur.execute(f"CREATE DATABASE {db}")
        conn.close()
        for db in (DB, SMALL_DB):
            self.urls[db] = admin.set(database=db)
            kwargs = self.urls[db].translate_connect_args(username="user", database="dbname")
            self.conns[db] = psycopg2.connect(**kwargs)
            self.conns[db].autocommit = True
        if admin.password:
            self.env["PGPASSWORD"] = admin.password
        bin_dir = self.server.bin_dir or find_pg_bin_dir()
        candidates = [str(bin_dir / "psql")] if bin_dir else []
        candidates.append(shutil.which("psql") or "")
        self.psql = next((c for c in candidates if c and os.access(c, os.X_OK)), "")
        if not self.psql:
            raise SystemExit("bench: psql not found (next to pg_ctl or on PATH)")
        self.facts["pg_version"] = self.scalar("SHOW server_version")
        settings = ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather")
        self.facts["settings"] = {s: self.scalar(f"SHOW {s}") for s in settings}
        self.facts["source"] = self.server.source
        if self.server.pg_stat_statements or self.server.source != "local":
            try:
                for db in (DB, SMALL_DB):
                    self.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", db)
                self.scalar("SELECT count(*) FROM pg_stat_statements")
                self.stats = True
            except Exception as exc:
                self.log(f"pg_stat_statements unusable ({exc}); statement counts skipped")

    def execute(self, sql: str, db: str = DB) -> None:
        with self.conns[db].cursor() as cur:
            cur.execute(sql)

    def scalar(self, sql: str, db: str = DB) -> Any:
        with self.conns[db].cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]

    def psql_argv(self, *args: str, db: str = DB) -> list[str]:
        u = self.urls[db]
        return [
            *(self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"),
            *("-h", str(u.host or "127.0.0.1"), "-p", str(u.port or 5432)),
            *("-U", str(u.username or "postgres"), "-d", db),
            *args,
        ]

    def load_orders(self, rows: int, db: str) -> float:
        sql = LOAD_SQL.format(rows=int(rows), customers=max(10, rows // 10))
        t0 = time.perf_counter()
        self.execute(sql, db)
        seconds = time.perf_counter() - t0
        self.execute("VACUUM ANALYZE bench.orders", db)
        return seconds

    def load(self) -> None:
        self.log(f"loading bench.orders: {self.rows:,} rows")
        t0 = time.perf_counter()
        self.facts["insert_seconds"] = self.load_orders(self.rows, DB)
        self.log(f"inserted in {self.facts['insert_seconds']:.1f}s")
        self.load_orders(SMALL_ROWS, SMALL_DB)
        self.log(f"creating {JOBS_TABLES} tables of ~{self.rows // 4:,} rows for --jobs")
        for k in range(1, JOBS_TABLES + 1):
            self.execute(
                f"CREATE TABLE bench.orders_{k} AS "
                f"SELECT * FROM bench.orders WHERE id % 4 = {k % 4}"
            )
            self.execute(f"VACUUM ANALYZE bench.orders_{k}")
        self.execute("CHECKPOINT")
        for k in range(1, JOBS_TABLES + 1):  # warm the cache
            self.scalar(f"SELECT count(*) FROM bench.orders_{k}")
        self.facts["table_rows"] = self.scalar("SELECT count(*) FROM bench.orders")
        self.facts["copy_rows"] = self.scalar("SELECT count(*) FROM bench.orders_1")
        self.facts["table_size"] = self.scalar(
            "SELECT pg_size_pretty(pg_total_relation_size('bench.orders'))"
        )
        self.facts["load_seconds"] = time.perf_counter() - t0
        self.log(f"data ready in {self.facts['load_seconds']:.1f}s")

    # other work on the machine

    def postmaster_pid(self) -> int | None:
        if self.server.data_dir is None:
            return None
        try:
            return int((self.server.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_snapshot(self) -> tuple[float, float, float, float] | None:
        """(wall, machine busy, this bench and its children, the PostgreSQL cluster) seconds."""
        busy, pm = machine_busy_seconds(), self.postmaster_pid()
        if busy is None or pm is None:
            return None
        return time.perf_counter(), busy, own_cpu_seconds(), server_cpu_seconds(pm)

    # statements

    def reset_stats(self) -> None:
        if self.stats:
            self.execute("SELECT pg_stat_statements_reset()")

    def read_stats(self, c: Contender) -> None:
        """Statements since the last reset in ``c.db``: those reading the table, and all."""
        if not self.stats:
            return
        with self.conns[DB].cursor() as cur:
            cur.execute(
                "SELECT calls, query FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = %s)",
                (c.db,),
            )
            rows = [(int(n), str(q)) for n, q in cur.fetchall()]
        rows = [(n, q) for n, q in rows if "pg_stat_statements" not in q]
        pattern = re.compile(c.table_pattern, re.IGNORECASE)
        utility = re.compile(r"^\s*(SET|BEGIN|COMMIT|ROLLBACK|START|SHOW)\b", re.IGNORECASE)
        reading = [n for n, q in rows if pattern.search(q) and not utility.match(q)]
        c.table_statements = sum(reading)
        c.all_statements = sum(n for n, _ in rows)
        c.statement_detail = sorted(rows, key=lambda nq: (-nq[0], nq[1]))


# -- measurements -------------------------------------------------------------------------------


def measure(bench: Bench, contenders: Sequence[Contender]) -> None:
    """Per contender: reset stats, one warm-up run (statements and memory counted there), then
    ``runs`` rounds of every contender, interleaved so that drift hits them all alike."""
    for c in contenders:
        bench.log(f"warm-up: {c.label}")
        bench.reset_stats()
        c.warmup = run_process(c.argv, bench.env, bench.workdir, c.ok, memory=True)
        bench.read_stats(c)
    for i in range(bench.runs):
        bench.log(f"round {i + 1}/{bench.runs}")
        for c in contenders:
            c.samples.append(run_process(c.argv, bench.env, bench.workdir, c.ok))


def dry_run_sql(bench: Bench, suite: Path) -> list[str]:
    """The statements of ``dqcheck run --dry-run``, parameters inlined as literals, for psql."""
    out = run_process(
        [bench.dqcheck, "run", suite, "--dry-run", "--url", bench.url()], bench.env, bench.workdir
    ).stdout
    statements = []
    for block in re.split(r"^-- query \d+:.*$", out, flags=re.MULTILINE)[1:]:
        params: dict[str, Any] = {}
        sql_lines = []
        for line in block.splitlines():
            if line.startswith("--   parameters:"):
                params = ast.literal_eval(line.split(":", 1)[1].strip())
            elif not line.startswith("--"):
                sql_lines.append(line)

        def literal(m: re.Match[str], params: dict[str, Any] = params) -> str:
            if m.group(1) not in params:
                return m.group(0)
            value = params[m.group(1)]
            return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else str(value)

        sql = re.sub(r"(?<!:):([A-Za-z_]\w*)", literal, "\n".join(sql_lines).strip())
        if sql:
            statements.append(sql if sql.endswith(";") else sql + ";")
    return statements


def concurrent_psql(bench: Bench, files: Sequence[Path]) -> list[str]:
    """One shell running a psql per file at once; fails when any of them fails."""
    starts = "; ".join(
        f"{shlex.join(bench.psql_argv('-f', str(f)))} & p{i}=$!" for i, f in enumerate(files)
    )
    waits = " && ".join(f"wait $p{i}" for i in range(len(files)))
    return ["/bin/sh", "-c", f"{starts}; {waits}"]


def startup(bench: Bench) -> list[Contender]:
    py = sys.executable
    commands = [
        Contender("`dqcheck --version`", [bench.dqcheck, "--version"]),
        Contender("`dqcheck --help`", [bench.dqcheck, "--help"]),
        Contender("`python -c pass` (the interpreter alone)", [py, "-c", "pass"]),
        Contender("`python -c 'import sqlalchemy'`", [py, "-c", "import sqlalchemy"]),
    ]
    for c in commands:
        c.warmup = run_process(c.argv, bench.env, bench.workdir, memory=True)
        c.samples = [run_process(c.argv, bench.env, bench.workdir) for _ in range(STARTUP_RUNS)]
    return commands


def import_breakdown(
    bench: Bench, argv_tail: Sequence[str]
) -> tuple[float, list[tuple[str, float]]]:
    """``python -X importtime dqcheck ARGS``: total ms, and ms per top-level package (self time)."""
    sample = run_process(
        [sys.executable, "-X", "importtime", bench.dqcheck, *argv_tail],
        bench.env,
        bench.workdir,
        ok=(0, 1, 2, 3),
    )
    per: dict[str, float] = {}
    for line in sample.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            top = m.group(2).lstrip("_").split(".")[0]
            per[top] = per.get(top, 0.0) + int(m.group(1)) / 1000
    return sum(per.values()), sorted(per.items(), key=lambda kv: -kv[1])


def cross_check(bench: Bench, floor_file: Path) -> tuple[list[tuple[str, Any, Any, bool]], str]:
    """dqcheck's values (``--format json``) against the floor's, check by check."""
    report = json.loads(
        run_process(
            [bench.dqcheck, "run", SUITE, "--url", bench.url(), "--format", "json"],
            bench.env,
            bench.workdir,
            ok=(0, 1, 3),
        ).stdout
    )
    values = {c["name"]: c["value"] for c in report["checks"]}
    out = run_process(bench.psql_argv("-F", "\t", "-f", str(floor_file)), bench.env, bench.workdir)
    cells = out.stdout.strip().splitlines()[-1].split("\t")
    floor = {k: float(v) if v else None for k, v in zip(FLOOR_COLUMNS, cells, strict=True)}
    rows = []
    for name, column in CROSS_CHECK.items():
        v, w = values.get(name), floor.get(column)
        # freshness moves with the clock between the two runs
        tol = 120.0 if column == "updated_seconds_ago" else 1e-6 * max(1.0, abs(w or 0.0))
        same = v is not None and w is not None and abs(float(v) - w) <= tol
        rows.append((name, v, w, same))
    return rows, str(report["status"])


# -- the report ---------------------------------------------------------------------------------


def machine(bench: Bench) -> list[tuple[str, str]]:
    cpu = ram = "unknown"
    with contextlib.suppress(OSError):
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            cpu,
        )
    with contextlib.suppress(OSError, ValueError, IndexError):
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal"):
                ram = f"{int(ln.split()[1]) / 1024 / 1024:.1f} GiB"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import psycopg2
    import sqlalchemy

    version = run_process([bench.dqcheck, "--version"], bench.env, bench.workdir).stdout.strip()
    with contextlib.suppress(Exception):
        head = run_process(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], bench.env, REPO)
        dirty = run_process(
            ["git", "-C", REPO, "status", "--porcelain", "dqcheck"], bench.env, REPO
        )
        version += f" (commit {head.stdout.strip()}"
        version += " + uncommitted changes in dqcheck/)" if dirty.stdout.strip() else ")"
    s = bench.facts["settings"]
    before, after = bench.facts["load_before"], bench.facts["load_after"]
    return [
        ("nproc", str(nproc)),
        ("CPU", cpu),
        ("RAM", ram),
        ("OS", f"{platform.system()} {platform.release()}"),
        (
            "PostgreSQL",
            f"{bench.facts['pg_version']} ({bench.facts['source']} cluster, fsync=off; "
            f"shared_buffers={s['shared_buffers']}, work_mem={s['work_mem']}, jit={s['jit']}, "
            f"max_parallel_workers_per_gather={s['max_parallel_workers_per_gather']})",
        ),
        (
            "client",
            f"{version}; Python {platform.python_version()}; SQLAlchemy {sqlalchemy.__version__}"
            f"; psycopg2 {psycopg2.__version__.split()[0]}",
        ),
        (
            "data",
            f"bench.orders: {bench.facts['table_rows']:,} rows, {bench.facts['table_size']} "
            f"(inserted in {bench.facts['insert_seconds']:.1f}s); --jobs tables: {JOBS_TABLES} × "
            f"{bench.facts['copy_rows']:,} rows; small table: {SMALL_ROWS:,} rows",
        ),
        (
            "load average (1/5/15 min)",
            f"before {before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f}, "
            f"after {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f}",
        ),
    ]


def other_work(bench: Bench) -> tuple[float, float] | None:
    """(CPU-seconds used by other processes, CPU-seconds available) during the measurements."""
    before, after = bench.facts.get("cpu_before"), bench.facts.get("cpu_after")
    if before is None or after is None:
        return None
    wall, busy, own, server = (b - a for a, b in zip(before, after, strict=True))
    return max(0.0, busy - own - server), wall * (os.cpu_count() or 1)


def num(v: Any) -> str:
    if v is None:
        return "NULL"
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:.6g}"


def secs(x: float) -> str:
    return f"{x:.3f}"


def mib(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def count(x: int | None) -> str:
    return "n/a" if x is None else str(x)


def verdict(ok: bool, miss: str) -> str:
    return "**met**" if ok else f"**missed** by {miss}"


def why(
    bench: Bench,
    main: dict[str, Contender],
    jobs: dict[str, Contender],
    starts: list[Contender],
    imports: dict[str, tuple[float, list[tuple[str, float]]]],
) -> list[str]:
    """What the measurements say about each target, in sentences."""
    a, c = main["dqcheck"], main["floor"]
    nproc = os.cpu_count() or 1
    fixed = main["small_dq"].median - main["small_floor"].median
    sa_cost = main["sa_floor"].median - c.median
    sql_extra = a.median - c.median - fixed
    run_total, run_parts = imports["run"]
    parts = ", ".join(f"{name} {ms:.0f}" for name, ms in run_parts[:5])
    notes = [
        f"- **Overhead.** dqcheck's fixed cost (the whole process on the {SMALL_ROWS:,}-row "
        f"table minus psql's) is {fixed:.3f} s, {main['small_dq'].cpu:.2f} s of it client CPU; "
        f"{run_total:.0f} ms go to importing modules ({parts} ms). The bare floor SELECT "
        f"through Python + SQLAlchemy + psycopg2 already costs {sa_cost:+.3f} s over psql, "
        f"against a budget of {TARGET_OVERHEAD} s for dqcheck's whole overhead."
    ]
    if "dq_sql" in main:
        dq_sql = main["dq_sql"].median - c.median
        threshold = main["threshold"].median
        workers = bench.facts.get("threshold_workers", 0)
        plan = (
            f"a parallel plan, leader + {workers} workers, i.e. up to {workers + 1} processes"
            if workers
            else "a serial plan"
        )
        notes.append(
            f"- **SQL.** On {bench.rows:,} rows dqcheck's time beyond its fixed cost exceeds the "
            f"floor by {sql_extra:+.3f} s. Its statements through psql, one after the other, "
            f"take {dq_sql:+.3f} s more than the floor. The `threshold` is a second scan "
            f"({threshold:.3f} s alone, {plan}) where the floor computes the same number in its "
            f"one pass; dqcheck runs it concurrently on a second connection, but on {nproc} "
            "CPUs it takes CPU from the main scan. The rest, "
            f"{dq_sql - threshold:+.3f} s, is the shape of the generated SELECT: "
            "`coalesce(sum(CASE ...))` counts instead of `count(*) - count(col)` or `FILTER`."
        )
    if bench.rows != 5_000_000 and bench.rows >= 1_000_000:
        k = 5_000_000 / bench.rows
        base = main["small_floor"].median  # psql's own cost, which does not grow with rows
        floor5 = base + (c.median - base) * k
        projected = (floor5 + fixed + max(sql_extra, 0.0) * k) / floor5
        notes.append(
            f"- **Ratio.** The target is stated for 5M rows, where the floor is longer and the "
            f"fixed cost weighs less. Scaling the floor's scan and the SQL difference linearly "
            f"from {bench.rows:,} rows (a projection, not a measurement) gives dqcheck/floor ≈ "
            f"{projected:.2f} at 5M rows (floor ≈ {floor5:.1f} s)."
        )
    j1, j4 = jobs["jobs1"], jobs["jobs4"]
    text = (
        f"- **--jobs.** dqcheck pays its fixed cost ({fixed:.2f} s) once, serially, in both "
        f"runs; without it, `--jobs 1` / `--jobs 4` would be "
        f"{(j1.median - fixed) / max(j4.median - fixed, 1e-9):.2f}."
    )
    if "psql4" in jobs:
        ceiling = jobs["psql1"].median / jobs["psql4"].median
        text += (
            f" The same 8 SELECTs through psql scale {ceiling:.2f}× with 4 at once: the "
            f"ceiling on {nproc} CPUs for this work (two sorts for `COUNT(DISTINCT)` per table, "
            "one backend each; any other load on the machine lowers it)."
        )
    notes.append(text)
    for x in starts[:2]:
        if x.median > TARGET_STARTUP:
            ver_total, ver_parts = imports["version"]
            heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in ver_parts[:5])
            notes.append(
                f"- **Start-up.** {x.label} takes {x.median:.3f} s; the interpreter alone "
                f"{starts[2].median:.3f} s; its imports {ver_total:.0f} ms ({heavy} ms)."
            )
            break
    return notes


def report(
    bench: Bench,
    main: dict[str, Contender],
    jobs: dict[str, Contender],
    starts: list[Contender],
    imports: dict[str, tuple[float, list[tuple[str, float]]]],
    cross: list[tuple[str, Any, Any, bool]],
    dq_status: str,
    total: float,
) -> str:
    a, b, c = main["dqcheck"], main["naive"], main["floor"]
    ratio = a.median / c.median
    overhead = a.median - c.median
    small_overhead = main["small_dq"].median - main["small_floor"].median
    j1, j4 = jobs["jobs1"], jobs["jobs4"]
    jobs_ratio = j1.median / j4.median
    lines: list[str] = []
    add = lines.append

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    add("# dqcheck benchmark")
    add("")
    add(
        f"Date: {now}. Command: `python bench/run.py --rows {bench.rows} --runs {bench.runs}` "
        f"({total / 60:.1f} min in all). Every contender is a whole process (wall time), median "
        f"of {bench.runs} runs after one warm-up run, warm cache, contenders interleaved."
    )
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    for k, v in machine(bench):
        add(f"| {k} | {v} |")
    nproc = os.cpu_count() or 1
    other = other_work(bench)
    if other is not None:
        others, capacity = other
        share = others / capacity
        add("")
        add(
            f"Other processes on the machine used {others:.0f} CPU-seconds of the "
            f"{capacity:.0f} available while the contenders ran ({share:.0%}; this bench, its "
            "subprocesses and its PostgreSQL cluster excluded)."
            + (
                " Absolute times are inflated and noisier than on an idle machine; ratios of "
                "interleaved runs suffer less."
                if share > 0.1
                else ""
            )
        )
    add("")

    add(f"## 12 checks on bench.orders ({bench.rows:,} rows)")
    add("")
    add(
        "| contender | median s | min s | max s | client CPU s | peak RSS MiB "
        "| statements reading the table | all statements |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for x in main.values():
        add(
            f"| {x.label} | {secs(x.median)} | {secs(min(x.walls))} | {secs(max(x.walls))} "
            f"| {x.cpu:.2f} | {mib(x.peak_mib)} | {count(x.table_statements)} "
            f"| {count(x.all_statements)} |"
        )
    add("")
    add(f"- dqcheck / floor = **{ratio:.2f}**; naive / dqcheck = **{b.median / a.median:.2f}**")
    add(f"- dqcheck overhead = dqcheck − floor = **{overhead:+.3f} s** at {bench.rows:,} rows")
    add(f"  and **{small_overhead:+.3f} s** at {SMALL_ROWS:,} rows (its fixed cost)")
    if "dq_sql" in main:
        e = main["dq_sql"]
        add(
            f"  - dqcheck's own statements through psql (one after the other): "
            f"{e.median - c.median:+.3f} s against the floor; the `threshold` query alone: "
            f"{secs(main['threshold'].median)} s (dqcheck runs it concurrently with the scan, "
            "on a second connection)"
        )
        add(
            f"  - dqcheck's process around the same SQL (start-up, imports, connecting, planning, "
            f"reporting): {a.median - e.median:+.3f} s"
        )
    add(
        f"  - the floor SELECT through Python + SQLAlchemy instead of psql: "
        f"{main['sa_floor'].median - c.median:+.3f} s"
    )
    run_total, run_parts = imports["run"]
    add(
        f"  - `dqcheck run` spends {run_total:.0f} ms importing modules "
        "(`-X importtime`, one run): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in run_parts[:8])
        + " ms"
    )
    add(f"- dqcheck's run status: `{dq_status}` (the data has deliberate defects)")
    add("")

    add(f"## Start-up (whole process, median of {STARTUP_RUNS} after one warm-up)")
    add("")
    add("| command | median s | min s | max s | peak RSS MiB |")
    add("| --- | ---: | ---: | ---: | ---: |")
    for x in starts:
        add(
            f"| {x.label} | {secs(x.median)} | {secs(min(x.walls))} | {secs(max(x.walls))} "
            f"| {mib(x.peak_mib)} |"
        )
    add("")
    ver_total, ver_parts = imports["version"]
    add(
        f"`dqcheck --version` imports for {ver_total:.0f} ms (`-X importtime`, one run): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in ver_parts[:8])
        + " ms."
    )
    add("")

    add(
        f"## --jobs: {JOBS_TABLES} tables of {bench.facts['copy_rows']:,} rows, one scan group each"
    )
    add("")
    add("| contender | median s | min s | max s | client CPU s | peak RSS MiB | statements |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for x in jobs.values():
        add(
            f"| {x.label} | {secs(x.median)} | {secs(min(x.walls))} | {secs(max(x.walls))} "
            f"| {x.cpu:.2f} | {mib(x.peak_mib)} | {count(x.table_statements)} |"
        )
    add("")
    add(f"- `--jobs 1` / `--jobs 4` = **{jobs_ratio:.2f}** on {nproc} CPUs")
    if "psql4" in jobs:
        ceiling = jobs["psql1"].median / jobs["psql4"].median
        add(f"- the same SELECTs through psql, one at a time / 4 at once = {ceiling:.2f}")
    add("")

    add("## Targets (issue 4)")
    add("")
    add("| target | measured | verdict |")
    add("| --- | --- | --- |")
    size = "" if bench.rows == 5_000_000 else f" (stated for 5M rows; here {bench.rows:,})"
    add(
        f"| dqcheck ≤ {TARGET_RATIO} × floor{size} | {ratio:.2f} × | "
        f"{verdict(ratio <= TARGET_RATIO, f'{(ratio / TARGET_RATIO - 1) * 100:.0f}%')} |"
    )
    worst = max(overhead, small_overhead)
    add(
        f"| overhead (dqcheck − floor) ≤ {TARGET_OVERHEAD} s at any size | "
        f"{overhead:.3f} s at {bench.rows:,} rows, {small_overhead:.3f} s at {SMALL_ROWS:,} | "
        f"{verdict(worst <= TARGET_OVERHEAD, f'{worst - TARGET_OVERHEAD:.3f} s')} |"
    )
    if a.table_statements is None:
        add("| one statement for the 11 aggregate-family checks | no pg_stat_statements | n/a |")
    else:
        good = a.table_statements == 2 and j4.table_statements == JOBS_TABLES
        add(
            "| one statement for the 11 aggregate-family checks (+1 for `threshold`) | "
            f"{a.table_statements} statements read the table (naive: {b.table_statements}); "
            f"--jobs suite: {j4.table_statements} for {JOBS_TABLES} tables | "
            f"{verdict(good, f'{a.table_statements - 2} statements')} |"
        )
    for x in starts[:2]:
        add(
            f"| {x.label} ≤ {TARGET_STARTUP} s | {x.median:.3f} s | "
            f"{verdict(x.median <= TARGET_STARTUP, f'{x.median - TARGET_STARTUP:.3f} s')} |"
        )
    add(
        f"| `--jobs 4` ≥ {TARGET_JOBS} × faster than `--jobs 1` | {jobs_ratio:.2f} × | "
        f"{verdict(jobs_ratio >= TARGET_JOBS, f'{TARGET_JOBS - jobs_ratio:.2f}')} |"
    )
    peak = a.peak_mib or 0.0
    add(
        f"| peak client memory ≤ {TARGET_MEMORY:.0f} MiB (suite) | {peak:.1f} MiB "
        f"(--jobs 4 suite: {mib(j4.peak_mib)}) | "
        f"{verdict(peak <= TARGET_MEMORY, f'{peak - TARGET_MEMORY:.1f} MiB')} |"
    )
    add("")

    add("## Why")
    add("")
    lines.extend(why(bench, main, jobs, starts, imports))
    add("")

    add("## Cross-check: dqcheck's values against the floor's")
    add("")
    bad = [row for row in cross if not row[3]]
    add(
        "All 12 values agree (freshness within 2 minutes: the two runs are seconds apart)."
        if not bad
        else "Values that differ: " + ", ".join(f"`{n}` {v} vs {w}" for n, v, w, _ in bad)
    )
    add("")
    add("| check | dqcheck | floor |")
    add("| --- | ---: | ---: |")
    for name, v, w, _ in cross:
        add(f"| {name} | {num(v)} | {num(w)} |")
    add("")

    add("## Statements one `dqcheck run bench/suite.yml` sent (pg_stat_statements)")
    add("")
    if a.statement_detail:
        add("| calls | statement |")
        add("| ---: | --- |")
        for calls, q in a.statement_detail:
            q1 = re.sub(r"\s+", " ", q).strip()
            q1 = q1 if len(q1) <= 150 else q1[:147] + "..."
            add(f"| {calls} | `{q1.replace('|', '¦')}` |")
    else:
        add("(pg_stat_statements not available)")
    add("")

    add("## What the psql contenders run")
    add("")
    for title, sql in (("Floor", FLOOR_SQL), ("Naive (`psql -f`)", NAIVE_SQL)):
        add(f"{title}:")
        add("")
        add("```sql")
        add(sql.strip())
        add("```")
        add("")
    add("dqcheck's suite: `bench/suite.yml`; the --jobs suite: `bench/tables.yml`.")
    return "\n".join(lines) + "\n"


# -- main ---------------------------------------------------------------------------------------


def run(args: argparse.Namespace, wd: Path) -> str:
    bench = Bench(args, wd)
    try:
        bench.start()
        bench.load()
        files = {
            "floor": FLOOR_SQL,
            "naive": NAIVE_SQL,
            "threshold": THRESHOLD_SQL + ";\n",
            "sa_floor.py": SQLALCHEMY_FLOOR_PY,
        }
        path = {}
        for name, text in files.items():
            path[name] = wd / (name if name.endswith(".py") else f"{name}.sql")
            path[name].write_text(text)

        bench.facts["cpu_before"] = bench.cpu_snapshot()
        bench.log("start-up times and import profiles")
        starts = startup(bench)
        imports = {
            "version": import_breakdown(bench, ["--version"]),
            "run": import_breakdown(bench, ["run", str(SUITE), "--url", bench.url(SMALL_DB)]),
        }
        plan = bench.scalar(f"EXPLAIN (FORMAT JSON) {THRESHOLD_SQL}")
        found = re.findall(r'"Workers Planned": (\d+)', json.dumps(plan))
        bench.facts["threshold_workers"] = max(map(int, found), default=0)
        bench.log("cross-checking dqcheck's values against the floor's")
        cross, dq_status = cross_check(bench, path["floor"])

        dq = [bench.dqcheck, "run", str(SUITE), "--url"]
        main = {
            "dqcheck": Contender(
                "(a) `dqcheck run bench/suite.yml` (12 checks)", [*dq, bench.url()], ok=(0, 1)
            ),
            "naive": Contender(
                "(b) naive: 12 queries, `psql -f`", bench.psql_argv("-f", str(path["naive"]))
            ),
            "floor": Contender(
                "(c) floor: 1 hand-written SELECT, `psql`",
                bench.psql_argv("-f", str(path["floor"])),
            ),
            "count": Contender("(d) `SELECT count(*)`, `psql`", bench.psql_argv("-c", COUNT_SQL)),
        }
        dq_sql = dry_run_sql(bench, SUITE)
        if dq_sql:
            (wd / "dqcheck.sql").write_text("\n".join(dq_sql) + "\n")
            main["dq_sql"] = Contender(
                "diag: dqcheck's statements (from `--dry-run`), `psql -f`",
                bench.psql_argv("-f", str(wd / "dqcheck.sql")),
            )
        main["threshold"] = Contender(
            "diag: the `threshold` query alone, `psql`",
            bench.psql_argv("-f", str(path["threshold"])),
        )
        main["sa_floor"] = Contender(
            "diag: the floor SELECT via Python + SQLAlchemy",
            [sys.executable, str(path["sa_floor.py"]), bench.url(), str(path["floor"])],
        )
        main["small_dq"] = Contender(
            f"diag: (a) on a {SMALL_ROWS:,}-row table",
            [*dq, bench.url(SMALL_DB)],
            ok=(0, 1),
            db=SMALL_DB,
        )
        main["small_floor"] = Contender(
            f"diag: (c) on a {SMALL_ROWS:,}-row table",
            bench.psql_argv("-f", str(path["floor"]), db=SMALL_DB),
            db=SMALL_DB,
        )
        measure(bench, list(main.values()))

        jobs = {
            f"jobs{n}": Contender(
                f"`dqcheck run bench/tables.yml --jobs {n}`",
                [bench.dqcheck, "run", str(TABLES_SUITE), "--url", bench.url(), "--jobs", str(n)],
                ok=(0, 1),
                table_pattern=r"\borders_\d+\b",
            )
            for n in (1, 4)
        }
        group_sql = dry_run_sql(bench, TABLES_SUITE)
        if len(group_sql) == JOBS_TABLES:
            (wd / "groups.sql").write_text("\n".join(group_sql) + "\n")
            quarters = []
            for i in range(4):
                quarters.append(wd / f"groups_{i}.sql")
                quarters[-1].write_text("\n".join(group_sql[i::4]) + "\n")
            jobs["psql1"] = Contender(
                "diag: its 8 SELECTs (from `--dry-run`), one `psql`",
                bench.psql_argv("-f", str(wd / "groups.sql")),
                table_pattern=r"\borders_\d+\b",
            )
            jobs["psql4"] = Contender(
                "diag: the same, 4 `psql` at once",
                concurrent_psql(bench, quarters),
                table_pattern=r"\borders_\d+\b",
            )
        measure(bench, list(jobs.values()))
        bench.facts["load_after"] = os.getloadavg()
        bench.facts["cpu_after"] = bench.cpu_snapshot()
        total = time.perf_counter() - bench.started
        return report(bench, main, jobs, starts, imports, cross, dq_status, total)
    finally:
        for conn in bench.conns.values():
            with contextlib.suppress(Exception):
                conn.close()
        bench.log("stopping PostgreSQL")
        bench.server.stop()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark dqcheck against the naive way (issue 4).")
    p.add_argument("--rows", type=int, default=2_000_000, help="rows of bench.orders")
    p.add_argument("--runs", type=int, default=5, help="timed runs per contender (median)")
    p.add_argument(
        "--output", type=Path, default=BENCH / "RESULTS.md", help="where to write the report"
    )
    args = p.parse_args(argv)
    if args.rows < 100 or args.runs < 1:
        p.error("--rows must be >= 100 and --runs >= 1")
    return args


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="dqcheck-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C must stop the server even when a non-interactive shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with sigterm_raises_keyboard_interrupt(), workdir() as wd:
        try:
            text = run(args, wd)
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
