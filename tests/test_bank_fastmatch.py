"""The lean GET /v1/match path (haven.bank.fastmatch) answers exactly what the FastAPI route answers, and
never answers a request the route would refuse (no key, bad key, revoked key, wrong role, bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from haven.bank.api import create_app
from haven.bank.db import api_keys, make_engine
from haven.bank.fastmatch import bearer, parse_query
from haven.bank.keys import hash_key
from test_bank_support import make_key

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_NEAR = "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22"  # 8 bits from PDQ
PDQ_OTHER = "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d"
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
VPDQ = json.dumps([f"{PDQ},100,0.000", f"{PDQ_OTHER},100,1.000"])

QUERIES = [
    f"signal_type=pdq&signal={PDQ_NEAR}",
    f"signal_type=pdq&signal={PDQ_NEAR.upper()}",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=7",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=8",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=0",
    f"max_distance=31&signal={PDQ}&signal_type=pdq",
    f"signal_type=pdq&signal={PDQ_OTHER}",
    f"signal_type=md5&signal={MD5}",
    f"signal_type=sha256&signal={SHA}",
    f"signal_type=sha256&signal={SHA[:-1]}0",
    # unusual or invalid: the route decides (422 and friends), the fast path must pass
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=32",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=-1",
    f"signal_type=pdq&signal={PDQ_NEAR}&max_distance=7&max_distance=9",
    f"signal_type=pdq&signal={PDQ_NEAR}&extra=1",
    f"signal_type=pdq&signal=%20{PDQ_NEAR}",
    f"signal_type=p%64q&signal={PDQ_NEAR}",
    f"signal_type=pdq&signal={PDQ_NEAR[:-1]}",
    f"signal_type=tmk&signal={PDQ_NEAR}",
    f"signal_type=pdq&signal={'f' * 1001}",
    "signal_type=pdq",
    f"signal={PDQ_NEAR}",
    "",
]


@pytest.fixture
def bank(tmp_path: Path):
    db = str(tmp_path / "bank.sqlite")
    make_engine(db).dispose()
    keys = {r: make_key(db, r, f"{r}-1") for r in ("submitter", "matcher", "curator", "admin")}
    app = create_app(db, tmp_path / "snap")
    with TestClient(app) as client:
        r = client.post(
            "/v1/cases",
            headers={"Authorization": f"Bearer {keys['submitter']}"},
            json={
                "signals": [
                    {"signal_type": "pdq", "signal": PDQ},
                    {"signal_type": "md5", "signal": MD5},
                    {"signal_type": "sha256", "signal": SHA},
                    {"signal_type": "vpdq", "signal": VPDQ},
                ]
            },
        )
        assert r.status_code == 201, r.text
        yield app, client, keys, db


def answers(app, client, headers: dict[str, str], fast: bool) -> list[tuple[int, str]]:
    saved = app.fast
    if not fast:
        app.fast = None
    try:
        return [
            (r.status_code, r.text) for r in (client.get("/v1/match?" + q, headers=headers) for q in QUERIES)
        ]
    finally:
        app.fast = saved


def test_fast_path_gives_the_routes_answers(bank) -> None:
    app, client, keys, _db = bank
    served = []
    body = app.fast.body
    app.fast.body = lambda *a: served.append(a) or body(*a)
    for role in ("matcher", "curator", "admin"):
        headers = {"Authorization": f"Bearer {keys[role]}"}
        served.clear()
        fast = answers(app, client, headers, fast=True)
        assert len(served) == 10  # the ten plain, valid queries went the fast way; the rest did not
        assert fast == answers(app, client, headers, fast=False)
        assert [s for s, _ in fast[:10]] == [200] * 10
        assert [len(json.loads(t)["matches"]) for _, t in fast[:10]] == [1, 1, 0, 1, 0, 1, 0, 1, 1, 0]
        # repeated, extra and encoded parameters: the route's own answer (it takes the last, ignores extras)
        assert [s for s, _ in fast[10:]] == [422] * 3 + [200] * 4 + [422] * 6
    near = json.loads(fast[0][1])["matches"][0]
    assert near["signal_type"] == "pdq" and near["distance"] == 8 and set(near) >= {"bank", "signal_id"}


@pytest.mark.parametrize(
    "auth",
    [None, "", "Bearer", "Bearer ", "Bearer hvn_not-a-key", "Basic dXNlcjpwYXNz", "bearer-x y", "submitter"],
)
def test_fast_path_refuses_what_the_route_refuses(bank, auth: str | None) -> None:
    app, client, keys, _db = bank
    if auth == "submitter":
        auth = f"Bearer {keys['submitter']}"
    headers = {} if auth is None else {"Authorization": auth}
    fast = answers(app, client, headers, fast=True)
    assert fast == answers(app, client, headers, fast=False)
    first = fast[0][0]
    assert first == (403 if auth and keys["submitter"] in auth else 401)


def test_revoked_key_stops_at_the_cache_ttl(bank) -> None:
    app, client, keys, db = bank
    headers = {"Authorization": f"Bearer {keys['matcher']}"}
    query = f"/v1/match?signal_type=pdq&signal={PDQ_NEAR}"
    assert client.get(query, headers=headers).status_code == 200
    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(
            update(api_keys).where(api_keys.c.key_hash == hash_key(keys["matcher"])).values(revoked=True)
        )
    engine.dispose()
    app.fast.keys._cache.clear()  # what the TTL does after 10 s
    assert client.get(query, headers=headers).status_code == 401


def test_parsers() -> None:
    assert parse_query(f"signal_type=pdq&signal={PDQ}".encode()) == ("pdq", PDQ, 31)
    assert parse_query(f"signal_type=pdq&signal={PDQ}&max_distance=007".encode()) == ("pdq", PDQ, 7)
    for bad in (b"", b"signal_type=pdq", b"a=1&signal_type=pdq&signal=ab", b"signal_type=pdq&signal=a+b"):
        assert parse_query(bad) is None
    assert bearer([(b"authorization", b"Bearer  k ")]) == "k"
    assert bearer([(b"authorization", b"Bearer k"), (b"authorization", b"Bearer j")]) is None
    assert bearer([(b"authorization", b"Bearer ")]) is None
    assert bearer([]) is None


def _raw(port: int, payload: bytes, responses: int) -> list[tuple[bytes, dict[bytes, bytes], bytes]]:
    """Send raw bytes on one connection; read ``responses`` HTTP responses (status line, headers, body)."""
    import socket

    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(payload)
        buf = b""
        while len(out) < responses:
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                assert chunk, "connection closed early"
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            status, *lines = head.split(b"\r\n")
            headers = dict(line.lower().split(b": ", 1) for line in lines)
            size = int(headers[b"content-length"])
            while len(buf) < size:
                buf += sock.recv(65536)
            out.append((status, headers, buf[:size]))
            buf = buf[size:]
    return out


def test_protocol_fast_path_over_real_http(tmp_path: Path) -> None:
    """``haven bank serve`` answers GET /v1/match in its HTTP protocol (before any ASGI task): the same
    status, headers and body as the route (reached here through an encoded parameter), in order for
    pipelined requests, and still the route's answers for refusals and ``Connection: close``."""
    from test_bank_support import running

    db = str(tmp_path / "bank.sqlite")
    sub, plat = make_key(db, "submitter", "s"), make_key(db, "matcher", "p")
    with running(db) as server:
        with server.client(sub) as s:
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]})
        auth = f"Authorization: Bearer {plat}\r\n".encode()

        def get(query: str, extra: bytes = b"") -> bytes:
            return f"GET /v1/match?{query} HTTP/1.1\r\nHost: x\r\n".encode() + auth + extra + b"\r\n"

        fast_q = f"signal_type=pdq&signal={PDQ_NEAR}"
        route_q = f"signal_type=%70dq&signal={PDQ_NEAR}"  # encoded: the fast path passes it on
        answers = _raw(
            server.port,
            get(fast_q) + get(route_q) + get(f"signal_type=pdq&signal={PDQ_OTHER}") + get("signal=1"),
            4,
        )
        (s1, h1, b1), (s2, h2, b2), (s3, _h3, b3), (s4, _h4, _b4) = answers
        assert s1 == s2 == s3 == b"HTTP/1.1 200 OK" and s4.startswith(b"HTTP/1.1 422")
        assert b1 == b2 and json.loads(b1)["matches"][0]["distance"] == 8
        assert json.loads(b3) == {"matches": []}
        assert h1[b"content-type"] == h2[b"content-type"] == b"application/json"
        assert set(h1) == set(h2)  # date, server, content-type, content-length
        # the protocol writes content-type before content-length, Starlette the other way round: this
        # tells that the first request was answered by the fast protocol and the second by the route
        assert list(h1)[-2:] == [b"content-type", b"content-length"]
        assert list(h2)[-2:] == [b"content-length", b"content-type"]
        ((status, headers, body),) = _raw(server.port, get(fast_q, b"Connection: close\r\n"), 1)
        assert status == b"HTTP/1.1 200 OK" and body == b1 and headers[b"connection"] == b"close"
        bad = get(fast_q).replace(plat.encode(), b"wrong-key")
        ((status, _headers, _body),) = _raw(server.port, bad, 1)
        assert status.startswith(b"HTTP/1.1 401")
