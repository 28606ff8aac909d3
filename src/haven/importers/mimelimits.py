"""Designed limits on an email's MIME structure, checked on the raw bytes before the stdlib parser runs.

The stdlib ``email`` parser recurses once per nesting level, so a hostile message 10,000 levels deep would
end in a ``RecursionError``; a message with a million tiny parts would take minutes and gigabytes. This
linear pre-scan tracks the open multipart boundaries line by line and counts part delimiters and attached
messages, and refuses, in plain words, anything beyond limits that no real email comes near.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from haven.core.errors import ImportFileError

MAX_MIME_DEPTH = 50
"""Multipart sections open inside one another (real mail: under 6)."""
MAX_MIME_PARTS = 5000
"""Part delimiters in one message (real mail: under 100)."""
MAX_ATTACHED_MESSAGES = 100
"""``message/rfc822`` parts (forwarded emails inside the email), nested or side by side."""

_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_RFC822 = re.compile(rb"^content-type:\s*message/(?:rfc822|global)\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class MimeShape:
    depth: int
    parts: int
    attached_messages: int


def mime_shape(data: bytes) -> MimeShape:
    """The deepest multipart nesting, the number of part delimiters and of attached messages (linear)."""
    open_: list[bytes] = []
    deepest = parts = 0
    for line in data.splitlines():
        if line.startswith(b"--") and open_:
            stripped = line.rstrip()
            for i in range(len(open_) - 1, -1, -1):
                delimiter = b"--" + open_[i]
                if stripped == delimiter + b"--":  # the section closes (and any left open inside it)
                    del open_[i:]
                    break
                if stripped == delimiter:
                    del open_[i + 1 :]
                    parts += 1
                    break
            continue
        if b"oundary" in line or b"OUNDARY" in line:
            found = _BOUNDARY.search(line)
            if found:
                open_.append(found.group(1) or found.group(2))
                deepest = max(deepest, len(open_))
    return MimeShape(deepest, parts, len(_RFC822.findall(data)))


def check_mime_limits(data: bytes, label: str) -> None:
    """ImportFileError with a plain message when the message is beyond a designed limit."""
    shape = mime_shape(data)
    if shape.depth > MAX_MIME_DEPTH:
        raise ImportFileError(
            f"{label} has parts nested more than {MAX_MIME_DEPTH} levels deep (no real email does); "
            "it was not read, to keep the computer safe."
        )
    if shape.parts > MAX_MIME_PARTS:
        raise ImportFileError(
            f"{label} has more than {MAX_MIME_PARTS} parts (no real email does); "
            "it was not read, to keep the computer safe."
        )
    if shape.attached_messages > MAX_ATTACHED_MESSAGES:
        raise ImportFileError(
            f"{label} holds more than {MAX_ATTACHED_MESSAGES} emails inside it; "
            "it was not read, to keep the computer safe."
        )
