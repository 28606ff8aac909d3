"""The responder's side of a PSI run (force B; the protocol is in ``psi.py``): the state behind the
``/psi/v1`` endpoint in one console process.

B's setup (each of its own padded identifiers under a one-time key) is most of B's work. So B prepares the
next run's setup in the background — at start-up and after every run — with a key kept only in memory and
used for one run only. A run takes it and brings it up to date: identifiers added since are encrypted
then, removed ones dropped, padding topped up or trimmed to the new bucket. The result is the same as a
setup made from scratch with that key; it only costs less at run time.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from haven.console import audit, psi_work
from haven.console.crypto import ConsoleKey
from haven.console.psi import (
    MAX_SET,
    PREFIX,
    SESSION_TTL,
    b64,
    own_identifiers,
    pad,
    padded_size,
    record,
)
from haven.core.errors import BadAnswers

PREPARED_TTL = 6 * 3600.0  # a prepared one-time key is thrown away unused after this long
MAX_SESSIONS = 4


@dataclass
class _Setup:
    """One one-time key and, once worked out, each of B's elements (identifiers and padding) under it."""

    key: bytes
    work: Future[dict[str, bytes]]
    made: float = field(default_factory=time.monotonic)
    _message: bytes | None = None

    def own(self) -> set[str]:
        return {e[len(PREFIX):] for e in self.work.result(timeout=SESSION_TTL) if e.startswith(PREFIX)}

    def message(self) -> bytes:
        if self._message is None:
            self._message = psi_work.setup_message(self.work.result(timeout=SESSION_TTL).values())
        return self._message


@dataclass
class _Session:
    peer: str
    contact: str
    setup: _Setup
    size: int
    used: int = 0
    created: float = field(default_factory=time.monotonic)


class Responder:
    def __init__(self, engine: Engine, key: ConsoleKey, token: str | None, name: str, contact: str) -> None:
        self.engine, self.key, self.token = engine, key, token
        self.name, self.contact = name, contact
        self.sessions: dict[str, _Session] = {}
        self.lock = threading.Lock()
        self.background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="psi")
        self._pool: psi_work.Pool | None = None
        self.prepare = False
        self.prepared: _Setup | None = None

    def begin_preparing(self) -> None:
        """Prepare a setup now and after every run (the serving console's start-up calls this)."""
        self.prepare = bool(self.token)
        if self.prepare:
            self.background.submit(self._prepare)

    @property
    def pool(self) -> psi_work.Pool:
        with self.lock:
            if self._pool is None:
                self._pool = psi_work.Pool()
            return self._pool

    def close(self) -> None:
        self.background.shutdown(wait=False, cancel_futures=True)
        if self._pool is not None:
            self._pool.close()

    def authorised(self, header: str | None) -> bool:
        if not self.token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode(), self.token.encode())

    # -- setups ---------------------------------------------------------------------------------------
    def _compute(self, key: bytes, base: Future[dict[str, bytes]] | None) -> dict[str, bytes]:
        """B's elements under ``key``: those of ``base`` (made earlier with the same key) that still
        belong, and the rest encrypted now."""
        ids = own_identifiers(self.engine, self.key)
        have = base.result() if base is not None else {}
        pads_needed = padded_size(len(ids)) - len(ids)
        wanted = {PREFIX + i for i in ids}
        out = {e: v for e, v in have.items() if e in wanted}
        kept_pads = [e for e in have if not e.startswith(PREFIX)][:pads_needed]
        out.update((e, have[e]) for e in kept_pads)
        new = [e for e in wanted if e not in out] + [pad() for _ in range(pads_needed - len(kept_pads))]
        out.update(zip(new, self.pool.encrypt_each(key, new), strict=True))
        return out

    def _prepare(self) -> None:
        if self.prepared is None:
            key = psi_work.new_key("server")
            made = _Setup(key, self.background.submit(self._compute, key, None))
            with self.lock:
                self.prepared = self.prepared or made

    def _take_setup(self) -> _Setup:
        with self.lock:
            ready, self.prepared = self.prepared, None
        if ready is None or time.monotonic() - ready.made > PREPARED_TTL:
            key, base = psi_work.new_key("server"), None
        else:
            key, base = ready.key, ready.work
        return _Setup(key, self.background.submit(self._compute, key, base))

    # -- the endpoint's three steps -------------------------------------------------------------------
    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self.sessions.items() if now - v.created > SESSION_TTL]:
            self.sessions.pop(sid, None)
            if self.prepare:
                self.background.submit(self._prepare)

    def _session(self, sid: str) -> _Session:
        session = self.sessions.get(sid)
        if session is None:
            raise BadAnswers("unknown or expired PSI session", "session")
        return session

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        client_size = int(body.get("size") or 0)
        if not 0 < client_size <= MAX_SET:
            raise BadAnswers("size out of range", "size")
        with self.lock:
            self._expire()
            if len(self.sessions) >= MAX_SESSIONS:
                raise BadAnswers("too many PSI runs at once; try again later", "session")
        sid = secrets.token_urlsafe(18)
        peer, contact = str(body.get("name") or "peer")[:200], str(body.get("contact") or "")[:500]
        session = _Session(peer, contact, self._take_setup(), client_size)
        with self.lock:
            self.sessions[sid] = session
        audit.record(self.engine, self.key, "peer", "psi-start", peer, size=client_size)
        return {"session": sid, "name": self.name}

    def setup(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        session = self._session(sid)
        return {"setup": b64(session.setup.message()), "name": self.name, "contact": self.contact}

    def request(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Re-encrypt one chunk of A's request (never more elements in all than A's size at the start).
        Without ``setup_apart`` the first chunk's answer also carries the setup (older initiators)."""
        session = self._session(sid)
        request = base64.b64decode(body["request"])
        n = psi_work.count(request)
        with self.lock:
            if session.used + n > session.size:
                raise BadAnswers("more elements than the size given at the start", "request")
            session.used += n
        job = self.pool.submit(psi_work.reencrypt, session.setup.key, request)
        response = job.result(timeout=SESSION_TTL)
        out = {"response": b64(response), "name": self.name, "contact": self.contact}
        if int(body.get("chunk") or 0) == 0 and not body.get("setup_apart"):
            out.update(self.setup(sid, body))
        return out

    def result(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            session = self.sessions.pop(sid, None)
        if session is None:
            raise BadAnswers("unknown or expired PSI session", "session")
        own = session.setup.own()
        claimed = [str(i) for i in body.get("shared") or []]
        shared = sorted({i for i in claimed if i in own})
        record(self.engine, self.key, f"{session.peer} (asked us)", session.contact, shared)
        if self.prepare:
            self.background.submit(self._prepare)
        return {"recorded": len(shared)}
