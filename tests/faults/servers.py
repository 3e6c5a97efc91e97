"""Throwaway servers for the fault tests, each started on a free loopback port in a temporary
folder and always stopped: a Redis that can be stopped and started again on the same port, a
PostgreSQL cluster of our own, and sockets that accept a connection and then say nothing.

The shared PostgreSQL (54320) and Redis (63790) are never stopped: other test runs use them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# --- Redis -------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of our own; `stop()` and `start()` take it down and bring it back on the
    same port (an outage, as the app sees one: connections refused)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self.answers, timeout=10, what=f"Redis on {self.port} to answer PING")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- PostgreSQL --------------------------------------------------------------------------------


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the postgres user (it refuses to run as root), or as
    ourselves when we are not root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *args], check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of our own (initdb, trust on loopback), run as the postgres user in a
    folder it owns; `restart()` is `pg_ctl restart -m fast`: every connection is cut."""

    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                     "--no-sync", "-E", "UTF8")  # fmt: skip

    def start(self) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                     "-o", f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off",
                     "start")  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                         "stop")  # fmt: skip

    def restart(self) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                     "-m", "fast", "-o",
                     f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off",
                     "restart")  # fmt: skip

    def psql(self, database: str, sql: str) -> str:
        return _as_postgres(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", database, "-tAc",
                            sql).stdout  # fmt: skip


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A cluster in a new folder under the system's temporary folder (pytest's own is private to
    root, and the postgres user must reach its folder), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    cluster = PostgresCluster(folder)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- Servers that accept and then say nothing --------------------------------------------------


@dataclass
class SilentServer:
    """A TCP server on loopback that accepts every connection and never answers (a routing
    engine or mail server that hangs). `connections` counts what it accepted."""

    port: int = 0
    connections: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    state = SilentServer()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    state.port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            state.connections += 1
            state._sockets.append(conn)  # held open, never read or written

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in state._sockets:
            conn.close()
