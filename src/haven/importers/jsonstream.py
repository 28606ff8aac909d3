"""Streaming, depth-limited JSON for exports that can be very large (Telegram whole-account exports,
years of Messenger or Discord history).

``ijson`` (yajl C backend) reads the file as events; only one message object is built at a time, so memory
stays flat however big the file is. Nesting is counted as the events arrive and refused beyond
``MAX_JSON_DEPTH`` (an iterative parser cannot overflow the stack, but runaway nesting is still hostile).
Importers read a file twice: ``scan`` validates the whole document and collects the few small values they
need up front (chat names, participants), then ``objects`` yields the messages — so a broken file is
refused before anything from it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ijson
from ijson.common import ObjectBuilder

from haven.core.errors import ImportFileError, UnsafeInput
from haven.importers.safety import MAX_JSON_DEPTH

_OPEN = {"start_map", "start_array"}
_CLOSE = {"end_map", "end_array"}
BUF_SIZE = 4096
"""Small reads: ijson builds each event's path string, so a chunk of hostile ``[[[[...`` costs
(chunk size)^2; 4 KB keeps that to milliseconds before the depth limit stops the file."""
NOT_UTF8 = "is not UTF-8 JSON (wrong encoding?); nothing was imported"
_SCALAR = {"null", "boolean", "integer", "double", "number", "string"}


def _events(path: Path, max_depth: int) -> Iterator[tuple[str, str, Any, int]]:
    """``(prefix, event, value, depth)`` for every JSON event, with clear errors for bad input."""
    depth = 0
    try:
        with open(path, "rb") as fh:
            head = fh.read(3)
            if head != b"\xef\xbb\xbf":
                fh.seek(0)
            for prefix, event, value in ijson.parse(fh, buf_size=BUF_SIZE, use_float=True):
                if event in _OPEN:
                    depth += 1
                    if depth > max_depth:
                        raise UnsafeInput(f"{path.name} nests deeper than {max_depth} levels; refused")
                elif event in _CLOSE:
                    depth -= 1
                yield prefix, event, value, depth
    except ijson.JSONError as exc:
        text = str(exc)
        if "invalid UTF-8" in text or "utf" in text.lower():
            raise ImportFileError(
                f"{path.name} is not UTF-8 JSON (wrong encoding?); nothing was imported"
            ) from exc
        raise ImportFileError(
            f"{path.name} is not valid JSON ({text.strip()}); nothing was imported"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 JSON (wrong encoding?); nothing was imported"
        ) from exc


def scan(
    path: Path, keep: Callable[[str], bool], *, max_depth: int = MAX_JSON_DEPTH
) -> list[tuple[str, Any]]:
    """Read the whole document once (validating it) and return ``(prefix, value)`` for every scalar
    whose prefix ``keep`` accepts, in file order, with ``"<start_map>"`` / ``"<start_array>"`` markers for
    containers at kept prefixes (so callers can tell list items apart and see which keys exist)."""
    kept: list[tuple[str, Any]] = []
    for prefix, event, value, _depth in _events(path, max_depth):
        if keep(prefix):
            if event in _SCALAR:
                kept.append((prefix, value))
            elif event == "start_map":
                kept.append((prefix, "<start_map>"))
            elif event == "start_array":
                kept.append((prefix, "<start_array>"))
    return kept


def objects(path: Path, targets: set[str], *, max_depth: int = MAX_JSON_DEPTH) -> Iterator[tuple[str, Any]]:
    """Yield ``(prefix, value)`` for every complete value found at a prefix in ``targets`` (e.g.
    ``"messages.item"``), building one at a time. ``(prefix, "<start_map>")`` is yielded when a map starts
    at a prefix one level above a target's parent list, so a caller can count containers (chats)."""
    parents = {t.rsplit(".", 2)[0] for t in targets if t.count(".") >= 2}
    builder: ObjectBuilder | None = None
    built_at = 0
    built_prefix = ""
    for prefix, event, value, depth in _events(path, max_depth):
        if builder is not None:
            builder.event(event, value)
            if event in _CLOSE and depth == built_at:
                yield built_prefix, builder.value
                builder = None
            continue
        if prefix in targets:
            if event in _OPEN:
                builder = ObjectBuilder()
                builder.event(event, value)
                built_at, built_prefix = depth - 1, prefix
            elif event in _SCALAR:
                yield prefix, value
        elif event == "start_map" and prefix in parents:
            yield prefix, "<start_map>"
