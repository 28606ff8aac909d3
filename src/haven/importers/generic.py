"""The fallback importer: any file no other importer recognises is stored and hashed, with a warning."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from haven.importers.base import Importer, ImportSink, add_source_item

EXAMPLES = Path(__file__).parent / "examples"


class GenericImporter(Importer):
    name = "generic"
    description = "Any other file: stored and hashed as evidence, not parsed."
    examples: ClassVar[list[Path]] = [EXAMPLES / "generic" / "notes.bin"]

    def detect(self, path: Path, head: bytes) -> float:
        return 0.01

    def run(self, path: Path, sink: ImportSink) -> None:
        add_source_item(sink, path)
        sink.warn(f"{path.name}: stored and hashed, but not read as messages (format not recognised)")
