"""The package's one pass over every message (issue 14, item 4): the transcript's HTML pages, its CSV
part(s) and ``messages.jsonl`` together, from the rows as the vault stores them (their JSON), read in
``Vault.messages`` order by one indexed query. No message becomes a model object: each row is parsed once
with orjson for the pages and the CSV, and its stored JSON *is* its ``messages.jsonl`` line (with
``from_me`` filled in from the case's own names, as ``Vault.messages`` does).

A zip member must be finished before the next begins, and the pages and CSV parts are added as they fill,
so ``messages.jsonl`` is kept deflated in memory meanwhile (about a sixth of its size) and then written into
the zip as it is, already compressed (no second compression). Reading (SQLite), compressing and hashing
(zlib, hashlib) let other threads run, so each has a helper thread while this one formats the rows.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

try:  # ISA-L's deflate: standard raw-deflate streams, several times faster than zlib's at level 1
    from isal import isal_zlib as _fast
except ImportError:  # pragma: no cover - isal is a dependency; zlib gives the same member contents
    _fast = zlib  # type: ignore[assignment, misc]

from haven.core.models import is_own_sender
from haven.core.queues import put_until_stopped
from haven.report.reads import Overview, Reads
from haven.report.transcript import write_rows

JSONL_BATCH = 2000


def compressor() -> Any:
    """A raw-deflate compressor (ISA-L level 1 when installed, else zlib level 1): any inflater reads it."""
    return _fast.compressobj(1, _fast.DEFLATED, -15)


def fast_member(zf: zipfile.ZipFile, name: str) -> Any:
    """``zf.open(name, "w")`` (a deflated zip64 member) whose bytes are deflated by ``compressor()``: the
    zip stays standard, only the compressor is quicker than zipfile's own zlib."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # as ZipFile.writestr marks a member: the owner may read and write it
    dst = zf.open(info, "w", force_zip64=True)
    if hasattr(dst, "_compressor"):
        dst._compressor = compressor()
    return dst


@dataclass
class Deflated:
    """A member's bytes as raw deflate (``compressor()``), with the plain bytes' CRC-32, size and SHA-256."""

    parts: list[bytes] = field(default_factory=list)
    crc: int = 0
    size: int = 0
    sha256: str = ""


def deflate(data: bytes) -> Deflated:
    """Compress and hash ``data`` (zlib and hashlib let other threads run meanwhile)."""
    c = compressor()
    sha = hashlib.sha256(data).hexdigest()
    return Deflated([c.compress(data) + c.flush()], _fast.crc32(data), len(data), sha)


class Background:
    """Deflates and hashes members in one helper thread while this one formats the next rows; writes them
    into the zip here, in order. At most ``depth`` members wait (so memory stays a few pages)."""

    def __init__(self, zf: zipfile.ZipFile, members: list[dict[str, Any]], depth: int = 4) -> None:
        self.zf, self.members, self.depth = zf, members, depth
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="haven-deflate")
        self.pending: deque[tuple[str, Future[Deflated]]] = deque()
        self.jsonl = DeflatedJsonl(self.pool)

    def add(self, name: str, data: bytes) -> None:
        self.pending.append((name, self.pool.submit(deflate, data)))
        while len(self.pending) > self.depth:
            self._write_next()

    def _write_next(self) -> None:
        name, fut = self.pending.popleft()
        add_deflated(self.zf, name, fut.result(), self.members)

    def finish(self) -> Deflated:
        """Write every waiting member; returns ``messages.jsonl`` (to be added when its turn comes)."""
        while self.pending:
            self._write_next()
        jsonl = self.jsonl.close()
        self.pool.shutdown()
        return jsonl


class DeflatedJsonl:
    """``messages.jsonl`` deflated in memory as it comes, by the helper thread, in order (``pool`` None:
    here, at once)."""

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self.pool = pool
        self._c = compressor()
        self._sha = hashlib.sha256()
        self.out = Deflated()
        self.waiting: deque[Future[None]] = deque()

    def _take(self, data: bytes) -> None:
        self.out.crc = _fast.crc32(data, self.out.crc)
        self.out.size += len(data)
        self._sha.update(data)
        if part := self._c.compress(data):
            self.out.parts.append(part)

    def write(self, data: bytes) -> None:
        if self.pool is None:
            self._take(data)
            return
        self.waiting.append(self.pool.submit(self._take, data))
        while len(self.waiting) > 4:
            self.waiting.popleft().result()

    def close(self) -> Deflated:
        while self.waiting:
            self.waiting.popleft().result()
        self.out.parts.append(self._c.flush())
        self.out.sha256 = self._sha.hexdigest()
        return self.out


class _Flushed:
    """A compressor with nothing left to give (the member's data was compressed beforehand)."""

    def compress(self, data: bytes) -> bytes:  # pragma: no cover - never called
        raise AssertionError("the data is already compressed")

    def flush(self) -> bytes:
        return b""


def add_deflated(zf: zipfile.ZipFile, name: str, data: Deflated, members: list[dict[str, Any]]) -> None:
    """Write ``data`` as the deflated member ``name`` without compressing it again, recording its hash."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as dst:
        if all(hasattr(dst, a) for a in ("_compressor", "_fileobj", "_crc", "_file_size", "_compress_size")):
            dst._compressor = _Flushed()  # type: ignore[attr-defined]
            raw = dst._fileobj  # type: ignore[attr-defined]
            for i, part in enumerate(data.parts):
                raw.write(part)
                dst._compress_size += len(part)  # type: ignore[attr-defined]
                data.parts[i] = b""
            dst._crc, dst._file_size = data.crc, data.size  # type: ignore[attr-defined]
        else:  # another zipfile than CPython's: compress again
            d = zlib.decompressobj(-15)
            for part in data.parts:
                dst.write(d.decompress(part))
            dst.write(d.flush())
    members.append({"path": name, "sha256": data.sha256, "size": data.size})


def prefetched(vault: Any, batch: int = 1000, ahead: int = 8) -> Iterator[str]:
    """``Reads.raw_in_order`` read by a helper thread ``ahead`` batches in front (SQLite lets other threads
    run while it reads and decrypts), so reading overlaps the formatting here."""
    import queue
    import threading

    q: queue.Queue[list[str] | BaseException | None] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(value: list[str] | BaseException | None) -> bool:
        return put_until_stopped(q, value, stop)

    def produce() -> None:
        try:
            rows: list[str] = []
            for data in Reads(vault).raw_in_order(batch):
                rows.append(data)
                if len(rows) >= batch:
                    if not put(rows):
                        return
                    rows = []
            if rows and not put(rows):
                return
            put(None)
        except BaseException as exc:  # handed to the reader, raised there
            put(exc)

    worker = threading.Thread(target=produce, name="haven-read", daemon=True)
    worker.start()
    try:
        while (got := q.get()) is not None:
            if isinstance(got, BaseException):
                raise got
            yield from got
    finally:
        stop.set()
        worker.join()


def write_case(vault: Any, zf: zipfile.ZipFile, members: list[dict[str, Any]],
               exhibit: Callable[[str | None], str], case_ref: str, total: int,
               tick: Callable[[str, int, int], None]) -> tuple[Deflated, Overview]:
    """The one pass: transcript pages and CSV into ``zf`` (recorded in ``members``); returns
    ``messages.jsonl``, deflated, for ``add_deflated`` when its turn comes, and the case's counts (what
    ``Reads.overview`` would read again)."""
    me = list(vault.case.me)
    own: dict[tuple[Any, Any], bool] = {}
    background = Background(zf, members)
    jsonl = background.jsonl
    chunk: list[str] = []
    null = '"from_me":null'
    counts: dict[tuple[Any, Any, Any, Any, bool], int] = {}  # (conversation, item, basis, format, unsure)
    times: list[str] = []

    def rows() -> Iterator[dict[str, Any]]:
        n = 0
        for n, data in enumerate(prefetched(vault), start=1):
            row = orjson.loads(data)
            g = row.get
            key = (g("conversation"), g("source_item_id"), g("timestamp_basis"), g("source_format"),
                   bool(g("timestamp_ambiguous")))
            counts[key] = counts.get(key, 0) + 1
            if ts := row.get("timestamp_utc"):  # in time order: the first is the earliest, the last latest
                if not times:
                    times.append(ts)
                last = ts
            if me and row.get("from_me") is None:
                who = (row.get("sender"), row.get("sender_id"))
                mine = own.get(who)
                if mine is None:
                    mine = own[who] = is_own_sender(me, *who)
                row["from_me"] = mine
                data = data.replace(null, '"from_me":true' if mine else '"from_me":false', 1)
            chunk.append(data)
            if len(chunk) >= JSONL_BATCH:
                jsonl.write(("\n".join(chunk) + "\n").encode())
                chunk.clear()
            if n % 5000 == 0:
                tick("writing the transcript", n, max(n, total))
            yield row
        if chunk:
            jsonl.write(("\n".join(chunk) + "\n").encode())
        if times:
            times.append(last)
        tick("writing the transcript", n, max(n, total))

    try:
        write_rows(rows(), exhibit, background.add, case_ref, total=total)
    finally:
        out = background.finish()
    convs: dict[str, int] = {}
    keys: dict[tuple[Any, Any, Any], list[int]] = {}
    for (conv, item, basis, fmt, doubt), count in counts.items():  # first seen first, as the pass met them
        convs[conv] = convs.get(conv, 0) + count
        acc = keys.setdefault((item, basis, fmt), [0, 0])
        acc[0] += count
        if doubt:
            acc[1] += count
    view = Overview(conversation_counts=convs, formats={k[2] for k in keys if k[2]})
    bases: dict[tuple[str, str], list[int]] = {}
    for (item, basis, _fmt), (count, unsure) in keys.items():
        if basis:
            acc = bases.setdefault((item or "", basis), [0, 0])
            acc[0] += count
            acc[1] += unsure
    view.bases = [(item, basis, count, unsure) for (item, basis), (count, unsure) in bases.items()]
    if times:
        view.first_time, view.last_time = datetime.fromisoformat(times[0]), datetime.fromisoformat(times[-1])
    return out, view
