"""A signed, paged feed of the bank's changes, so a platform can keep a local copy and match on its side
(as StopNCII's partners do with ``FetchHashes``).

``GET /v1/feed?since=CHECKPOINT&limit=N`` answers the changes after ``CHECKPOINT`` in the order they were
made (the ``events`` sequence: stable, never reordered), at most ``N`` (default and cap 10,000) per page::

    {"format": "haven-feed/1", "since": 0, "next": 812, "more": true,
     "changes": [[seq, "add", signal_id, bank, signal_type, value], [seq, "remove", signal_id, bank,
                  signal_type, null], ...]}

Pass ``next`` as the following ``since``; a client that stops (or is killed) resumes from the last page it
kept. A withdrawn signal's value is never sent again: its ``remove`` names only the id.

Signature: **Ed25519** over the exact response body bytes, hex in the ``X-Haven-Feed-Signature`` header.
The bank's public key is at ``GET /v1/feed/key``; the signing key is made once and kept in the bank
database (``bank_meta``), so every worker signs with the same key.
"""

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import Engine, insert, select

from haven.bank.db import bank_meta
from haven.bank.keys import Principal

FORMAT = "haven-feed/1"
PAGE = 10_000
SIGNATURE_HEADER = "X-Haven-Feed-Signature"
_META_KEY = "feed_signing_key"


def signing_key(engine: Engine) -> Ed25519PrivateKey:
    """The bank's feed key (made on first use; one per database)."""
    with engine.begin() as conn:
        found = conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == _META_KEY)).scalar()
        if found is None:
            raw = Ed25519PrivateKey.generate().private_bytes_raw().hex()
            try:
                conn.execute(insert(bank_meta).values(key=_META_KEY, value=raw))
                found = raw
            except Exception:  # another worker made it at the same moment: use theirs
                found = None
    if found is None:
        with engine.connect() as conn:
            found = conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == _META_KEY)).scalar_one()
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(str(found)))


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def verify(public_key_hex: str, body: bytes, signature_hex: str) -> bool:
    """True when ``signature_hex`` is the bank's Ed25519 signature of ``body``."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), body
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def page(engine: Engine, since: int, limit: int = PAGE) -> dict[str, Any]:
    """The changes after ``since`` (at most ``limit``), oldest first.

    Keyset paging on the events' primary key (``seq > since ORDER BY seq LIMIT``: an index range, the
    same cost on the last page as on the first), read through the driver's cursor as plain tuples (a
    withdrawn signal's value is blanked in SQL), which ``orjson`` writes as arrays: no per-row objects."""
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(
                "SELECT e.seq, e.op, s.id, s.bank, s.signal_type, "
                "CASE WHEN e.op = 'add' THEN s.value END "
                f"FROM events e JOIN signals s ON s.id = e.signal_id WHERE e.seq > {mark} "
                f"ORDER BY e.seq LIMIT {mark}",
                (since, limit + 1),
            )
            rows = cur.fetchall()
        finally:
            cur.close()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "format": FORMAT,
        "since": since,
        "next": rows[-1][0] if rows else since,
        "more": more,
        "changes": rows,
    }


def make_router(engine: Engine, allowed: Callable[[str], Any]) -> APIRouter:
    r = APIRouter()
    key = signing_key(engine)
    public = public_hex(key)
    Reader = Annotated[Principal, Depends(allowed("feed"))]

    @r.get("/v1/feed/key", tags=["feed"])
    def feed_key(who: Reader) -> dict[str, str]:
        """The public key that verifies ``X-Haven-Feed-Signature`` (Ed25519, raw 32 bytes as hex)."""
        return {"algorithm": "Ed25519", "public_key": public}

    @r.get("/v1/feed", tags=["feed"])
    def feed(
        who: Reader,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE)] = PAGE,
    ) -> Response:
        """Adds and withdrawals after ``since``, in order, signed (see the module text)."""
        body = orjson.dumps(page(engine, since, limit))  # ~10x the json module on a 10,000-change page
        return Response(body, media_type="application/json", headers={SIGNATURE_HEADER: key.sign(body).hex()})

    return r
