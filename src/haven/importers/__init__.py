"""Importers: one small module per source format, turning exports into ``Item``s and ``Message``s.

``REGISTRY`` holds one instance of each importer; ``detect_format(path)`` picks the best one for a file
(the generic fallback always scores a little, so every file is at least stored and hashed).
See ``haven.importers.base`` for the contract (``Importer``, ``ImportSink``, ``MemorySink``).
"""

from __future__ import annotations

from pathlib import Path

from haven.core.errors import ImportFileError
from haven.core.registry import Registry
from haven.importers.base import HEAD_SIZE, Importer, ImportSink, MemorySink, make_message_id
from haven.importers.discord import DiscordImporter
from haven.importers.emails import EmlImporter, MboxImporter, MsgImporter
from haven.importers.generic import GenericImporter
from haven.importers.images import ImageImporter
from haven.importers.meta import InstagramImporter, MessengerImporter
from haven.importers.sigexport import SignalImporter
from haven.importers.snapchat import SnapchatImporter
from haven.importers.telegram import TelegramImporter
from haven.importers.whatsapp import WhatsAppImporter

REGISTRY: Registry[Importer] = Registry("importer")

for _importer in (
    WhatsAppImporter(),
    TelegramImporter(),
    InstagramImporter(),
    MessengerImporter(),
    SnapchatImporter(),
    SignalImporter(),
    DiscordImporter(),
    EmlImporter(),
    MboxImporter(),
    MsgImporter(),
    ImageImporter(),
    GenericImporter(),
):
    REGISTRY.add(_importer.name, _importer)


def read_head(path: Path, size: int = HEAD_SIZE) -> bytes:
    """The first ``size`` bytes of a file (what ``detect`` is shown)."""
    with open(path, "rb") as fh:
        return fh.read(size)


def detect_format(path: str | Path) -> Importer:
    """The importer that fits ``path`` best (the generic one when nothing else fits)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file")
    try:
        head = read_head(path)
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read ({exc.strerror})") from exc
    best, best_score = REGISTRY.get("generic"), -1.0
    for _name, importer in REGISTRY.items():
        score = importer.detect(path, head)
        if score > best_score:
            best, best_score = importer, score
    return best


def get_importer(name: str) -> Importer:
    """The importer registered as ``name`` (``ImportFileError`` listing the known ones otherwise)."""
    try:
        return REGISTRY.get(name)
    except KeyError as exc:
        raise ImportFileError(str(exc.args[0])) from None


__all__ = [
    "REGISTRY",
    "ImportSink",
    "Importer",
    "MemorySink",
    "detect_format",
    "get_importer",
    "make_message_id",
    "read_head",
]
