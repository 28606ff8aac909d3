"""Across forces without sharing victims' data: ECDH private set intersection (OpenMined's ``openmined-psi``,
reveal-intersection mode) over the normalised offender identifiers of two consoles.

Protocol (docs/console-threat-model.md has the threat model), initiator A, responder B:

1. A → B ``POST /psi/v1/start`` {padded size, A's name and contact}. B makes a fresh key and starts
   encrypting its own (padded) set in the background: the *setup* message.
2. A encrypts its own set under a fresh key at the same time (the *request*) and sends it:
   ``POST /psi/v1/{session}/request``. B re-encrypts it under its key (the *response*) and returns
   setup + response + B's name and contact.
3. A finds the intersection, then tells B: ``POST /psi/v1/{session}/result`` {identifiers}. B keeps only
   those in its own set (so a lying A cannot add to what B records) and records them.

Each request carries ``Authorization: Bearer <peer token>``, a secret the two forces agreed; B compares it
in constant time. Sets are padded with random elements to a size bucket, so the exact count of
identifiers is not revealed either. Fresh keys per run: two runs cannot be linked element by element.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, insert, select

from haven.console import audit
from haven.console.crypto import ConsoleKey
from haven.console.db import identifiers, psi_results
from haven.core.errors import BadAnswers, HavenError

PREFIX = "haven-psi/1|"
TOKEN_ENV = "HAVEN_CONSOLE_PEER_TOKEN"
MAX_SET = 4_000_000
SESSION_TTL = 600.0
CHUNKS = 4  # A's request goes in this many parts, so both consoles work at once


def _chunks(psi: Any, request: Any, parts: int) -> list[Any]:
    els = list(request.encrypted_elements)
    size = max(1, -(-len(els) // parts))
    out = []
    for i in range(0, len(els), size):
        part = psi.Request()
        part.reveal_intersection = request.reveal_intersection
        part.encrypted_elements.extend(els[i:i + size])
        out.append(part)
    return out


def _psi() -> Any:
    import private_set_intersection.python as psi

    return psi


def padded_size(n: int) -> int:
    """Round up to a bucket (steps of 1/16 of a power of two, at least 1024): the size shows only roughly."""
    n = max(n, 1)
    step = max(1024, 1 << max(0, n.bit_length() - 5))
    return -(-n // step) * step


def own_identifiers(engine: Engine, key: ConsoleKey) -> list[str]:
    """Every distinct linkable identifier this console holds (decrypted, one per token)."""
    seen: dict[str, str] = {}
    with engine.connect() as conn:
        for token, case_id, value_enc in conn.execute(
                select(identifiers.c.token, identifiers.c.case_id, identifiers.c.value_enc)):
            if token not in seen:
                seen[token] = key.decrypt_text(value_enc, f"id:{case_id}")
    return sorted(seen.values())


def _elements(ids: list[str], size: int) -> list[str]:
    return [PREFIX + i for i in ids] + [f"pad|{secrets.token_hex(16)}" for _ in range(size - len(ids))]


def check_peer_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return url.rstrip("/")
    raise BadAnswers("A peer console must be reached over https (plain http only on this computer).", "peer")


def _record(engine: Engine, key: ConsoleKey, peer: str, contact: str, shared: list[str]) -> None:
    now = datetime.now(UTC)
    rows = [{"found_at": now, "peer": peer[:300], "token": key.token(i),
             "value_enc": key.encrypt_text(i, "psi"), "contact_enc": key.encrypt_text(contact, "psi")}
            for i in shared]
    with engine.begin() as conn:
        if rows:
            conn.execute(insert(psi_results), rows)
        audit.record(engine, key, "psi", "psi", peer[:200], conn=conn, shared=len(shared))


def results(engine: Engine, key: ConsoleKey) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(psi_results).order_by(psi_results.c.id.desc())).mappings().all()
    return [{"found_at": r["found_at"], "peer": r["peer"],
             "identifier": key.decrypt_text(r["value_enc"], "psi"),
             "contact": key.decrypt_text(r["contact_enc"], "psi")} for r in rows]


# -- responder (B) ------------------------------------------------------------------------------------
@dataclass
class _Session:
    peer: str
    contact: str
    server: Any
    ids: set[str]
    setup: Future[bytes]
    created: float = field(default_factory=time.monotonic)


class Responder:
    """The ``/psi/v1`` endpoint's state in one console process."""

    def __init__(self, engine: Engine, key: ConsoleKey, token: str | None, name: str, contact: str) -> None:
        self.engine, self.key, self.token = engine, key, token
        self.name, self.contact = name, contact
        self.sessions: dict[str, _Session] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="psi")

    def authorised(self, header: str | None) -> bool:
        if not self.token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode(), self.token.encode())

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self.sessions.items() if now - v.created > SESSION_TTL]:
            self.sessions.pop(sid, None)

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        psi = _psi()
        client_size = int(body.get("size") or 0)
        if not 0 < client_size <= MAX_SET:
            raise BadAnswers("size out of range", "size")
        server = psi.server.CreateWithNewKey(True)
        own: set[str] = set()

        def setup() -> bytes:  # in the background: A encrypts its own set meanwhile
            ids = own_identifiers(self.engine, self.key)
            own.update(ids)
            elements = _elements(ids, padded_size(len(ids)))
            msg = server.CreateSetupMessage(1e-9, client_size, elements, psi.DataStructure.RAW)
            return bytes(msg.SerializeToString())

        sid = secrets.token_urlsafe(18)
        with self.lock:
            self._expire()
            if len(self.sessions) >= 4:
                raise BadAnswers("too many PSI runs at once; try again later", "session")
            peer, contact = str(body.get("name") or "peer")[:200], str(body.get("contact") or "")[:500]
            self.sessions[sid] = _Session(peer, contact, server, own, self.pool.submit(setup))
        return {"session": sid, "name": self.name}

    def request(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Re-encrypt one chunk of A's request; the first chunk's answer also carries B's setup."""
        psi = _psi()
        session = self.sessions.get(sid)
        if session is None:
            raise BadAnswers("unknown or expired PSI session", "session")
        req = psi.Request()
        req.ParseFromString(base64.b64decode(body["request"]))
        setup = session.setup.result(timeout=SESSION_TTL)  # the key object is not shared across threads
        response = session.server.ProcessRequest(req)
        out = {"response": base64.b64encode(response.SerializeToString()).decode(), "name": self.name,
               "contact": self.contact}
        if int(body.get("chunk") or 0) == 0:
            out["setup"] = base64.b64encode(setup).decode()
        return out

    def result(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            session = self.sessions.pop(sid, None)
        if session is None:
            raise BadAnswers("unknown or expired PSI session", "session")
        session.setup.result(timeout=SESSION_TTL)  # the own set is complete once the setup is
        claimed = [str(i) for i in body.get("shared") or []]
        shared = sorted({i for i in claimed if i in session.ids})
        _record(self.engine, self.key, f"{session.peer} (asked us)", session.contact, shared)
        return {"recorded": len(shared)}


# -- initiator (A) ------------------------------------------------------------------------------------
def run(engine: Engine, key: ConsoleKey, peer: str, token: str, name: str, contact: str,
        timeout: float = 600.0) -> dict[str, Any]:
    """Find the identifiers this console and ``peer`` have in common; both sides record them."""
    import httpx

    psi = _psi()
    base = check_peer_url(peer)
    if not token:
        raise BadAnswers(f"Give the token agreed with the peer (--peer-token or {TOKEN_ENV}).", "peer-token")
    ids = own_identifiers(engine, key)
    elements = _elements(ids, padded_size(len(ids)))
    headers = {"Authorization": f"Bearer {token}"}
    client = psi.client.CreateWithNewKey(True)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=timeout, trust_env=False) as http:
            started = http.post("/psi/v1/start",
                                json={"size": len(elements), "name": name, "contact": contact})
            if started.status_code in (401, 403):
                raise HavenError("The peer console refused our token (check the peer token).")
            started.raise_for_status()
            sid = started.json()["session"]
            request = client.CreateRequest(elements)
            chunks = _chunks(psi, request, CHUNKS)

            def post(i: int) -> dict[str, Any]:
                r = http.post(f"/psi/v1/{sid}/request", json={
                    "request": base64.b64encode(chunks[i].SerializeToString()).decode(), "chunk": i})
                r.raise_for_status()
                return dict(r.json())

            # pipelined: B re-encrypts chunk i+1 while A intersects chunk i
            found: list[int] = []
            offset, setup, body = 0, psi.ServerSetup(), {}
            with ThreadPoolExecutor(max_workers=1) as sender:
                pending = sender.submit(post, 0)
                for i, chunk in enumerate(chunks):
                    answer = pending.result()
                    if i + 1 < len(chunks):
                        pending = sender.submit(post, i + 1)
                    if i == 0:
                        body = answer
                        setup.ParseFromString(base64.b64decode(answer["setup"]))
                    response = psi.Response()
                    response.ParseFromString(base64.b64decode(answer["response"]))
                    found += [offset + j for j in client.GetIntersection(setup, response)]
                    offset += len(chunk.encrypted_elements)
            shared = sorted({elements[i][len(PREFIX):] for i in found if elements[i].startswith(PREFIX)})
            http.post(f"/psi/v1/{sid}/result", json={"shared": shared}).raise_for_status()
    except httpx.HTTPError as exc:
        raise HavenError(f"The peer console could not be reached or answered wrongly: {exc}") from exc
    peer_name, peer_contact = str(body.get("name") or base), str(body.get("contact") or "")
    _record(engine, key, peer_name, peer_contact, shared)
    return {"peer": base, "peer_name": peer_name, "contact": peer_contact, "our_identifiers": len(ids),
            "shared": [{"identifier": i, "message": f"{peer_name} also holds a case with this identifier; "
                        f"contact: {peer_contact or 'not given'}"} for i in shared]}
