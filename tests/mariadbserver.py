"""A real, throwaway MariaDB server for tests (no pytest imports), like ``pgserver``.

Sources, in order:

1. ``DQCHECK_TEST_MARIADB_URL`` (used as is, never stopped): a ``mysql+pymysql://`` URL of a
   user that may create and drop databases whose names start with ``dqcheck``;
2. a temporary server built with the local binaries (Debian's ``mariadb-server``:
   ``mariadb-install-db`` and ``mariadbd``), on a free loopback port, with its own socket,
   data and log in a temporary folder, run as the ``mysql`` system user when we are root. It
   gets a database ``dqcheck`` and a user ``dqcheck`` with a password; ``stop()`` ends the
   server and removes the folder (the server also dies with the process that started it).

Run ``python tests/mariadbserver.py`` to start a server, print its URL and keep it running
until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgserver import free_port, sigterm_raises_keyboard_interrupt

ENV_URL = "DQCHECK_TEST_MARIADB_URL"
NO_MARIADB_REASON = (
    "no MariaDB: set DQCHECK_TEST_MARIADB_URL or install the MariaDB server binaries "
    "(Debian: apt-get install mariadb-server)"
)
SERVER_NAMES = ("/usr/sbin/mariadbd", "/usr/sbin/mysqld", "mariadbd", "mysqld")
INSTALL_NAMES = ("mariadb-install-db", "mysql_install_db")
SYSTEM_USER = "mysql"
DATABASE = "dqcheck"
USER = "dqcheck"
#: Seconds a starting server has to accept connections.
START_TIMEOUT = 60.0


class MariaDbUnavailable(RuntimeError):
    """No MariaDB source exists on this machine (callers may skip)."""


class MariaDbStartError(RuntimeError):
    """A source exists but the server could not be started (a real error)."""


def _executable(name: str) -> Path | None:
    found = name if os.path.isabs(name) else shutil.which(name)
    if found and os.access(found, os.X_OK):
        return Path(found)
    return None


def find_binaries() -> tuple[Path, Path] | None:
    """(server, install-db) binaries, or None when either is missing."""
    server = next(filter(None, map(_executable, SERVER_NAMES)), None)
    install = next(filter(None, map(_executable, INSTALL_NAMES)), None)
    return (server, install) if server and install else None


def connect(url: str, **kwargs: Any) -> Any:
    """A PyMySQL connection (autocommit) to the server and database behind ``url``."""
    import pymysql
    from sqlalchemy.engine import make_url

    u = make_url(url)
    args: dict[str, Any] = {
        "host": u.host or "127.0.0.1",
        "port": u.port or 3306,
        "user": u.username,
        "password": u.password or "",
        "autocommit": True,
        "connect_timeout": 10,
    }
    if u.database:
        args["database"] = u.database
    args.update(kwargs)
    return pymysql.connect(**args)


def execute(url: str, *statements: str, params: Sequence[Any] | None = None) -> None:
    """Run test set-up statements (autocommit) on the database behind ``url``."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement, params)
    finally:
        conn.close()


def database_url(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_database(url: str, name: str) -> str:
    """CREATE DATABASE ``name`` (utf8mb4) on the server behind ``url``; returns its URL."""
    execute(url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    return database_url(url, name)


def drop_database(url: str, name: str) -> None:
    execute(url, f"DROP DATABASE IF EXISTS `{name}`")


def _set_parent_death_signal() -> None:
    """In the server's process (after the user switch): die with the process that started it,
    so a test run killed outright leaves no server behind (Linux only; best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class MariaDbServer:
    """Start/stop a MariaDB server: the env URL, else a local throwaway one."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.source: str | None = None
        self.base_dir: Path | None = None
        self.socket: Path | None = None
        self.log_file: Path | None = None
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = os.getpid()
        self._started = False

    # -- public API -----------------------------------------------------------------------

    def start(self) -> str:
        """Start (or locate) the server and return the SQLAlchemy URL of its test database."""
        if self.url is not None:
            return self.url
        if os.environ.get(ENV_URL):
            self.source = "env"
            self.url = os.environ[ENV_URL]
            return self.url
        binaries = find_binaries()
        if binaries is None:
            raise MariaDbUnavailable(NO_MARIADB_REASON)
        self._started = True
        atexit.register(self.stop)
        try:
            self.url = self._start_local(*binaries)
        except BaseException:
            self.stop()
            raise
        self.source = "local"
        return self.url

    def stop(self) -> None:
        """Stop the server and remove its files; safe to call repeatedly."""
        if not self._started or os.getpid() != self._owner_pid:
            return
        self._started = False
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        try:
            self._stop_process()
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None
            self.url = None

    def admin(self, **kwargs: Any) -> Any:
        """A PyMySQL connection as the server's root user (local servers only)."""
        import pymysql

        assert self.socket is not None, "admin() needs a local server"
        return pymysql.connect(unix_socket=str(self.socket), user="root", autocommit=True, **kwargs)

    # -- local server -----------------------------------------------------------------------

    def _start_local(self, server: Path, install_db: Path) -> str:
        base = Path(tempfile.mkdtemp(prefix="dqcheck-mariadb-", dir="/tmp"))
        self.base_dir = base
        data = base / "data"
        self.socket = base / "mysqld.sock"
        self.log_file = base / "error.log"
        run_as: dict[str, Any] = {}
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # mariadbd refuses to run as root: the server runs as the mysql system user.
            import pwd

            try:
                user = pwd.getpwnam(SYSTEM_USER)
            except KeyError as exc:
                raise MariaDbStartError(
                    f"running as root and there is no {SYSTEM_USER!r} system user"
                ) from exc
            os.chown(base, user.pw_uid, user.pw_gid)
            run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        base.chmod(0o755)
        install = subprocess.run(
            [
                str(install_db),
                "--no-defaults",
                f"--datadir={data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=base,
            stdin=subprocess.DEVNULL,
            check=False,
            **run_as,
        )
        if install.returncode != 0:
            raise MariaDbStartError(
                f"{install_db.name} failed (exit {install.returncode}):\n"
                f"{install.stdout[-2000:]}\n{install.stderr[-2000:]}"
            )
        last_error = ""
        for _attempt in range(3):  # a free port can be taken by someone else meanwhile
            port = free_port()
            self._process = subprocess.Popen(
                [
                    str(server),
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--socket={self.socket}",
                    f"--pid-file={base / 'mysqld.pid'}",
                    f"--log-error={self.log_file}",
                    f"--port={port}",
                    "--bind-address=127.0.0.1",
                    "--skip-networking=0",
                    "--skip-name-resolve",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=32M",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_general_ci",
                    "--default-time-zone=+00:00",
                ],
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_set_parent_death_signal,  # before any thread of ours could hold a lock
                **run_as,
            )
            if self._wait_ready():
                self.port = port
                return self._create_user_and_database(port)
            last_error = self._log_tail()
            self._stop_process()
            if "already in use" not in last_error and "bind" not in last_error.lower():
                break
        raise MariaDbStartError(f"mariadbd did not start:\n{last_error}")

    def _wait_ready(self) -> bool:
        import pymysql

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            try:
                self.admin(connect_timeout=2).close()
                return True
            except pymysql.err.OperationalError:
                time.sleep(0.1)
        return False

    def _create_user_and_database(self, port: int) -> str:
        password = secrets.token_hex(12)
        conn = self.admin()
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
                cur.execute(f"CREATE USER '{USER}'@'%%' IDENTIFIED BY %s", (password,))
                # Every database named dqcheck*, so tests make their own; no FILE, no SUPER.
                cur.execute(f"GRANT ALL PRIVILEGES ON `{DATABASE}%`.* TO '{USER}'@'%'")
        finally:
            conn.close()
        return f"mysql+pymysql://{USER}:{password}@127.0.0.1:{port}/{DATABASE}"

    def _log_tail(self, lines: int = 30) -> str:
        if self.log_file is None:
            return "(no log)"
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # SIGTERM is mariadbd's normal shutdown; SIGKILL if it does not finish in time.
        for stop, wait in ((process.terminate, 30.0), (process.kill, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                stop()
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def main() -> int:
    server = MariaDbServer()
    with sigterm_raises_keyboard_interrupt():
        try:
            url = server.start()
        except MariaDbUnavailable as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            print(url, flush=True)
            print(f"log={server.log_file}; Ctrl-C/SIGTERM stops it", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
