"""Webhooks cannot reach inside: registration refuses every non-public address class, and delivery re-checks
after DNS resolution. Nothing here sends traffic anywhere but loopback: delivery tests replace the resolver
and an audit hook on ``socket.connect`` records (and blocks) every connection the process tries."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from haven.bank.api import create_app
from haven.bank.db import deliveries, make_engine
from haven.bank.webhooks import Dispatcher, TargetPolicy, TargetRefused, register, verify_signature
from test_bank_support import make_key

REFUSED = {
    "http://169.254.169.254/latest/meta-data/": "https",  # plain http: refused before anything else
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "https://10.0.0.1/": "private",
    "https://172.16.5.4/": "private",
    "https://192.168.1.1/hook": "private",
    "https://127.0.0.1:22/": "loopback",
    "https://127.1.2.3/": "loopback",
    "https://localhost:8080/": "loopback",
    "https://api.localhost/": "loopback",
    "https://[::1]/": "loopback",
    "https://[::ffff:127.0.0.1]/": "loopback",
    "https://[fe80::1]/": "link-local",
    "https://[fd00::1]/": "private",
    "https://224.0.0.1/": "multicast",
    "https://[ff02::1]/": "multicast",
    "https://240.0.0.1/": "reserved",
    "https://0.0.0.0/": "unspecified",
    "https://100.64.0.1/": "non-public",
    "https://2130706433/": "unusual form",
    "https://0x7f.1/": "unusual form",
    "https://user:secret@hooks.example.com/": "password",
    "file:///etc/passwd": "https",
}


@pytest.mark.parametrize("url", sorted(REFUSED))
def test_registration_refuses_address_class(url: str):
    with pytest.raises(TargetRefused) as info:
        TargetPolicy().check_url(url)
    assert REFUSED[url] in str(info.value)


def test_registration_accepts_public_names_and_the_allow_list():
    assert TargetPolicy().check_url("https://hooks.example.com/alerts") == "https://hooks.example.com/alerts"
    allow = TargetPolicy.from_setting("hooks.internal, 10.1.0.0/16, ::1")
    for url in ("http://hooks.internal:8080/x", "https://10.1.2.3/", "http://[::1]:9/"):
        assert allow.check_url(url) == url
    with pytest.raises(TargetRefused):
        allow.check_url("https://10.2.0.1/")  # outside the allowed network


def test_api_answers_422_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HAVEN_BANK_WEBHOOK_ALLOW", raising=False)
    db = str(tmp_path / "bank.sqlite")
    key = make_key(db, "matcher", "platform")
    client = TestClient(create_app(db))  # no lifespan: nothing starts, nothing is sent
    for url in ("https://169.254.169.254/", "https://[::1]/", "http://hooks.example.com/"):
        r = client.post("/v1/webhooks", json={"url": url}, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 422, r.text
        assert "webhook" in r.json()["detail"]


class _Connections:
    """An audit hook (installed once; hooks cannot be removed) that records every ``socket.connect`` and
    refuses all but the addresses a test lets through."""

    installed = False
    active = False
    seen: ClassVar[list[Any]] = []
    let_through: ClassVar[set[str]] = set()

    @classmethod
    def install(cls) -> None:
        if not cls.installed:
            sys.addaudithook(cls._hook)
            cls.installed = True

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect" and cls.active:
            address = args[1]
            cls.seen.append(address)
            host = address[0] if isinstance(address, tuple) else str(address)
            if host not in cls.let_through:
                raise ConnectionRefusedError(f"connection to {address} blocked by the test")


@pytest.fixture
def connections():
    _Connections.install()
    _Connections.seen.clear()
    _Connections.let_through = set()
    _Connections.active = True
    yield _Connections
    _Connections.active = False
    _Connections.let_through = set()


def _dispatcher(tmp_path: Path, resolved: list[str], allow: str | None = None):
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    policy = TargetPolicy.from_setting(allow, resolver=lambda host, port: list(resolved))
    return engine, policy, Dispatcher(engine, workers=0, policy=policy)


@pytest.mark.parametrize(
    "resolved",
    [["169.254.169.254"], ["10.0.0.1"], ["127.0.0.1"], ["::1"], ["fe80::1"], ["10.0.0.1", "127.0.0.1"]],
)
def test_delivery_refuses_a_name_resolving_inside(tmp_path: Path, connections, resolved: list[str]):
    engine, policy, dispatcher = _dispatcher(tmp_path, resolved)
    try:
        hook = register(engine, "platform", "https://hooks.example.com/alert", policy)  # public-looking name
        outcome = dispatcher.deliver(hook["id"], hook["url"], hook["secret"], b"{}", "d1")
        assert outcome == "refused"
        assert connections.seen == []  # not one connection was attempted
        with engine.connect() as conn:
            row = conn.execute(select(deliveries)).one()
        assert row.status == "refused" and row.attempts == 0
        assert resolved[0] in row.last_error or resolved[1] in row.last_error
    finally:
        dispatcher.stop()
        engine.dispose()


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[bytes, dict[str, str]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((body, dict(self.headers)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_allowed_receiver_gets_the_checked_address(tmp_path: Path, connections):
    """The positive control: an allow-listed internal name is delivered to, over the address that was
    checked (so the audit hook does see connections), with the name kept in the Host header."""
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    engine, policy, dispatcher = _dispatcher(tmp_path, ["127.0.0.1"], allow="receiver.internal")
    try:
        port = receiver.server_port
        connections.let_through = {"127.0.0.1"}
        hook = register(engine, "platform", f"http://receiver.internal:{port}/hook", policy)
        body = json.dumps({"event": "match"}).encode()
        assert dispatcher.deliver(hook["id"], hook["url"], hook["secret"], body, "d2") == "delivered"
        assert ("127.0.0.1", port) in connections.seen
        got_body, headers = _Receiver.got[-1]
        assert got_body == body and headers["Host"] == f"receiver.internal:{port}"
        assert verify_signature(hook["secret"], got_body, headers["X-Haven-Signature"])
    finally:
        receiver.shutdown()
        dispatcher.stop()
        engine.dispose()
