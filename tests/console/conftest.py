"""Fixtures for the console's tests: real packages (a vault case made from generated chats, exported by
the real exporter), a tampered copy, and the database each test runs on — a SQLite file, and a real
PostgreSQL (Debian's binaries, started once per session, one fresh database per test)."""

from __future__ import annotations

import errno
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import need
from haven.report.package import export_package
from haven.vault import Vault
from haven.vault.keys import KdfParams

WALLET = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
WALLET_B_ONLY = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
WALLET_C = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
CHATS = {
    "a": ("Kai", f"pay 500 gbp in bitcoin to {WALLET} or everyone sees your pics",
          "email me at kai.scam@gmail.com, my insta is @kai_bad99", 16),
    "b": ("Jay", f"send 300 usd btc {WALLET} now. or {WALLET_B_ONLY} if that fails. or I post it",
          "I will send the video to all your followers. mail jay.other@gmail.com", 19),
    "c": ("Lee", f"you have 24 hours. pay to {WALLET_C}", "check https://gmail.com for my message", 15),
}


def haven_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("haven")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "haven"]


def make_package(folder: Path, tag: str) -> Path:
    name, demand, extra, age = CHATS[tag]
    chat = folder / f"WhatsApp Chat with {name}.txt"
    chat.write_text(
        f"14/03/2024, 21:03 - {name}: hey, saw you on insta\n"
        "14/03/2024, 21:04 - Me: hi who is this?\n"
        f"15/03/2024, 08:15 - {name}: {demand}\n"
        f"15/03/2024, 08:16 - {name}: {extra}\n",
        encoding="utf-8",
    )
    out = folder / f"package-{tag}.zip"
    with Vault.create(folder / f"case-{tag}", "pw", age=age, reference=f"REF-{tag.upper()}",
                      kdf=KdfParams(1, 8 * 1024, 1)) as vault:
        vault.import_paths([chat])
        try:
            export_package(vault, out)
        except OSError as exc:  # the exporter's O_TMPFILE path failing (EXDEV): use its named-file path
            if exc.errno != errno.EXDEV:
                raise
            with pytest.MonkeyPatch.context() as mp:
                mp.delattr(os, "O_TMPFILE")
                export_package(vault, out)
    return out


def tamper(src: Path, dst: Path) -> Path:
    """The same package with one word of messages.jsonl changed (the manifest no longer matches)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "messages.jsonl":
                data = data.replace(b"hey", b"hi!", 1)
            zout.writestr(info, data)
    return dst


@pytest.fixture(scope="session")
def packages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("console-packages")
    out = {tag: make_package(folder, tag) for tag in CHATS}
    out["tampered"] = tamper(out["a"], folder / "package-a-tampered.zip")
    return out


# -- databases ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server():
    from test_bank_support import pg_available, postgres

    reason = pg_available()
    need(not reason, reason or "")
    with postgres() as url:
        yield url


def _fresh_pg(server_url: str) -> str:
    import psycopg

    name = "console_" + secrets.token_hex(4)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres])])
def database(request, tmp_path) -> str:
    """A console database URL: a SQLite file, or a fresh database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "console.sqlite")
    return _fresh_pg(request.getfixturevalue("pg_server"))


@pytest.fixture
def key_file(tmp_path) -> Path:
    return tmp_path / "console.key"


@pytest.fixture
def opened(database, key_file):
    from haven.console.crypto import open_key
    from haven.console.db import make_engine

    engine = make_engine(database)
    yield engine, open_key(engine, key_file)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConsoleServer:
    """A running ``haven console serve`` on a free loopback port."""

    def __init__(self, database: str, key_file: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="haven-console-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*haven_cmd(), "console", "serve", "--database", database, "--key-file", str(key_file),
             "--port", str(self.port), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("console exited: " + Path(self.log.name).read_text()[-3000:])
            try:
                httpx.get(self.url + "/login", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("console did not start in 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
