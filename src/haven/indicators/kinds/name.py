"""``name``: names an offender gives ("my name is Anna Smith") and, through ``extract_messages``, the
display names of senders in imported chats. Normalised: single spaces, lowercase. Not a checksum: a name is
what someone claims, so confidence is modest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register

_NAME = re.compile(
    r"\b(?i:my name is|my name's|my names|i am called|i'm called|call me)\s+"
    r"((?:[A-Z][a-z'’-]{1,20})(?:\s+[A-Z][a-z'’-]{1,20}){0,2})"
)
_NOT_NAMES = frozenset(
    [
        "I",
        "Im",
        "Ok",
        "Okay",
        "Please",
        "Later",
        "Now",
        "When",
        "If",
        "Not",
        "Baby",
        "Babe",
        "Dear",
        "Sweetie",
        "Hun",
        "Honey",
    ]
)


def name_hit(value: str, start: int, end: int, confidence: float, source: str) -> Hit:
    norm = " ".join(value.split()).lower()
    return Hit("name", start, end, value, norm, True, confidence, {"source": source}, 10, exclusive=False)


@register(
    "name",
    "A name someone gives for themselves, or a sender's display name in an imported chat",
    [
        Example("hi babe, my name is Anna Petrova and I'm 22", ("anna petrova",)),
        Example("Call me Dave.", ("dave",)),
        Example("call me later when you can"),
    ],
    triggers=[(r"(?i)my name|my names|i am called|i'm called|call me", 2, 75)],
)
def find(scan: Scan) -> Iterator[Hit]:
    for m in (m for ws, we in scan.windows("name") for m in _NAME.finditer(scan.text, ws, we)):
        value = m.group(1)
        if value.split()[0] in _NOT_NAMES:
            continue
        yield name_hit(value, m.start(1), m.end(1), 0.6, "prose")


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_NAME = hinted(_NAME)
