"""Safety limits for hostile input: zip bombs, zip-slip paths, runaway JSON nesting, wrong encodings.

Each check raises ``UnsafeInput`` (or ``ImportFileError``) with a plain message naming the file, so the
vault records one clear per-file error and carries on with the other files.

Written by hand because the stdlib ``zipfile`` trusts the sizes a zip declares and ``json`` fails with a
bare ``RecursionError``; no well-kept library wraps both the way an evidence importer needs (refuse before
anything is stored, count the real bytes while streaming).
"""

from __future__ import annotations

import codecs
import io
import json
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from haven.core.errors import ImportFileError, UnsafeInput


@dataclass(frozen=True)
class ZipLimits:
    """Limits for one archive. Defaults fit a real chat export with years of media."""

    max_members: int = 100_000
    max_total_bytes: int = 16 * 1024**3
    """Uncompressed bytes over all members."""
    max_member_bytes: int = 4 * 1024**3
    max_ratio: float = 200.0
    """Uncompressed / compressed size, per member (only checked for members above ``ratio_floor``)."""
    ratio_floor: int = 1024 * 1024


DEFAULT_ZIP_LIMITS = ZipLimits()

MAX_JSON_BYTES = 512 * 1024**2
"""Cap for the few JSON files parsed whole (Snapchat's chat_history.json, one sigexport line). The big
exports (Telegram, Messenger/Instagram, Discord) are streamed instead: see ``haven.importers.jsonstream``."""
MAX_LINE_CHARS = 8 * 1024 * 1024
"""Longest text line accepted (a real chat line is at most a few thousand characters)."""
MAX_JSON_DEPTH = 200
"""Real exports nest fewer than 10 levels."""


ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,  # a member offset past the end or negative: the seek fails ("Invalid argument")
    ValueError,  # negative sizes, bad header fields
    RuntimeError,  # encrypted members, unsupported features
    NotImplementedError,  # unsupported compression methods
    KeyError,
    OverflowError,
    IndexError,
)
"""Everything the stdlib ``zipfile`` is known to raise on damaged archives: each becomes a plain message."""


def _plain(exc: BaseException) -> str:
    """A short reason for a zip-level error (``Invalid argument`` alone tells a person nothing)."""
    if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
        return "its table of contents points to places that do not exist"
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def safe_member_name(name: str) -> str:
    """The member name, normalised; ``UnsafeInput`` if it would leave the archive (zip-slip)."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or "\x00" in clean:
        raise UnsafeInput(f"the archive has a member with an absolute path ({name!r}); refused")
    norm = posixpath.normpath(clean)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{clean}/":
        raise UnsafeInput(f"the archive has a member that points outside it ({name!r}, zip-slip); refused")
    return norm


class _CountingReader(io.RawIOBase):
    """Wraps a zip member stream and stops it if it produces more bytes than allowed."""

    def __init__(
        self, raw: IO[bytes], budget: int, label: str, declared: int, total: list[int], total_limit: int
    ) -> None:
        self._raw, self._budget, self._label = raw, budget, label
        self._declared, self._seen = declared, 0
        self._total, self._total_limit = total, total_limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise ImportFileError(f"{self._label} is damaged ({_plain(exc)}); refused") from exc
        n = len(data)
        self._seen += n
        self._total[0] += n
        if self._seen > self._budget or self._seen > self._declared:
            raise UnsafeInput(
                f"{self._label} expands beyond its declared or allowed size (zip bomb); refused"
            )
        if self._total[0] > self._total_limit:
            raise UnsafeInput(f"{self._label}: the archive expands beyond {self._total_limit} bytes; refused")
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class SafeZip:
    """A read-only zip whose member list is checked up front and whose member streams are size-counted.

    Use as a context manager: ``with SafeZip(path) as z: for info in z.members(): with z.open(info) ...``.
    """

    def __init__(self, path: Path, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> None:
        self.path, self.limits = path, limits
        try:
            self._zip = zipfile.ZipFile(path)
        except ZIP_ERRORS as exc:
            raise ImportFileError(f"{path.name} is not a readable zip file ({_plain(exc)})") from exc
        self._total = [0]
        self._check()

    def _check(self) -> None:
        infos = self._zip.infolist()
        lim = self.limits
        if len(infos) > lim.max_members:
            raise UnsafeInput(f"{self.path.name} has {len(infos)} members (limit {lim.max_members}); refused")
        declared = 0
        for info in infos:
            safe_member_name(info.filename)
            declared += info.file_size
            if info.file_size > lim.max_member_bytes:
                raise UnsafeInput(
                    f"{self.path.name}: member {info.filename!r} is too large "
                    f"({info.file_size} bytes); refused"
                )
            if info.file_size > lim.ratio_floor and info.file_size > lim.max_ratio * max(
                info.compress_size, 1
            ):
                raise UnsafeInput(
                    f"{self.path.name}: member {info.filename!r} compresses "
                    f"{info.file_size // max(info.compress_size, 1)}:1 (zip bomb); refused"
                )
        if declared > lim.max_total_bytes:
            raise UnsafeInput(
                f"{self.path.name} would expand to {declared} bytes (limit {lim.max_total_bytes}); refused"
            )

    def members(self) -> list[zipfile.ZipInfo]:
        """File members (not directories), in archive order."""
        return [i for i in self._zip.infolist() if not i.is_dir()]

    def names(self) -> list[str]:
        return [safe_member_name(i.filename) for i in self.members()]

    def open(self, info: zipfile.ZipInfo) -> io.BufferedReader:
        """A size-counted stream of one member."""
        label = f"{self.path.name}!{info.filename}"
        try:
            raw = self._zip.open(info)
        except ZIP_ERRORS as exc:  # e.g. a corrupted member offset makes the seek fail with OSError
            raise ImportFileError(f"{label} is damaged and cannot be read ({_plain(exc)}); refused") from exc
        budget = min(self.limits.max_member_bytes, info.file_size)
        reader = _CountingReader(raw, budget, label, info.file_size, self._total, self.limits.max_total_bytes)
        return io.BufferedReader(reader, buffer_size=1 << 16)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def text_lines(stream: IO[bytes], label: str, max_line: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Decode a byte stream line by line (UTF-8, UTF-8 with BOM, or UTF-16 with BOM), without slurping.

    Raises ``ImportFileError`` naming the line if the bytes are not valid text in that encoding, and
    ``UnsafeInput`` for a line so long that holding it would defeat streaming.
    """
    head = stream.read(4)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    rest = io.BufferedReader(_Prefixed(head, stream))  # type: ignore[arg-type]
    reader = io.TextIOWrapper(rest, encoding=encoding, errors="strict", newline=None)
    lineno = 0
    try:
        while line := reader.readline(max_line + 1):
            lineno += 1
            if len(line) > max_line:
                raise UnsafeInput(
                    f"{label} has a line longer than {max_line} characters (line {lineno}); "
                    "it is not a chat export"
                )
            yield line.rstrip("\n")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{label} is not {encoding.upper()} text near line {lineno + 1} "
            "(wrong encoding?); nothing was imported from it"
        ) from exc


class _Prefixed(io.RawIOBase):
    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _check_depth(obj: Any, label: str, max_depth: int) -> None:
    """Iterative depth check (no recursion, so hostile nesting cannot overflow the stack)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise UnsafeInput(f"{label} nests deeper than {max_depth} levels; refused")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def _read_at_most(stream: IO[bytes], limit: int, chunk: int = 1 << 20) -> bytes:
    """Up to ``limit`` bytes, read in chunks (``read(limit)`` would reserve ``limit`` bytes up front)."""
    parts: list[bytes] = []
    got = 0
    while got < limit and (part := stream.read(min(chunk, limit - got))):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def load_json(
    stream: IO[bytes],
    label: str,
    *,
    size: int | None = None,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse a JSON document with a size cap and a depth limit; every failure is a clear ``ImportFileError``.

    Memory: the document is parsed whole, so this is only used for files that stay small (bounded by
    ``max_bytes``); large exports go through ``haven.importers.jsonstream``.
    """
    if size is not None and size > max_bytes:
        raise UnsafeInput(f"{label} is {size} bytes of JSON (limit {max_bytes}); refused")
    data = _read_at_most(stream, max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeInput(f"{label} is more than {max_bytes} bytes of JSON; refused")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{label} is not UTF-8 JSON (wrong encoding?); nothing was imported") from exc
    try:
        obj = json.loads(text)
    except RecursionError as exc:
        raise UnsafeInput(f"{label} nests too deeply to read safely; refused") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{label} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); nothing was imported"
        ) from exc
    _check_depth(obj, label, max_depth)
    return obj


def read_json_file(path: Path, **kw: Any) -> Any:
    """``load_json`` on a file on disk."""
    with open(path, "rb") as fh:
        return load_json(fh, path.name, size=path.stat().st_size, **kw)
