"""Streaming file hashing shared by the vault, the package manifest and image protection."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    md5: str
    size: int


def digest_stream(stream: BinaryIO, chunk: int = CHUNK) -> FileDigest:
    """SHA-256 and MD5 of a binary stream in one pass, without holding it in memory.

    hashlib releases the GIL on large buffers, so MD5 runs on a helper thread over the same block while
    this thread computes SHA-256 (two blocks in memory at most: flat memory)."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    block = stream.read(chunk)
    if len(block) < chunk:  # small input: threads cost more than they save
        sha.update(block)
        md5.update(block)
        return FileDigest(sha.hexdigest(), md5.hexdigest(), len(block))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="haven-md5") as pool:
        while block:
            pending = pool.submit(md5.update, block)
            sha.update(block)
            size += len(block)
            pending.result()
            block = stream.read(chunk)
    return FileDigest(sha.hexdigest(), md5.hexdigest(), size)


def digest_file(path: str | Path) -> FileDigest:
    with open(path, "rb") as fh:
        return digest_stream(fh)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
