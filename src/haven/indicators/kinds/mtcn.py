"""``mtcn``: Western Union Money Transfer Control Numbers — 10 digits (``123-456-7890`` or ``1234567890``),
only near the words MTCN, Western Union, or money transfer control number. Normalised to the 10 digits.
Western Union publishes no checksum, so ``valid`` means the format is right."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register

_WORDS = re.compile(r"mtcn|western\s*union|\bwu\b|money\s+transfer\s+control|control\s+(?:number|no)")
_CODE = re.compile(r"(?<![\d-])\d(?:[- .]?\d){9}(?![\d-])")
_OTHER_NUMBER = re.compile(
    r"track(?:ing)?|parcel|order|shipment|delivery|invoice|sendungs|suivi|commande|pedido|rastreio|seguimiento"
)
"""Words that name a different number: a code right after them is that number, not an MTCN."""
_MTCN_NAMED = re.compile(r"mtcn|control")


@register(
    "mtcn",
    "Western Union MTCN (10 digits, near MTCN / Western Union words)",
    [
        Example("Western Union done, MTCN 123-456-7890", ("1234567890",)),
        Example("send it by western union and give me the mtcn: 8213456690", ("8213456690",)),
        Example("call me on 0791 123 4567, my tracking number 1234567890"),
        Example("my western union card got here, the dhl tracking number was 4829103756"),
        Example("western union, le code MTCN c'est 123-456-7890", ("1234567890",)),
    ],
    triggers=[
        (r"(?i)mtcn|western\s*union|\bwu\b|money\s+transfer\s+control|control\s+(number|no)", 220, 220)
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    spans = scan.windows("mtcn")
    words = [(w.start(), w.end()) for ws, we in spans for w in _WORDS.finditer(low, ws, we)]
    if not words:
        return
    for m in (m for ws, we in spans for m in _CODE.finditer(scan.text, ws, we)):
        before = low[max(0, m.start() - 40) : m.start()]
        if _OTHER_NUMBER.search(before) and not _MTCN_NAMED.search(before):
            continue
        if any(m.start() - 200 < e and s < m.end() + 200 for s, e in words):
            yield Hit("mtcn", m.start(), m.end(), m.group(), re.sub(r"\D", "", m.group()), True, 0.85, {}, 70)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_WORDS = hinted(_WORDS)
