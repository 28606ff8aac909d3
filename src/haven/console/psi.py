"""Across forces without sharing victims' data: ECDH private set intersection (OpenMined's ``openmined-psi``,
reveal-intersection mode) over the normalised offender identifiers of two consoles.

Protocol (docs/console-threat-model.md has the threat model), initiator A (``run`` here), responder B
(``psi_peer.Responder``):

1. A starts encrypting its own (padded, shuffled) set under a fresh one-time key — H(x)^a, in chunks, on
   every core (``psi_work``) — and meanwhile ``POST /psi/v1/start`` {padded size, A's name and contact}.
   B takes a one-time key and its *setup* H(y)^b over its own padded set: prepared in the background
   since B's last run and brought up to date now (only identifiers added since are encrypted now).
2. A sends each chunk as soon as it is encrypted (``POST /psi/v1/{session}/request``, two in flight); B
   answers (H(x)^a)^b in the same order. A fetches the setup once (``POST /psi/v1/{session}/setup``).
3. A removes its own exponent from each answer (H(x)^b), looks it up in the setup: that is the
   intersection. A tells B (``POST /psi/v1/{session}/result`` {identifiers}); B keeps only those in its
   own set (so a lying A cannot add to what B records) and records them.

Each request carries ``Authorization: Bearer <peer token>``, a secret the two forces agreed; B compares it
in constant time. Sets are padded with random elements to a size bucket, so the exact count of
identifiers is not revealed either; B re-encrypts no more elements than the size A gave at the start.
Every key is used for one run only: two runs cannot be linked element by element.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, insert, select

from haven.console import audit, psi_work
from haven.console.crypto import ConsoleKey
from haven.console.db import identifiers, psi_results
from haven.core.errors import BadAnswers, HavenError

PREFIX = "haven-psi/1|"
TOKEN_ENV = "HAVEN_CONSOLE_PEER_TOKEN"
MAX_SET = 4_000_000
SESSION_TTL = 600.0
IN_FLIGHT = 2  # request chunks on their way at once: B re-encrypts one while the next travels


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


def pad() -> str:
    """A padding element: random, so it meets nothing on the other side."""
    return f"pad|{secrets.token_hex(16)}"


def elements(ids: list[str], size: int) -> list[str]:
    """The PSI elements: one per identifier, then random padding up to ``size``, in a random order."""
    out = [PREFIX + i for i in ids] + [pad() for _ in range(size - len(ids))]
    secrets.SystemRandom().shuffle(out)
    return out


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


def record(engine: Engine, key: ConsoleKey, peer: str, contact: str, shared: list[str]) -> None:
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


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- initiator (A) ------------------------------------------------------------------------------------
def run(engine: Engine, key: ConsoleKey, peer: str, token: str, name: str, contact: str,
        timeout: float = 600.0, pool: psi_work.Pool | None = None) -> dict[str, Any]:
    """Find the identifiers this console and ``peer`` have in common; both sides record them."""
    import httpx

    base = check_peer_url(peer)
    if not token:
        raise BadAnswers(f"Give the token agreed with the peer (--peer-token or {TOKEN_ENV}).", "peer-token")
    own_pool = pool is None
    work = pool or psi_work.Pool()
    try:
        ids = own_identifiers(engine, key)
        els = elements(ids, padded_size(len(ids)))
        secret = psi_work.new_key("client")
        chunks = psi_work.parts(els)
        encrypted = [work.submit(psi_work.encrypt, secret, c) for c in chunks]  # starts at once
        shared, body = _exchange(httpx, base, token, name, contact, timeout, work, secret, els, chunks,
                                 encrypted)
    finally:
        if own_pool:
            work.close()
    peer_name, peer_contact = str(body.get("name") or base), str(body.get("contact") or "")
    record(engine, key, peer_name, peer_contact, shared)
    return {"peer": base, "peer_name": peer_name, "contact": peer_contact, "our_identifiers": len(ids),
            "shared": [{"identifier": i, "message": f"{peer_name} also holds a case with this identifier; "
                        f"contact: {peer_contact or 'not given'}"} for i in shared]}


def _exchange(httpx: Any, base: str, token: str, name: str, contact: str, timeout: float,
              work: psi_work.Pool, secret: bytes, els: list[str], chunks: list[list[str]],
              encrypted: list[Future[bytes]]) -> tuple[list[str], dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=timeout, trust_env=False) as http:
            started = http.post("/psi/v1/start", json={"size": len(els), "name": name, "contact": contact})
            if started.status_code in (401, 403):
                raise HavenError("The peer console refused our token (check the peer token).")
            started.raise_for_status()
            sid = started.json()["session"]

            def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
                r = http.post(f"/psi/v1/{sid}/{path}", json=payload)
                r.raise_for_status()
                return dict(r.json())

            def send(i: int) -> bytes:
                answer = post("request", {"request": b64(encrypted[i].result()), "chunk": i,
                                          "setup_apart": True})
                return base64.b64decode(answer["response"])

            with ThreadPoolExecutor(max_workers=IN_FLIGHT + 1) as net:
                got_setup = net.submit(post, "setup", {})
                answers = [net.submit(send, i) for i in range(len(chunks))]
                body = got_setup.result()
                setup = base64.b64decode(body["setup"])
                found = [work.submit(psi_work.intersect, secret, setup, a.result()) for a in answers]
                shared: set[str] = set()
                for chunk, positions in zip(chunks, found, strict=True):
                    shared.update(chunk[j][len(PREFIX):] for j in positions.result()
                                  if chunk[j].startswith(PREFIX))
            out = sorted(shared)
            post("result", {"shared": out})
    except httpx.HTTPError as exc:
        raise HavenError(f"The peer console could not be reached or answered wrongly: {exc}") from exc
    return out, body
