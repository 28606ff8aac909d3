"""Streaming file hashing shared by the vault, the package manifest and image protection."""

from __future__ import annotations

import hashlib
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
    """SHA-256 and MD5 of a binary stream in one pass, without holding it in memory."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    while block := stream.read(chunk):
        sha.update(block)
        md5.update(block)
        size += len(block)
    return FileDigest(sha.hexdigest(), md5.hexdigest(), size)


def digest_file(path: str | Path) -> FileDigest:
    with open(path, "rb") as fh:
        return digest_stream(fh)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
