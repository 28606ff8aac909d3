"""Helpers for the bank tests: start the real server (``haven bank serve``) on a free loopback port, make
keys through the CLI, start a throw-away PostgreSQL from Debian's binaries. No tests in this module."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def haven_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("haven")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "haven"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_key(database: str, role: str, name: str) -> str:
    """A key made in-process (fast); :func:`make_key_cli` goes through the documented command."""
    from haven.bank.db import make_engine
    from haven.bank.keys import create_key

    engine = make_engine(database)
    try:
        return create_key(engine, name, role)
    finally:
        engine.dispose()


def make_key_cli(database: str, role: str, name: str) -> str:
    out = subprocess.run(
        [
            *haven_cmd(),
            "bank",
            "keys",
            "create",
            "--role",
            role,
            "--name",
            name,
            "--database",
            database,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["key"]


class Server:
    """A running ``haven bank serve`` process."""

    def __init__(self, database: str, *extra: str) -> None:
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="haven-bank-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [
                *haven_cmd(),
                "bank",
                "serve",
                "--database",
                database,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *extra,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in 60 s")

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> None:
        """SIGTERM (clean shutdown: the snapshot is written), then wait."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@contextmanager
def running(database: str, *extra: str) -> Iterator[Server]:
    server = Server(database, *extra)
    try:
        yield server
    finally:
        server.stop()


def pg_available() -> str | None:
    """Why PostgreSQL tests cannot run, or None when they can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"PostgreSQL server binaries not found in {PG_BIN} (Debian package postgresql-15)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing (PostgreSQL refuses to run as root)"
    return None


@contextmanager
def postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster in a temp dir on a free loopback port; yields its URL."""
    base = Path(tempfile.mkdtemp(prefix="haven-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    port = free_port()
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        base.chmod(0o700)
        as_pg = ["runuser", "-u", "postgres", "--"]
    user = "postgres" if as_pg else os.environ.get("USER", "postgres")
    subprocess.run(
        [*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_pg,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [*as_pg, str(PG_BIN / "createdb"), "-h", str(sock), "-p", str(port), "-U", user, "bank"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://{user}@127.0.0.1:{port}/bank"
    finally:
        subprocess.run(
            [*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)
