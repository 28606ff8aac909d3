"""The shared core: registries refuse duplicates, the ledger chain detects tampering, hashing streams."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest

from haven.core.hashing import digest_stream
from haven.core.models import GENESIS, LedgerEntry, verify_chain
from haven.core.registry import Registry


def _chain(n: int) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    prev = GENESIS
    for i in range(n):
        e = LedgerEntry(seq=i, time_utc=datetime(2026, 1, 1, 12, i, tzinfo=UTC), tool_version="t",
                        action="import", params={"n": i}, sha256="ab" * 32, prev_hash=prev).sealed()
        entries.append(e)
        prev = e.entry_hash
    return entries


def test_registry_refuses_duplicates_and_names_known():
    reg: Registry[int] = Registry("widget")
    reg.add("a", 1)
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("a", 2)
    with pytest.raises(KeyError, match="known: a"):
        reg.get("b")
    assert reg.get("a") == 1 and "a" in reg and len(reg) == 1


def test_intact_chain_verifies():
    assert verify_chain(_chain(5)) == []


def test_edited_entry_is_detected():
    chain = _chain(4)
    chain[2] = chain[2].model_copy(update={"params": {"n": 99}})
    problems = verify_chain(chain)
    assert any("entry 2" in p and "edited" in p for p in problems)


def test_deleted_entry_is_detected():
    chain = _chain(4)
    del chain[1]
    assert verify_chain(chain)


def test_reordered_entries_are_detected():
    chain = _chain(4)
    chain[1], chain[2] = chain[2], chain[1]
    problems = verify_chain(chain)
    assert any("reordered" in p or "moved" in p for p in problems)


def test_digest_stream_matches_hashlib():
    data = b"x" * (3 << 20) + b"tail"
    d = digest_stream(io.BytesIO(data), chunk=1 << 16)
    assert d.sha256 == hashlib.sha256(data).hexdigest()
    assert d.md5 == hashlib.md5(data).hexdigest()
    assert d.size == len(data)


def test_is_own_sender_matches_names_and_numbers():
    from haven.core.models import is_own_sender

    me = ["Sam Jones", "+44 7911 123456"]
    assert is_own_sender(me, "sam jones", None)
    assert is_own_sender(me, "07911 123456", None)
    assert is_own_sender(me, None, "+447911123456")
    assert not is_own_sender(me, "Jess", "+447700900123")
    assert not is_own_sender([], "Sam Jones", None)


def test_put_until_stopped_waits_for_room_and_gives_up_when_stopped():
    import queue
    import threading

    from haven.core.queues import put_until_stopped

    q: queue.Queue[int] = queue.Queue(maxsize=1)
    stop = threading.Event()
    assert put_until_stopped(q, 1, stop, wait=0.01)
    threading.Timer(0.05, q.get).start()  # the reader makes room
    assert put_until_stopped(q, 2, stop, wait=0.01)
    assert q.get() == 2
    q.put(3)
    threading.Timer(0.05, stop.set).start()  # the reader stops instead
    assert not put_until_stopped(q, 4, stop, wait=0.01)
    assert q.get() == 3 and q.empty()
