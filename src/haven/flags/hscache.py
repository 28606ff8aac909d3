"""Compiled Hyperscan databases of the red-flag prefilter (:mod:`haven.flags.prefilter`), kept between
runs: compiling the lexicon's patterns costs about 4 CPU-s, loading a kept database a few ms. A kept
database is named by a hash of the patterns, flags, Hyperscan version and CPU type, so a changed lexicon
compiles afresh; a file that is damaged, foreign or unreadable is ignored (then the patterns are compiled
again), and a cache dir that cannot be written only costs the compile.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path

try:
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None  # type: ignore[assignment]

_CACHE_MAGIC = b"haven-hyperscan-1\n"


def cache_dir() -> Path:
    """Where compiled Hyperscan databases are kept between runs: ``$HAVEN_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/haven``, else ``~/.cache/haven``. The files hold only the lexicon's compiled
    patterns (no message text), named by a hash of the patterns, flags and Hyperscan version."""
    given = os.environ.get("HAVEN_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "haven"


def cache_key(exprs: list[bytes], flags: int) -> str:
    h = hashlib.sha256()
    h.update(f"{getattr(_hs, '__version__', '')}|{platform.machine()}|{flags}|{len(exprs)}".encode())
    for e in exprs:
        h.update(len(e).to_bytes(4, "little"))
        h.update(e)
    return h.hexdigest()[:32]


def load_cached(key: str) -> tuple[object, list[int], set[int]] | None:
    """A database compiled by an earlier run (about 4 CPU-s saved), or ``None``: absent, unreadable,
    from another Hyperscan or CPU (``loadb`` refuses it), or not this key."""
    try:
        blob = (cache_dir() / f"hyperscan-{key}.db").read_bytes()
        if not blob.startswith(_CACHE_MAGIC):
            return None
        head, _, body = blob[len(_CACHE_MAGIC) :].partition(b"\n")
        meta = json.loads(head)
        if meta.get("key") != key:
            return None
        db = _hs.loadb(body, _hs.HS_MODE_BLOCK)
        db.scratch = _hs.Scratch(db)  # a loaded database comes without one
        return db, [int(i) for i in meta["owner"]], {int(i) for i in meta["always"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, _hs.error):
        return None


def save_cached(key: str, db: object, owner: list[int], always: set[int]) -> None:
    """Keep the database for the next run (best effort: a read-only home only costs the compile again)."""
    try:
        body = _hs.dumpb(db)  # type: ignore[arg-type]
        head = json.dumps({"key": key, "owner": owner, "always": sorted(always)}).encode()
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".hyperscan-")
    except (OSError, ValueError, TypeError, _hs.error):
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_CACHE_MAGIC + head + b"\n" + bytes(body))
        os.replace(tmp, folder / f"hyperscan-{key}.db")
    except OSError:
        Path(tmp).unlink(missing_ok=True)
