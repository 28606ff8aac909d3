"""``ImportProgress``: what an import has done so far, in numbers a person can trust.

Every input file is counted as three units of work per byte: the importers that stream a chat read it
twice (once to settle the date order, once for the messages) and every file is hashed and encrypted once.
What an importer reports (bytes hashed, bytes read) moves the count forward; whatever it does not report
is counted when the file is finished. The fraction is therefore monotonic and reaches 1.0 only when
``finished`` is set, after the last file has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

UNITS_PER_BYTE = 3


@dataclass
class ImportProgress:
    stage: str = "starting"
    """``starting``, ``reading`` (hashing, encrypting, parsing), ``details`` (offender details and red
    flags), ``done``."""
    file: str = ""
    files_done: int = 0
    files_total: int = 0
    bytes_total: int = 0
    units_done: int = 0
    messages: int = 0
    new_messages: int = 0
    finished: bool = False

    @property
    def units_total(self) -> int:
        return max(1, self.bytes_total * UNITS_PER_BYTE)

    @property
    def fraction(self) -> float:
        if self.finished:
            return 1.0
        return min(self.units_done / self.units_total, 0.999)

    @property
    def bytes_done(self) -> int:
        return min(self.bytes_total, self.units_done // UNITS_PER_BYTE)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fraction": self.fraction, "bytes_done": self.bytes_done}


class Tracker:
    """Keeps one ``ImportProgress`` and tells the listeners after every step."""

    def __init__(self, listener: Callable[[ImportProgress], None] | None, sizes: list[int]) -> None:
        self.state = ImportProgress(files_total=len(sizes), bytes_total=sum(sizes))
        self._listener = listener
        self._base = 0
        self._size = 0
        self._used = 0
        self._messages_before = 0
        self._new_before = 0

    def _tell(self) -> None:
        if self._listener is not None:
            self._listener(self.state)

    def start_file(self, name: str, size: int) -> None:
        self._size = size * UNITS_PER_BYTE
        self._used = 0
        self._messages_before = self.state.messages
        self._new_before = self.state.new_messages
        self.state.file, self.state.stage = name, "reading"
        self._tell()

    def work(self, n_bytes: int) -> None:
        """The importer hashed or read ``n_bytes`` more of the current file."""
        if n_bytes <= 0:
            return
        step = min(n_bytes, max(0, self._size - 1 - self._used))
        if step:
            self._used += step
            self.state.units_done = self._base + self._used
            self._tell()

    def messages(self, total: int, new: int) -> None:
        self.state.messages = self._messages_before + total
        self.state.new_messages = self._new_before + new
        self._tell()

    def stage(self, name: str) -> None:
        self.state.stage = name
        self._tell()

    def end_file(self) -> None:
        self._base += self._size
        self._used = 0
        self.state.units_done = self._base
        self.state.files_done += 1
        self._tell()

    def finish(self) -> None:
        self.state.stage, self.state.finished = "done", True
        self.state.units_done = self.state.units_total
        self._tell()
