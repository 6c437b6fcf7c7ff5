"""A real, throwaway PostgreSQL server for tests and benchmarks (no pytest imports).

Sources, in order:

1. ``DQCHECK_TEST_PG_URL`` (used as is, never stopped);
2. a ``postgres:15`` testcontainer when a Docker daemon answers;
3. a temporary cluster built with local server binaries (``initdb``/``pg_ctl``).

Usage::

    server = PgServer()
    url = server.start()  # raises PgUnavailable when there is no source at all
    ...
    server.stop()

Run ``python tests/pgserver.py`` to start a server, print its URL and keep it running until
Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal, NoReturn

ENV_URL = "DQCHECK_TEST_PG_URL"
DOCKER_IMAGE = "postgres:15"
NO_PG_REASON = (
    "no PostgreSQL: set DQCHECK_TEST_PG_URL, run Docker, "
    "or install PostgreSQL server binaries (initdb/pg_ctl)"
)
PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")
PG_SUPERUSER = "postgres"

PgSource = Literal["env", "docker", "local"]


class PgUnavailable(RuntimeError):
    """No PostgreSQL source exists on this machine (callers may skip)."""


class PgStartError(RuntimeError):
    """A source exists but the server could not be started (a real error)."""


def unavailable(reason: str) -> NoReturn:
    """A test's server or tool is missing: skip, except under CI=true, where it must fail (CI
    installs every one of them, so a missing one there is a broken set-up, not a skip)."""
    import pytest

    if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    match = re.search(r"(\d+(?:\.\d+)*)", bin_dir.parent.name)
    return tuple(int(p) for p in match.group(1).split(".")) if match else (-1,)


def _has_server_binaries(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def find_pg_bin_dir() -> Path | None:
    """Directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None.

    ``initdb`` on PATH wins (symlinks resolved); otherwise the highest version under
    ``/usr/lib/postgresql/*/bin`` (Debian/Ubuntu) or ``/usr/pgsql-*/bin`` (RHEL).
    """
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for pattern in PG_BIN_GLOBS:
        found = [Path(p) for p in sorted(Path("/").glob(pattern.lstrip("/")))]
        candidates.extend(sorted(found, key=_version_key, reverse=True))
    return next((c for c in candidates if _has_server_binaries(c)), None)


def docker_available(timeout: float = 2.0) -> bool:
    """True when the ``docker`` package is installed and a daemon answers a ping."""
    if not os.environ.get("DOCKER_HOST") and not os.path.exists("/var/run/docker.sock"):
        return False  # no daemon to ask; skip importing docker and its half-open sockets
    try:
        import docker  # type: ignore[import-untyped]  # lazy: optional dev dependency

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def select_source() -> PgSource | None:
    """Pick where the PostgreSQL server comes from; None when there is no source."""
    if os.environ.get(ENV_URL):
        return "env"
    if docker_available():
        return "docker"
    if find_pg_bin_dir() is not None:
        return "local"
    return None


def free_port() -> int:
    """A currently free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def has_pg_stat_statements(bin_dir: Path) -> bool:
    """True when the pg_stat_statements library exists for the server in ``bin_dir``."""
    lib_dirs: list[Path] = []
    pg_config = bin_dir / "pg_config"
    if os.access(pg_config, os.X_OK):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [str(pg_config), "--pkglibdir"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            if out:
                lib_dirs.append(Path(out))
    lib_dirs += [bin_dir.parent / "lib", bin_dir.parent / "lib" / "postgresql"]
    return any(
        (lib_dir / f"pg_stat_statements{ext}").is_file()
        for lib_dir in lib_dirs
        for ext in (".so", ".dylib")
    )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _connect_kwargs(url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    kwargs: dict[str, Any] = parsed.translate_connect_args(username="user", database="dbname")
    kwargs.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
    return kwargs


def database_url(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin_execute(url: str, statement: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(**_connect_kwargs(url))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL(statement).format(sql.Identifier(name)))
    finally:
        conn.close()


def execute(url: str, *statements: Any, params: Sequence[Any] | None = None) -> None:
    """Run test set-up statements (strings or psycopg2.sql objects) in autocommit mode on the
    database behind ``url``; ``params`` bind each statement's placeholders."""
    import psycopg2

    conn = psycopg2.connect(**_connect_kwargs(url))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement, params)
    finally:
        conn.close()


def count_statements(url: str) -> None:
    """Make ``url``'s database count its statements (pg_stat_statements). A server started
    without the library skips the test, except under CI=true, where counting must not be
    skipped."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            preload = str(conn.execute(text("SHOW shared_preload_libraries")).scalar())
    finally:
        engine.dispose()
    if "pg_stat_statements" not in preload:
        reason = (
            "the postgres test server was started without pg_stat_statements in "
            f"shared_preload_libraries ({preload!r}): cannot count statements"
        )
        unavailable(reason)
    execute(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def recorded_statements(url: str, condition: str, **params: Any) -> list[tuple[str, int]]:
    """(normalised query, calls) from pg_stat_statements for this database, past dqcheck's and
    this helper's own catalogue reads, where ``condition`` (SQL, ``:params`` bound) holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT query, calls FROM pg_stat_statements"
                    " WHERE dbid = (SELECT oid FROM pg_database"
                    "               WHERE datname = current_database())"
                    " AND position('pg_stat_' in query) = 0"
                    f" AND ({condition}) ORDER BY query"
                ),
                params,
            ).all()
    finally:
        engine.dispose()
    return [(str(q), int(c)) for q, c in rows]


def create_database(url: str, name: str) -> str:
    """CREATE DATABASE ``name`` on the server behind ``url``; returns the new DB's URL."""
    _admin_execute(url, "CREATE DATABASE {}", name)
    return database_url(url, name)


def drop_database(url: str, name: str) -> None:
    """DROP DATABASE ``name`` (terminating its connections; PostgreSQL 13+)."""
    _admin_execute(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


class PgServer:
    """Start/stop a PostgreSQL server from the first available source."""

    def __init__(
        self,
        source: PgSource | None = None,
        image: str = DOCKER_IMAGE,
        port: int | None = None,
    ) -> None:
        self.requested_source = source
        self.image = image
        #: a local cluster listens on this port when given (else on a free one)
        self.requested_port = port
        self.source: PgSource | None = None
        self.url: str | None = None
        self.pg_stat_statements = False
        # local cluster details (None for other sources)
        self.bin_dir: Path | None = None
        self.base_dir: Path | None = None
        self.data_dir: Path | None = None
        self.socket_dir: Path | None = None
        self.log_file: Path | None = None
        self.port: int | None = None
        self._run_as: list[str] = []
        self._container: Any = None
        self._owner_pid = os.getpid()
        self._started = False

    # -- public API -----------------------------------------------------------------------

    def start(self) -> str:
        """Start (or locate) the server and return its SQLAlchemy URL."""
        if self.url is not None:
            return self.url
        source = self.requested_source or select_source()
        if source is None:
            raise PgUnavailable(NO_PG_REASON)
        self._started = True
        atexit.register(self.stop)
        try:
            if source == "env":
                self.url = os.environ[ENV_URL]
            elif source == "docker":
                self.url = self._start_docker_or_fallback()
            else:
                self.url = self._start_local()
        except BaseException:
            self.stop()
            raise
        if self.source is None:
            self.source = source
        return self.url

    def stop(self) -> None:
        """Stop the server and remove its files; safe to call repeatedly."""
        if not self._started or os.getpid() != self._owner_pid:
            return  # never started, or a forked child inheriting atexit handlers
        self._started = False
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        try:
            if self._container is not None:
                with contextlib.suppress(Exception):
                    self._container.stop()
                self._container = None
            self._stop_local()
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None
            self.url = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- docker -----------------------------------------------------------------------------

    def _start_docker_or_fallback(self) -> str:
        try:
            url = self._start_docker()
            self.source = "docker"
            return url
        except Exception as exc:
            if self.requested_source == "docker" or find_pg_bin_dir() is None:
                raise PgStartError(
                    f"PostgreSQL container {self.image} did not start: {exc}"
                ) from exc
            warnings.warn(
                f"PostgreSQL container failed ({exc}); using local server binaries instead",
                RuntimeWarning,
                stacklevel=3,
            )
        self.source = "local"
        return self._start_local()

    def _start_docker(self) -> str:
        try:  # testcontainers >= 4.15 moved (and deprecated) testcontainers.postgres
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:
            from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(
            self.image,
            username=PG_SUPERUSER,
            password=PG_SUPERUSER,
            dbname="postgres",
            driver="psycopg2",
        )
        container.with_command(
            "postgres -c fsync=off -c shared_preload_libraries=pg_stat_statements"
        )
        self._container = container
        container.start()
        self.pg_stat_statements = True
        return str(container.get_connection_url())

    # -- local cluster ----------------------------------------------------------------------

    def _run(self, args: Sequence[str | Path], timeout: float) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for var in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS"):
            env.pop(var, None)
        return subprocess.run(
            [*self._run_as, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.base_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def _prepare_dirs(self) -> None:
        base = Path(
            tempfile.mkdtemp(prefix="dqcheck-pg-", dir="/tmp" if Path("/tmp").is_dir() else None)
        )
        self.base_dir = base
        self.data_dir = base / "data"
        self.socket_dir = base / "sock"
        self.log_file = base / "server.log"
        self.socket_dir.mkdir()
        for path in (base, self.socket_dir):
            path.chmod(0o755)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # initdb refuses to run as root: run the cluster as the postgres system user.
            import pwd

            try:
                user = pwd.getpwnam(PG_SUPERUSER)
            except KeyError as exc:
                raise PgStartError(
                    f"running as root and there is no {PG_SUPERUSER!r} system user for initdb"
                ) from exc
            for path in (base, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            if not os.access(runuser, os.X_OK):
                raise PgStartError("running as root but `runuser` is missing")
            self._run_as = [runuser, "-u", PG_SUPERUSER, "--"]

    def _start_local(self) -> str:
        bin_dir = find_pg_bin_dir()
        if bin_dir is None:
            raise PgUnavailable(NO_PG_REASON)
        self.bin_dir = bin_dir
        self._prepare_dirs()
        assert self.data_dir and self.socket_dir and self.log_file
        initdb = self._run(
            [
                bin_dir / "initdb",
                "-D",
                self.data_dir,
                "-U",
                PG_SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        if initdb.returncode != 0:
            raise PgStartError(
                f"initdb failed (exit {initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}"
            )
        self.pg_stat_statements = has_pg_stat_statements(bin_dir)
        last_error = ""
        for _attempt in range(3):  # a free port can be grabbed by someone else meanwhile
            port = self.requested_port or free_port()
            options = [
                f"-p {port}",
                f"-k {shlex.quote(str(self.socket_dir))}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
            ]
            if self.pg_stat_statements:
                options.append("-c shared_preload_libraries=pg_stat_statements")
            started = self._run(
                [
                    bin_dir / "pg_ctl",
                    "-D",
                    self.data_dir,
                    "-l",
                    self.log_file,
                    "-o",
                    " ".join(options),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                timeout=90,
            )
            if started.returncode == 0:
                self.port = port
                return f"postgresql+psycopg2://{PG_SUPERUSER}@127.0.0.1:{port}/postgres"
            log = _tail(self.log_file)
            last_error = (
                f"pg_ctl start failed (exit {started.returncode}):\n"
                f"{started.stdout}\n{started.stderr}\n--- {self.log_file} (tail) ---\n{log}"
            )
            self._stop_local()  # in case it half-started
            if self.requested_port or ("could not bind" not in log and "already in use" not in log):
                break
        raise PgStartError(last_error)

    def _postmaster_pid(self) -> int | None:
        if self.data_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _stop_local(self) -> None:
        if self.bin_dir is None or self.data_dir is None or self._postmaster_pid() is None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._run(
                [self.bin_dir / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop"],
                timeout=60,
            )
        pid = self._postmaster_pid()
        if pid is None:
            return
        # pg_ctl did not manage: signal the postmaster directly (SIGQUIT = immediate shutdown).
        for sig, wait in ((signal.SIGQUIT, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


@contextlib.contextmanager
def sigterm_raises_keyboard_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so ``finally``/atexit cleanup runs.

    Only installed in the main thread and when SIGTERM still has its default handler.
    """
    import threading

    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def _handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main() -> int:
    server = PgServer()
    with sigterm_raises_keyboard_interrupt():
        try:
            url = server.start()
        except PgUnavailable as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            print(url, flush=True)
            print(
                f"source={server.source} pg_stat_statements={server.pg_stat_statements} "
                f"socket_dir={server.socket_dir} log={server.log_file}; Ctrl-C/SIGTERM stops it",
                file=sys.stderr,
                flush=True,
            )
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
