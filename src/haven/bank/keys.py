"""API keys: one per platform or tool, each with a role; only a SHA-256 of the key is stored.

Keys are 256-bit random tokens, so a fast hash is the right way to store them (a slow password hash such as
argon2 protects low-entropy secrets like the case PIN, and would cap the match rate). Lookups are cached
in memory for a few seconds.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select

from haven.bank.db import api_keys


class Role(StrEnum):
    submitter = "submitter"  # creates, reads and withdraws cases (a victim-facing intake)
    matcher = "matcher"  # a platform: matches uploads, gives feedback, registers webhooks
    curator = "curator"  # runs the bank: cases and matching
    admin = "admin"  # everything, including keys


# What each role may do. Routes name an action; admin may do all.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "cases": frozenset({Role.submitter, Role.curator, Role.admin}),
    "match": frozenset({Role.matcher, Role.curator, Role.admin}),
    "feedback": frozenset({Role.matcher, Role.curator, Role.admin}),
    "webhooks": frozenset({Role.matcher, Role.curator, Role.admin}),
    "status": frozenset(Role),
    "curate": frozenset({Role.curator, Role.admin}),  # banks and their content (the HMA /c/ routes)
    "feed": frozenset({Role.matcher, Role.curator, Role.admin}),  # download the bank (GET /v1/feed)
    "keys": frozenset({Role.admin}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (the platform) and role."""

    key_id: int
    name: str
    role: Role


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, name: str, role: Role | str) -> str:
    """Store a new key and return it (shown once; only its hash is kept)."""
    role = Role(role)
    if not name.strip():
        raise ValueError("a key needs a name (the platform or tool that uses it)")
    key = "hvn_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(api_keys).values(
                name=name.strip(),
                role=role.value,
                key_hash=hash_key(key),
                created_at=datetime.now(UTC),
                revoked=False,
            )
        )
    return key


class KeyCache:
    """Key hash -> Principal, re-read from the database after ``ttl`` seconds (new keys work at once:
    a miss always reads the database)."""

    def __init__(self, engine: Engine, ttl: float = 10.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_keys.c.id, api_keys.c.name, api_keys.c.role, api_keys.c.revoked).where(
                    api_keys.c.key_hash == digest
                )
            ).first()
        principal = None if row is None or row.revoked else Principal(row.id, row.name, Role(row.role))
        with self._lock:
            if len(self._cache) > 10_000:  # bounded: garbage keys cannot grow it without limit
                self._cache.clear()
            self._cache[digest] = (now, principal)
        return principal
