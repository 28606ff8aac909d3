"""The content-addressed, encrypted blob store that keeps copies of the originals.

Format of one blob file (``blobs/<2 hex>/<62 hex>``):

* an 8-byte magic ``HVNBLOB1`` and a random 32-byte salt (the blob's own key is HKDF(blob key, salt), so
  no two blobs share a key and nonces can be counters),
* then the content in 1 MiB chunks, each sealed with AES-256-GCM. Following the STREAM construction, each
  chunk's nonce is its index (11 bytes) plus a final-chunk flag (1 byte), and the magic and salt are the
  associated data: a truncated, reordered, swapped or edited chunk fails to decrypt.

The file name is HMAC-SHA256(name key, SHA-256 of the plaintext), so a directory listing does not reveal
which known images are in the vault, while identical content still lands on one name (de-duplication).
Blobs are written to ``tmp/`` first, fsynced, then renamed into place: a crash leaves either no blob or a
whole one. Inside a write transaction (``WriteTxn``) the fsyncs are batched: the transaction's blob files
are written to ``tmp/``, then, just before the commit that references them, all of them are fsynced at
once, renamed into place and their directories fsynced (``PendingBlobs``), so the database never
references a blob that is not durable, and a kill before the commit leaves only ``tmp/`` files (swept).
A blob that no database row references (a killed import) is harmless: the next import of the same
content reuses it and ``verify`` ignores it.

Written by hand because no maintained Python library offers chunked, streaming AEAD files with a
final-chunk flag; the primitives themselves come from ``cryptography``.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import io
import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haven.core.errors import HavenError
from haven.core.hashing import FileDigest
from haven.vault.fsutil import fsync_dir, secure_delete, tmp_path
from haven.vault.pump import CHUNK, TAG, _nonce, _pump, _Sealer, _syncer

MAGIC = b"HVNBLOB1"
SALT_SIZE = 32
HEADER_SIZE = len(MAGIC) + SALT_SIZE


class BlobDamaged(HavenError):
    """A stored copy failed its authentication or hash check (changed, cut or damaged on disk)."""

    exit_code = 1


class BlobStore:
    """Encrypted, content-addressed copies of evidence files inside a case directory."""

    def __init__(self, root: Path, blob_key: bytes, name_key: bytes) -> None:
        self.root = root
        self.blob_dir = root / "blobs"
        self.tmp_dir = root / "tmp"
        self._blob_key = blob_key
        self._name_key = name_key
        self._pending: PendingBlobs | None = None

    def deferring(self, pending: PendingBlobs) -> BlobStore:
        """This store, with new blobs made durable by ``pending.flush()`` (one transaction's batch)."""
        view = copy.copy(self)
        view._pending = pending
        return view

    def ensure_dirs(self) -> None:
        self.blob_dir.mkdir(mode=0o700, exist_ok=True)
        self.tmp_dir.mkdir(mode=0o700, exist_ok=True)

    # -- naming -------------------------------------------------------------------------------------
    def path_for(self, sha256: str) -> Path:
        name = hmac.new(self._name_key, sha256.encode(), hashlib.sha256).hexdigest()
        return self.blob_dir / name[:2] / name[2:]

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def _aead(self, salt: bytes) -> AESGCM:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"haven blob chunk key v1").derive(
            self._blob_key
        )
        return AESGCM(key)

    # -- writing ------------------------------------------------------------------------------------
    def put(
        self,
        stream: BinaryIO,
        *,
        store: bool = True,
        progress: Callable[[int], None] | None = None,
        keep: Callable[[str], bool] | None = None,
    ) -> tuple[FileDigest, bool]:
        """Hash ``stream`` while encrypting it into the store. Returns the digest and whether a new blob
        file was created (False when the content was already stored, or when ``store`` is False: then the
        stream is only hashed and nothing is written at all). ``keep(sha256)`` is asked before the blob is
        put in place; if it says False the encrypted temporary file is dropped (a minor's known intimate
        image met again).

        One pass over reused buffers (flat memory, read ``BLOCK`` at a time straight into them): while
        two helper threads compute MD5 and SHA-256 of a block (hashlib releases the GIL), this thread
        reads the next block and seals this one, which a third writes around the page cache where the
        file system allows (see ``pump`` and ``direct``). One ``fdatasync``
        before the rename makes the blob durable; in a store from ``deferring`` that fsync and the
        rename wait for ``PendingBlobs.flush`` (batched).
        (Starting writeback early with ``sync_file_range`` was tried: no faster here, more CPU.)"""
        pending = self._pending
        fd: int | None = None
        tmp: Path | None = None
        sink: _Sealer | None = None
        if store:
            salt = os.urandom(SALT_SIZE)
            tmp = tmp_path(self.tmp_dir)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            sink = _Sealer(fd, self._aead(salt), MAGIC + salt)
        try:
            digest = _pump(stream, sink, progress)
            if fd is None or tmp is None:
                return digest, False
            target = self.path_for(digest.sha256)
            if target.is_file() or (keep is not None and not keep(digest.sha256)):
                return digest, False
            if pending is not None:
                if pending.holds(target):
                    return digest, False
                pending.add(tmp, target, fd, digest.size)
                fd, tmp = None, None  # the batch owns them now
                return digest, True
            os.fdatasync(fd)  # a new file: its size and blocks are flushed too
            os.close(fd)
            fd = None
            target.parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(tmp, target)
            fsync_dir(target.parent)
            return digest, True
        finally:
            if fd is not None:
                os.close(fd)
            if tmp is not None and tmp.exists():
                tmp.unlink(missing_ok=True)

    def remove(self, sha256: str) -> bool:
        """Overwrite and delete the stored copy of ``sha256`` (see ``fsutil.secure_delete``)."""
        return secure_delete(self.path_for(sha256))

    # -- reading ------------------------------------------------------------------------------------
    def open(self, sha256: str, size: int | None = None) -> BinaryIO:
        """A streaming, decrypting reader. Raises ``BlobDamaged`` while reading if anything is wrong,
        including (at the end) a SHA-256 or size that does not match."""
        path = self.path_for(sha256)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - owned by the reader
        except FileNotFoundError:
            raise BlobDamaged(f"The stored copy of item {sha256[:12]}… is missing from the vault.") from None
        return io.BufferedReader(_BlobReader(fh, self, sha256, size), buffer_size=CHUNK)

    def check(self, sha256: str, size: int | None = None) -> str | None:
        """Decrypt and re-hash a stored copy; None if it is intact, else what is wrong."""
        try:
            with self.open(sha256, size) as reader:
                while reader.read(CHUNK):
                    pass
        except BlobDamaged as exc:
            return exc.message
        return None


class PendingBlobs:
    """Blob files one transaction wrote to ``tmp/``, made durable together just before its commit.

    Each file's ``fdatasync`` starts in the background as soon as it is written (so it overlaps the
    hashing of the next file and the transaction's own work); ``flush`` waits for all of them, only
    then renames the files into place, then fsyncs each directory that gained a name once (and
    ``blobs/`` if a sub-directory was created). ``discard`` drops them (a rolled-back transaction)."""

    def __init__(self, blob_dir: Path) -> None:
        self._blob_dir = blob_dir
        self._files: list[tuple[Path, Path, Future[None]]] = []
        self._targets: set[Path] = set()
        self.bytes = 0
        """Plaintext bytes of the files added (what a grouped transaction is bounded by)."""

    def __len__(self) -> int:
        return len(self._files)

    def holds(self, target: Path) -> bool:
        return target in self._targets

    def add(self, tmp: Path, target: Path, fd: int, size: int = 0) -> None:
        """Take over ``fd`` (the written temporary file ``tmp``): synced, then closed, in the background."""
        self._files.append((tmp, target, _syncer().submit(_sync_and_close, fd)))
        self._targets.add(target)
        self.bytes += size

    def mark(self) -> int:
        """A point to go back to with ``discard_from`` (a nested transaction's start)."""
        return len(self._files)

    def discard_from(self, mark: int) -> None:
        """Drop the files added since ``mark`` (a nested transaction rolled back); keep the others."""
        dropped, self._files = self._files[mark:], self._files[:mark]
        self._targets = {target for _, target, _ in self._files}
        for tmp, _, done in dropped:
            with contextlib.suppress(Exception):
                done.result()
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _settle(self) -> list[tuple[Path, Path]]:
        files, self._files, self._targets, self.bytes = self._files, [], set(), 0
        errors = [f.exception() for _, _, f in files]  # waits for every sync, even after a failure
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            for tmp, _, _ in files:
                tmp.unlink(missing_ok=True)
            raise first
        return [(tmp, target) for tmp, target, _ in files]

    def flush(self) -> None:
        dirs: set[Path] = set()
        new_dir = False
        for tmp, target in self._settle():
            if target.parent not in dirs and not target.parent.is_dir():
                target.parent.mkdir(mode=0o700, exist_ok=True)
                new_dir = True
            dirs.add(target.parent)
            os.replace(tmp, target)
        for directory in sorted(dirs):
            fsync_dir(directory)
        if new_dir:
            fsync_dir(self._blob_dir)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            for tmp, _ in self._settle():
                tmp.unlink(missing_ok=True)


def _sync_and_close(fd: int) -> None:
    try:
        os.fdatasync(fd)  # a new file: its size and blocks are flushed too
    finally:
        os.close(fd)


class _BlobReader(io.RawIOBase):
    def __init__(self, fh: BinaryIO, store: BlobStore, sha256: str, size: int | None) -> None:
        super().__init__()
        self._fh = fh
        self._sha256 = sha256
        self._size = size
        self._hash = hashlib.sha256()
        self._seen = 0
        self._index = 0
        self._buf = b""
        self._pos = 0
        self._done = False
        self._label = f"item {sha256[:12]}…"
        header = fh.read(HEADER_SIZE)
        if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
            fh.close()
            raise BlobDamaged(f"The stored copy of {self._label} is damaged (bad header).")
        self._header = header
        self._aead = store._aead(header[len(MAGIC) :])
        self._pending = fh.read(CHUNK + TAG)

    def readable(self) -> bool:
        return True

    def _fail(self, why: str) -> None:
        raise BlobDamaged(f"The stored copy of {self._label} {why}.")

    def _next_chunk(self) -> None:
        if self._done:
            return
        current = self._pending
        nxt = self._fh.read(CHUNK + TAG) if len(current) == CHUNK + TAG else b""
        final = not nxt
        if len(current) < TAG:
            self._fail("was cut short")
        try:
            plain = self._aead.decrypt(_nonce(self._index, final), current, self._header)
        except InvalidTag:
            self._fail("was changed, cut or damaged (it fails its authentication check)")
        self._hash.update(plain)
        self._seen += len(plain)
        self._index += 1
        self._pending = nxt
        self._buf, self._pos = plain, 0
        if final:
            self._done = True
            if self._hash.hexdigest() != self._sha256:
                self._fail("does not match its recorded SHA-256")
            if self._size is not None and self._seen != self._size:
                self._fail(f"has {self._seen} bytes, expected {self._size}")

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._pos >= len(self._buf):
            if self._done:
                return 0
            self._next_chunk()
        n = min(len(buffer), len(self._buf) - self._pos)
        buffer[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()
