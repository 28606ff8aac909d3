"""Two consoles on loopback (force B a real ``haven console serve`` with a peer token, force A the
``haven console psi`` command) learn exactly the identifiers they share, and nothing else."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from haven.console import audit, psi, store
from haven.console.bulk import bulk_load
from haven.console.crypto import open_key
from haven.console.db import make_engine

from .conftest import WALLET, ConsoleServer, haven_cmd

TOKEN = "a-secret-both-forces-agreed-0123456789"


def _wallets(prefix: str, n: int) -> list[str]:
    return [f"email:{prefix}{i}@example-{prefix}.org" for i in range(n)]


@pytest.fixture
def two_forces(tmp_path, packages, database):
    """Force A (SQLite) and force B (SQLite, or PostgreSQL for a force), each with one real package
    (sharing a wallet) and generated identifiers: 50 in common, 150 only A's, 120 only B's."""
    common = _wallets("both", 50)
    made = {}
    for force, own, package in (("a", _wallets("onlya", 150), "a"), ("b", _wallets("onlyb", 120), "b")):
        db = database if force == "b" else str(tmp_path / f"{force}.sqlite")
        key_file = tmp_path / f"{force}.key"
        engine = make_engine(db)
        key = open_key(engine, key_file)
        store.ingest(engine, key, packages[package], actor="t")
        bulk_load(engine, key, [(f"{force.upper()}-{i}", [v]) for i, v in enumerate(common + own)])
        made[force] = (db, key_file, engine, key, set(psi.own_identifiers(engine, key)))
    yield made
    for *_rest, engine, _key, _ids in made.values():
        engine.dispose()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                out.append(int(entry.name))
    return out


def _run_psi(db, key_file, peer, token) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*haven_cmd(), "console", "psi", "--database", db, "--key-file", str(key_file), "--peer", peer,
         "--peer-token", token, "--name", "Force A", "--contact", "DC Adams, force A", "--format", "json"],
        capture_output=True, text=True, timeout=300)


def test_each_side_learns_exactly_the_intersection(two_forces):
    a_db, a_key_file, a_engine, a_key, a_ids = two_forces["a"]
    b_db, b_key_file, b_engine, b_key, b_ids = two_forces["b"]
    expected = a_ids & b_ids
    assert f"btc:{WALLET}" in expected and len(expected) == 51  # the shared wallet + 50 generated
    server = ConsoleServer(b_db, b_key_file, "--peer-token", TOKEN, "--name", "Force B",
                           "--contact", "DS Brown, force B")
    try:
        wrong = _run_psi(a_db, a_key_file, server.url, "not-the-token")
        assert wrong.returncode != 0 and "refused our token" in wrong.stderr
        assert psi.results(b_engine, b_key) == []
        done = _run_psi(a_db, a_key_file, server.url, TOKEN)
        workers = _children(server.proc.pid)
    finally:
        server.stop()
    assert workers  # B's curve work ran in worker processes ...
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()]  # ... that end with the console
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    learned_by_a = {s["identifier"] for s in out["shared"]}
    assert learned_by_a == expected
    assert out["peer_name"] == "Force B" and "DS Brown, force B" in out["shared"][0]["message"]
    learned_by_b = {r["identifier"] for r in psi.results(b_engine, b_key)}
    assert learned_by_b == expected
    assert {r["contact"] for r in psi.results(b_engine, b_key)} == {"DC Adams, force A"}
    assert {r["identifier"] for r in psi.results(a_engine, a_key)} == expected
    # what each side learned of the other: nothing outside the intersection
    assert not (learned_by_a - b_ids) and not (learned_by_b - a_ids)
    # B's audit log has the run: its announced (padded) size and what was found; the log verifies
    b_log = audit.entries(b_engine)
    assert any(e.action == "psi-start" and e.params["size"] == psi.padded_size(len(a_ids)) for e in b_log)
    assert any(e.action == "psi" and e.params["shared"] == len(expected) for e in b_log)
    assert audit.verify(b_engine, b_key) == [] and audit.verify(a_engine, a_key) == []


def test_peer_endpoint_off_without_token_and_https_required(tmp_path):
    from fastapi.testclient import TestClient

    from haven.console.app import Settings, create_app
    from haven.core.errors import BadAnswers

    engine = make_engine(str(tmp_path / "c.sqlite"))
    key = open_key(engine, tmp_path / "k")
    client = TestClient(create_app(Settings(engine, key)), base_url="http://127.0.0.1")
    assert client.post("/psi/v1/start", json={"size": 10}).status_code == 404
    with_token = TestClient(create_app(Settings(engine, key, peer_token=TOKEN)), base_url="http://127.0.0.1")
    assert with_token.post("/psi/v1/start", json={"size": 10}).status_code == 401
    assert with_token.post("/psi/v1/start", json={"size": 10},
                           headers={"Authorization": "Bearer nope"}).status_code == 401
    assert with_token.post("/psi/v1/start", json={"size": 10},
                           headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with pytest.raises(BadAnswers):
        psi.check_peer_url("http://192.0.2.10:8090")  # plain http to another machine: refused, never sent
    assert psi.check_peer_url("https://console.force-b.example/") == "https://console.force-b.example"
    assert psi.padded_size(1) == 1024 and psi.padded_size(100_000) >= 100_000


def test_prepared_setup_is_brought_up_to_date_and_used_once(tmp_path):
    """B's background setup, taken by a run after B stored more identifiers, equals one made from scratch
    with the same one-time key; the next run gets a new key; A cannot send more than it announced."""
    from haven.console import psi_work
    from haven.console.psi_peer import Responder
    from haven.core.errors import BadAnswers

    engine = make_engine(str(tmp_path / "b.sqlite"))
    key = open_key(engine, tmp_path / "k")
    bulk_load(engine, key, [(f"B-{i}", [v]) for i, v in enumerate(_wallets("old", 30))])
    responder = Responder(engine, key, TOKEN, "Force B", "DS Brown")
    try:
        responder.begin_preparing()
        for _ in range(600):
            if responder.prepared is not None:
                break
            time.sleep(0.1)
        prepared = responder.prepared
        assert prepared is not None and len(prepared.work.result(timeout=120)) == psi.padded_size(30)
        bulk_load(engine, key, [("B-new", _wallets("new", 5))])
        sid = responder.start({"size": 1024, "name": "Force A"})["session"]
        session = responder.sessions[sid]
        assert session.setup.key == prepared.key  # the prepared one-time key, now spent
        current = set(psi.own_identifiers(engine, key))
        assert session.setup.own() == current and len(current) == 35
        enc = session.setup.work.result(timeout=120)
        assert len(enc) == psi.padded_size(35) and sum(not e.startswith(psi.PREFIX) for e in enc) == 1024 - 35
        sample = sorted(psi.PREFIX + i for i in current)[::7]
        assert [enc[e] for e in sample] == psi_work.encrypt_each(session.setup.key, sample)
        assert psi_work.setup_message(enc.values()) == session.setup.message()
        # A announced 1024 elements: a request beyond that is refused
        client_key = psi_work.new_key("client")
        request = psi_work.encrypt(client_key, [f"x{i}" for i in range(1000)])
        answer = responder.request(sid, {"request": psi.b64(request), "chunk": 0, "setup_apart": True})
        assert answer["response"] and "setup" not in answer
        with pytest.raises(BadAnswers):
            responder.request(sid, {"request": psi.b64(request), "chunk": 1, "setup_apart": True})
        assert responder.result(sid, {"shared": [psi.PREFIX + "nope", "email:new0@example-new.org"]}) == \
            {"recorded": 1}  # only what B itself holds is recorded
        for _ in range(600):
            if responder.prepared is not None:
                break
            time.sleep(0.1)
        assert responder.prepared is not None and responder.prepared.key != prepared.key
    finally:
        responder.close()
        engine.dispose()
