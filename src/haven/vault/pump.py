"""The one-pass pipeline that hashes a stream (SHA-256 and MD5) and seals it into a blob file.

A ring of ``RING`` reused read buffers: the calling thread reads the next block straight into one, while
two helper threads hash the blocks already read (MD5 in one, SHA-256 in the other: hashlib releases the
GIL, and each keeps its blocks in order); then it seals each block with AES-256-GCM (``_Sealer``, the
chunk format of ``blobs``) and writes it. MD5, the slowest, sets the pace; nothing is copied between
buffers and memory stays flat (a few MiB per thread, reused).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.core.hashing import FileDigest
from haven.vault.direct import StagedWriter, staging_buffers

CHUNK = 1 << 20
TAG = 16
BLOCK = CHUNK
"""Bytes read, hashed and sealed per step (whole chunks: the on-disk chunking is unchanged)."""
RING = 8
"""Read buffers in flight between this thread and the hashing threads."""
INLINE = 256 << 10
"""Files smaller than this are hashed in the calling thread alone (a hand-off would cost more)."""


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


_pools: dict[str, ThreadPoolExecutor] = {}
_helper_lock = threading.Lock()


def _named_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """A long-lived thread pool, started on first use (starting a thread per file would cost more)."""
    with _helper_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        return pool


def _syncer() -> ThreadPoolExecutor:
    """Two threads that wait on ``fdatasync`` (no CPU: the GIL is released)."""
    return _named_pool("haven-fsync", 2)


def _pool(name: str) -> ThreadPoolExecutor:
    """One helper thread (for one of the hashes: each hash's blocks must go in order)."""
    return _named_pool(name, 1)


def _forget_helper() -> None:  # a forked child has no helper threads: it starts its own
    global _pools, _helper_lock
    _pools, _helper_lock = {}, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_helper)


class _Sealer:
    """Seals chunks straight into the file's staging buffers (``direct.StagedWriter``: written around
    the page cache, by a helper thread, where the file system allows it)."""

    def __init__(self, fd: int, aead: AESGCM, header: bytes) -> None:
        self.aead = aead
        self.header = header
        self.index = 0
        self.out = StagedWriter(fd, _buffers().stages, lambda: _pool("haven-write"))
        self.out.reserve(len(header))[:] = header
        self.out.push(len(header))

    def seal_and_write(self, plain: memoryview, final: bool) -> None:
        """``plain`` is whole CHUNKs (the last may be short only when ``final``)."""
        for start in range(0, max(len(plain), 1), CHUNK):
            part = plain[start : start + CHUNK]
            last = final and start + CHUNK >= len(plain)
            n = len(part) + TAG
            self.aead.encrypt_into(_nonce(self.index, last), part, self.header, self.out.reserve(n))
            self.out.push(n)
            self.index += 1
        if final:
            self.out.finish()

    def drain(self) -> None:
        """Wait for the helper's writes (before the file is closed on the way out of an error)."""
        self.out.drain()


class _Buffers(threading.local):
    """This thread's reused read and ciphertext buffers (allocating and zeroing 4 MiB per file, then
    faulting its pages in, costs more than hashing a small file). One ``put`` at a time per thread."""

    def __init__(self) -> None:
        self.plain = [bytearray(BLOCK) for _ in range(RING)]
        self.stages = staging_buffers(BLOCK // CHUNK * (CHUNK + TAG))


_local: _Buffers | None = None


def _buffers() -> _Buffers:
    global _local
    if _local is None:
        _local = _Buffers()
    return _local


def _fill(stream: BinaryIO, buf: bytearray) -> int:
    """Read up to ``len(buf)`` bytes into ``buf`` (short only at the end); the byte count."""
    view = memoryview(buf)
    got = 0
    readinto = getattr(stream, "readinto", None)
    while got < len(buf):
        if readinto is not None:
            n = readinto(view[got:])
        else:
            data = stream.read(len(buf) - got)
            n = len(data)
            view[got : got + n] = data
        if not n:
            break
        got += n
    return got


def _pump(stream: BinaryIO, sink: _Sealer | None, progress: Callable[[int], None] | None) -> FileDigest:
    """Hash ``stream`` (and seal it into ``sink``) in BLOCKs; see ``BlobStore.put``.

    A ring of ``RING`` plain buffers. Block ``k`` is queued for two helper threads (MD5 in one, SHA-256
    in the other: hashlib releases the GIL, and each keeps its blocks in order); this thread reads block
    ``k + 1`` into the next buffer (waiting first, if it is that far ahead, until the hashes of the block
    that buffer held are done), then seals and writes block ``k`` (knowing now whether it is the last).
    The ring keeps each thread fed while another is descheduled (a loaded machine), so the slowest hash
    (MD5) sets the pace, and nothing is copied between buffers."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    plain = _buffers().plain
    n = _fill(stream, plain[0])
    if n < INLINE:  # a small file: all in this thread
        block = memoryview(plain[0])[:n]
        sha.update(block)
        md5.update(block)
        if sink is not None:
            sink.seal_and_write(block, True)
        if progress is not None and n:
            progress(n)
        return FileDigest(sha.hexdigest(), md5.hexdigest(), n)
    md5_pool, sha_pool = _pool("haven-md5"), _pool("haven-sha256")
    hashing: deque[tuple[Future[None], Future[None]]] = deque()
    k = 0
    try:
        while True:
            block = memoryview(plain[k % RING])[:n]
            hashing.append((md5_pool.submit(md5.update, block), sha_pool.submit(sha.update, block)))
            if len(hashing) == RING:  # the next buffer still holds block k + 1 - RING
                for done in hashing.popleft():
                    done.result()
            nxt = _fill(stream, plain[(k + 1) % RING]) if n == BLOCK else 0
            if sink is not None:
                sink.seal_and_write(block, nxt == 0)
            size += n
            if progress is not None:
                progress(n)
            if nxt == 0:
                break
            n, k = nxt, k + 1
    finally:  # never return (or raise) while a helper still reads a buffer or writes the file
        for pair in hashing:
            for done in pair:
                done.result()
        if sink is not None:
            sink.drain()
    return FileDigest(sha.hexdigest(), md5.hexdigest(), size)
