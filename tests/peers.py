"""Real peers on 127.0.0.1 for the monitoring tests (SPEC section 5), and their fixtures.

- ``statsd_peer``: a UDP socket bound to 127.0.0.1:0 that parses the statsd lines it receives;
- ``http_peer``: a factory of ``ThreadingHTTPServer``s on 127.0.0.1:0 recording every request
  (Apprise ``json://`` targets, a Pushgateway), answering a chosen status, optionally holding
  each answer back (a slow peer, released at teardown);
- ``smtp_peer``: an ``aiosmtpd`` SMTP server receiving ``mailto://`` alerts;
- ``orders_db``: a fresh PostgreSQL database with a small ``orders`` table (``ORDERS``), and the
  suites on it that several monitoring test modules run: ``PASSING``, ``FAILING``, ``MIXED``
  (with ``MIXED_EXPECTED``) and ``SLOW``.

Test modules load them with ``pytest_plugins = ["peers"]``. Every server is stopped and every
socket closed at fixture teardown; every wait is bounded. No asserts here, so PYTEST_DONT_REWRITE:
the test modules import this module before pytest loads it as a plugin.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from clitools import strict_json
from shop_suites import ORDERS as ORDERS  # the shared texts, re-exported
from shop_suites import PASSING as PASSING

# -- statsd ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One statsd line: ``name:value|type`` (an optional ``|@rate`` is dropped)."""

    name: str
    value: str
    type: str

    @property
    def number(self) -> float:
        return float(self.value)


def parse_statsd(payload: bytes) -> list[Metric]:
    metrics = []
    for line in payload.decode("utf-8").splitlines():
        if not line.strip():
            continue
        name, _, rest = line.partition(":")
        value, _, kind = rest.partition("|")
        metrics.append(Metric(name, value, kind.split("|")[0]))
    return metrics


class StatsdPeer:
    """A UDP socket on 127.0.0.1 that collects statsd packets."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.received: list[Metric] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def collect(self, until: str | None = None, timeout: float = 5.0) -> list[Metric]:
        """Every metric received so far, after reading until a metric named ``until`` arrived
        (at most ``timeout`` seconds), then whatever else is already queued."""
        deadline = time.monotonic() + timeout
        while until is not None and not any(m.name == until for m in self.received):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                self.received += parse_statsd(self.sock.recv(65535))
            except TimeoutError:
                break
        self.sock.setblocking(False)
        try:
            for _ in range(10_000):  # bounded drain of what is queued
                self.received += parse_statsd(self.sock.recv(65535))
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        return list(self.received)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def statsd_peer() -> Iterator[StatsdPeer]:
    peer = StatsdPeer()
    try:
        yield peer
    finally:
        peer.close()


# -- HTTP -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed strictly: an alert body dqcheck sends is strict JSON (SPEC 4)."""
        return strict_json(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    peer: HttpPeer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        peer = self.server.peer
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with peer.lock:
            peer.requests.append(Request(self.command, self.path, dict(self.headers), body))
        if peer.hold is not None:
            peer.release.wait(peer.hold)  # the slow peer: released at teardown
        with contextlib.suppress(OSError):  # the client may have given up
            payload = b"{}"
            self.send_response(peer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    do_POST = do_PUT = do_GET = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpPeer:
    """A real HTTP server on 127.0.0.1 recording requests, answering ``status``; with ``hold``,
    each answer waits up to that many seconds (or until the peer is stopped)."""

    def __init__(self, status: int = 200, hold: float | None = None) -> None:
        self.status = status
        self.hold = hold
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.peer = self
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"http-peer-{self.port}",
            daemon=True,
        )
        self.thread.start()

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """The requests, once ``count`` have arrived or ``timeout`` seconds have passed (the
        handler thread may record a request a moment after the client gave up on it)."""
        deadline = time.monotonic() + timeout
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def http_peer() -> Iterator[Callable[..., HttpPeer]]:
    """``http_peer(status=200, hold=None)`` starts a recording HTTP server; all are stopped at
    teardown."""
    started: list[HttpPeer] = []

    def start(status: int = 200, hold: float | None = None) -> HttpPeer:
        peer = HttpPeer(status, hold)
        started.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in started:
            peer.stop()


# -- SMTP -----------------------------------------------------------------------------------------


@dataclass
class SmtpPeer:
    port: int
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]

    def mailto(self, sender: str, to: str) -> str:
        """Apprise URL for this plain SMTP server (no TLS, no login)."""
        return f"mailto://127.0.0.1:{self.port}?from={sender}&to={to}&mode=insecure"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    from aiosmtpd.controller import Controller

    peer = SmtpPeer(_free_port())
    controller = Controller(peer, hostname="127.0.0.1", port=peer.port, ready_timeout=10)
    controller.start()
    try:
        yield peer
    finally:
        controller.stop()


# -- PostgreSQL -----------------------------------------------------------------------------------

#: has_rows 3 pass, too_many 3 fail, paid_only 1 fail (one refunded order): exit 1.
FAILING = """\
suite: orders
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: too_many, type: row_count, table: orders, max: 1}
  - {name: paid_only, type: accepted_values, table: orders, column: status, values: [paid]}
"""
#: Every status at once (exit 3): see MIXED_EXPECTED.
MIXED = """\
suite: orders
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: few_rows, type: row_count, table: orders, warn: {min: 10}}
  - {name: too_many, type: row_count, table: orders, max: 1}
  - {name: avg_amount, type: aggregate, table: orders, expression: avg(amount), max: 15}
  - {name: total_amount, type: threshold, sql: "SELECT sum(amount) FROM orders", max: 1000}
  - {name: paid_only, type: accepted_values, table: orders, column: status, values: [paid]}
  - {name: missing, type: row_count, table: no_such_table}
"""
#: check of MIXED -> (status, value; None when nothing is measured)
MIXED_EXPECTED: dict[str, tuple[str, float | None]] = {
    "has_rows": ("pass", 3),
    "few_rows": ("warn", 3),
    "too_many": ("fail", 3),
    "avg_amount": ("fail", 20),
    "total_amount": ("pass", 60),
    "paid_only": ("fail", 1),
    "missing": ("error", None),
}
#: One check that passes after 2 s on PostgreSQL (for an SLA of 1 s).
SLOW = """\
suite: slow
checks:
  - {name: sleepy, type: threshold, sql: "SELECT 1 FROM (SELECT pg_sleep(2)) s", max: 5}
"""


def execute(url: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def orders_db(pg_db: str) -> str:
    """URL of a fresh database holding ``orders`` (3 rows: 2 paid, 1 refunded; amounts 10, 20,
    30)."""
    execute(pg_db, ORDERS)
    return pg_db


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON log file dqcheck wrote, one strictly parsed object per line."""
    return [strict_json(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


PASSWORD = "Pw-9f3k:s3cr@t"


@pytest.fixture
def secret_url(pg_url: str, orders_db: str) -> Iterator[str]:
    """URL of ``orders_db`` as a role logging in with PASSWORD (allowed to read ``orders``)."""
    import uuid

    from sqlalchemy.engine import make_url

    role = f"dq_mon_{uuid.uuid4().hex[:10]}"
    execute(pg_url, f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    try:
        execute(orders_db, f"GRANT SELECT ON orders TO {role}")
        yield (
            make_url(orders_db)
            .set(username=role, password=PASSWORD)
            .render_as_string(hide_password=False)
        )
    finally:
        execute(orders_db, f"DROP OWNED BY {role}")
        execute(pg_url, f"DROP ROLE IF EXISTS {role}")


def project_config(folder: Path, db: str | None = None, **sections: Any) -> Path:
    """``folder/dqcheck.yml`` with ``sections`` (written as JSON, which is YAML). With ``db``, a
    ``connections: {warehouse: {url: db}}`` section as well, as a project config usually has
    one (and dqcheck currently rejects a config without it: see test_monitoring.py)."""
    body: dict[str, Any] = dict(sections)
    if db is not None:
        body = {"connections": {"warehouse": {"url": db}}, **body}
    return write(folder, "dqcheck.yml", json.dumps(body, indent=2))


# -- a server that accepts and never answers ------------------------------------------------------


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""

    def __init__(self, hang_up: bool = False) -> None:
        self.hang_up = hang_up  # close each connection at once instead of holding it
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.count = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.hang_up:
                conn.close()
            else:
                self._held.append(conn)
            with self._changed:
                self.count += 1
                self._changed.notify_all()
            self.accepted.set()

    def wait_for(self, n: int, timeout: float) -> bool:
        """Whether ``n`` connections were accepted within ``timeout`` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= n, timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()
