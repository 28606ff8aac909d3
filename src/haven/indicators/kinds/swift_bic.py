"""``swift-bic``: SWIFT/BIC bank codes (``DEUTDEFF``, ``DEUTDEFF500``), only near the words SWIFT, BIC or
bank details, so ordinary uppercase words are not taken for codes. Structure and country are checked with
``schwifty``. Normalised uppercase."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from haven.indicators.base import Example, Hit, Scan, first_char_hint, register

_WORDS = re.compile(r"\b(?:swift|bic|swift/bic|bic/swift|bank\s+code|bank\s+identifier)\b")
_CODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{4}[A-Za-z]{2}[A-Za-z0-9]{2}(?:[A-Za-z0-9]{3})?)(?![A-Za-z0-9])"
)


@register(
    "swift-bic",
    "SWIFT / BIC bank code (only next to the words SWIFT or BIC)",
    [
        Example("SWIFT: DEUTDEFF", ("DEUTDEFF",)),
        Example("bic code deutdeff500 for the transfer", ("DEUTDEFF500",)),
        Example("Bank: Barclays, IBAN GB94BARC10201530093459, BIC BARCGB22", ("BARCGB22",)),
        Example("PLEASE TRANSFER IMMEDIATELY OR EVERYONE SEES"),
        Example("swift reply needed, ASAP PLEASE"),
    ],
    triggers=[(r"(?i)swift|\bbic\b|bank\s+code|bank\s+identifier", 2, 60)],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    done: set[int] = set()
    for w in (w for ws, we in scan.windows("swift-bic") for w in _WORDS.finditer(low, ws, we)):
        for m in _CODE.finditer(scan.text, w.end(), min(len(low), w.end() + 40)):
            code = m.group(1)
            if m.start() in done or (code.upper() != code and code.lower() != code):
                continue
            if code.islower() and m.start() - w.end() > 12:
                continue  # a lowercase word further on is just a word
            try:
                bic = BIC(code.upper())
            except SchwiftyException:
                continue
            done.add(m.start())
            yield Hit(
                "swift-bic", m.start(), m.end(), code, str(bic), True, 0.85, {"country": bic.country_code}, 60
            )
            break


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
_WORDS = first_char_hint(_WORDS)
