"""Warnings as typed values: a stable ``code``, its ``params`` and a plain message that names no face.

A :class:`Notice` is also the ``str`` of its plain message, so every sink, import summary, ledger entry and
JSON output that handles warnings as text keeps working unchanged. The faces add their own words from the
code: the command line says which option to give (``haven.cli.notices``), the web app what to do on the
page (``haven.web.notices``) — instead of rewriting message text with patterns. The catalogue below is the
one place a warning's plain wording lives; each entry has an example of its parameters (run by a test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Kind:
    """One kind of warning: its plain message template and an example of its parameters."""

    template: str
    example: Mapping[str, Any]


CATALOGUE: dict[str, Kind] = {
    "zone-assumed": Kind(
        "{file}: times in this export have no time zone; they were read as local time in {zone} ({basis}).",
        {"file": "chat.txt", "zone": "Europe/London", "basis": "this computer's zone"},
    ),
    "date-order-ambiguous": Kind(
        "{file}: the day/month order of the dates cannot be settled from the file; read as {order} and "
        "every message is marked ambiguous.",
        {"file": "chat.txt", "order": "d/m/y"},
    ),
    "large-file": Kind(
        "{file} is {size}, which is very large for one piece of evidence; it was stored whole (the vault "
        "needs as much space again). Check that it is the file you meant.",
        {"file": "video.mp4", "size": "2.0 GiB"},
    ),
    "picture-too-large-to-read": Kind(
        "{file}: the picture is stored, but its text was not read: it has {megapixels} million pixels "
        "(the limit for reading is {limit} million).",
        {"file": "scan.png", "megapixels": 81, "limit": 24},
    ),
    "ocr-missing": Kind(
        "{file}: text in the picture was not read (Tesseract is not installed).", {"file": "shot.png"}
    ),
    "ocr-failed": Kind(
        "{file}: text in the picture could not be read ({reason}).", {"file": "shot.png", "reason": "timeout"}
    ),
}


class Notice(str):
    """A warning: ``str(notice)`` is the plain message; ``code`` and ``params`` let a face reword it."""

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, **params: Any) -> Notice:
        kind = CATALOGUE.get(code)
        if kind is None:
            raise KeyError(f"unknown warning code {code!r} (add it to haven.core.warnings.CATALOGUE)")
        self = super().__new__(cls, kind.template.format(**params))
        self.code = code
        self.params = MappingProxyType(dict(params))
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # survives pickling (process pools) as a Notice
        return (_rebuild, (self.code, dict(self.params)))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": str(self)}


def _rebuild(code: str, params: dict[str, Any]) -> Notice:
    return Notice(code, **params)


def render(warning: str, hints: Mapping[str, str]) -> str:
    """``warning`` in a face's words: the plain message plus that face's hint for its code, if any.
    Plain strings (warnings not yet typed) are returned as they are."""
    if isinstance(warning, Notice) and hints.get(warning.code):
        return f"{warning} {hints[warning.code]}"
    return str(warning)


def size_text(n: int) -> str:
    """``2147483648`` -> ``"2.0 GiB"``."""
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover - the loop always returns
