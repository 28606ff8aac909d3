"""The package's one pass over every message (issue 14, item 4): the transcript's HTML pages, its CSV
part(s) and ``messages.jsonl`` together, from the rows as the vault stores them (their JSON), read in
``Vault.messages`` order by one indexed query. No message becomes a model object: each row is parsed once
with orjson for the pages and the CSV, and its stored JSON *is* its ``messages.jsonl`` line (with
``from_me`` filled in from the case's own names, as ``Vault.messages`` does).

A zip member must be finished before the next begins, and the pages and CSV parts are added as they fill,
so ``messages.jsonl`` is kept deflated in memory meanwhile (about a sixth of its size) and then written into
the zip as it is, already compressed (no second compression).
"""

from __future__ import annotations

import hashlib
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from haven.core.models import is_own_sender
from haven.report.reads import Reads
from haven.report.transcript import write_rows

JSONL_BATCH = 2000


class DeflatedJsonl:
    """``messages.jsonl`` as raw deflate (level 1) in memory, with its CRC-32, SHA-256 and size."""

    def __init__(self) -> None:
        self._c = zlib.compressobj(1, zlib.DEFLATED, -15)
        self.parts: list[bytes] = []
        self.crc = 0
        self.size = 0
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.sha.update(data)
        if out := self._c.compress(data):
            self.parts.append(out)

    def close(self) -> None:
        self.parts.append(self._c.flush())

    def blocks(self) -> Iterator[bytes]:
        """The uncompressed bytes again (the fallback when the zip cannot take deflated data as it is)."""
        d = zlib.decompressobj(-15)
        parts, self.parts = self.parts, []
        for i, part in enumerate(parts):
            parts[i] = b""
            if out := d.decompress(part):
                yield out
        if tail := d.flush():
            yield tail


class _Flushed:
    """A compressor with nothing left to give (the member's data was compressed beforehand)."""

    def compress(self, data: bytes) -> bytes:  # pragma: no cover - never called
        raise AssertionError("the data is already compressed")

    def flush(self) -> bytes:
        return b""


def add_deflated(zf: zipfile.ZipFile, name: str, jsonl: DeflatedJsonl, members: list[dict[str, Any]]) -> None:
    """Write ``jsonl`` as the deflated member ``name`` without compressing it again, recording its hash."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as dst:
        if all(hasattr(dst, a) for a in ("_compressor", "_fileobj", "_crc", "_file_size", "_compress_size")):
            dst._compressor = _Flushed()  # type: ignore[attr-defined]
            raw = dst._fileobj  # type: ignore[attr-defined]
            for i, part in enumerate(jsonl.parts):
                raw.write(part)
                dst._compress_size += len(part)  # type: ignore[attr-defined]
                jsonl.parts[i] = b""
            dst._crc, dst._file_size = jsonl.crc, jsonl.size  # type: ignore[attr-defined]
        else:  # another zipfile than CPython's: compress again
            for block in jsonl.blocks():
                dst.write(block)
    members.append({"path": name, "sha256": jsonl.sha.hexdigest(), "size": jsonl.size})


def write_case(vault: Any, add: Callable[[str, bytes], object], exhibit: Callable[[str | None], str],
               case_ref: str, total: int, tick: Callable[[str, int, int], None]) -> DeflatedJsonl:
    """The one pass: transcript pages and CSV through ``add(name, bytes)``; returns ``messages.jsonl``."""
    me = list(vault.case.me)
    own: dict[tuple[Any, Any], bool] = {}
    jsonl = DeflatedJsonl()
    chunk: list[str] = []
    null = '"from_me":null'

    def rows() -> Iterator[dict[str, Any]]:
        n = 0
        for n, data in enumerate(Reads(vault).raw_in_order(), start=1):
            row = orjson.loads(data)
            if me and row.get("from_me") is None:
                key = (row.get("sender"), row.get("sender_id"))
                mine = own.get(key)
                if mine is None:
                    mine = own[key] = is_own_sender(me, *key)
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
        tick("writing the transcript", n, max(n, total))

    write_rows(rows(), exhibit, add, case_ref, total=total)
    jsonl.close()
    return jsonl
