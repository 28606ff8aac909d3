"""Small durable-file helpers for the vault: atomic replace, directory fsync, best-effort secure delete,
read-only opening of originals, and clean-up of temporary files left by a killed process.

Only ciphertext or public parameters are ever written through these helpers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO

TMP_SUFFIX = ".part"


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (POSIX: fsync the directory itself)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def tmp_path(directory: Path) -> Path:
    """A fresh temporary file name in ``directory``, tagged with our pid so a sweep knows if it is stale."""
    return directory / f"{os.getpid()}.{secrets.token_hex(8)}{TMP_SUFFIX}"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a crash leaves either the old or the new file, never a mix."""
    tmp = tmp_path(path.parent)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def secure_delete(path: Path) -> bool:
    """Overwrite a file with random bytes, fsync, then unlink it. Returns False if it did not exist.

    Best effort: on SSDs, copy-on-write or journaling file systems the old blocks may survive. The files
    this is used on hold ciphertext only, so what could survive is still encrypted.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError), open(path, "r+b") as fh:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            fh.write(secrets.token_bytes(n))
            left -= n
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_tmp(directory: Path) -> int:
    """Remove ``*.part`` files whose writing process is gone (a killed import). Returns how many."""
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if not entry.name.endswith(TMP_SUFFIX):
            continue
        try:
            pid = int(entry.name.split(".", 1)[0])
        except ValueError:
            pid = -1
        if pid <= 0 or not _pid_alive(pid):
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def open_original(path: Path) -> BinaryIO:
    """Open an original read-only, without updating its access time where the OS allows it."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags | noatime)
    except PermissionError:
        # O_NOATIME is only allowed for the file's owner; fall back to a plain read-only open.
        fd = os.open(path, flags)
    return os.fdopen(fd, "rb")


def clear_interrupted_create(root: Path, db_files: set[str]) -> None:
    """A ``create`` stopped before it wrote ``vault.json`` leaves an unusable, evidence-free folder (no
    header, no blob): remove what it wrote so the case can be created again."""
    leftovers = {*db_files, "ledger.head", "blobs", "tmp"}
    if not root.is_dir() or (root / "vault.json").exists():
        return
    entries = list(root.iterdir())
    if not entries or {e.name for e in entries} - leftovers:
        return
    if any(p.is_file() for d in ("blobs", "tmp") for p in (root / d).rglob("*")):
        return
    for entry in entries:
        if entry.is_dir():
            for sub in sorted(entry.rglob("*"), reverse=True):
                sub.rmdir()
            entry.rmdir()
        else:
            entry.unlink()
