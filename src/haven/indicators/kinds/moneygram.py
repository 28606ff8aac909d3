"""``moneygram-ref``: MoneyGram reference numbers — 8 digits, only when MoneyGram is named nearby and the
number is written as a reference ("reference", "ref", "ref no", "#") or right after the MoneyGram words.
Normalised to the 8 digits; no public checksum, so ``valid`` means the format is right."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register

_BRAND = re.compile(r"money\s?gram|\bmgi?\b")
_REF_WORDS = re.compile(
    r"(?:reference|ref|money\s?gram|mg|number|no|code|#|referencia|referência|referencia|référence|"
    r"referenz\w*|referenznummer|n[uú]mero|numéro|nummer|c[oó]digo)\W{0,6}"
    r"(?:(?:de|da|do|der|ist|es|est|é)\s+(?:la\s+|referencia|referência|référence|referenz)?\W{0,3})?"
    r"(?:referencia|referência|référence|referenz|number|no|num|#|is|es|est|é|ist)?\W{0,4}$"
)
_CODE = re.compile(r"(?<![\d-])(\d{2,4})[- ]?(\d{2,4})(?:[- ]?(\d{2,4}))?(?![\d-])")


@register(
    "moneygram-ref",
    "MoneyGram reference number (8 digits, near MoneyGram / reference words)",
    [
        Example("sent via MoneyGram, reference number: 8723 4410", ("87234410",)),
        Example("moneygram ref #12345678 pick up in Lagos", ("12345678",)),
        Example("my order reference 12345678 from Argos"),
        Example("moneygram is fine, I have 12345678 followers"),
        Example("te mandé por MoneyGram, número de referencia: 4471 9023", ("44719023",)),
        Example("enviei pela MoneyGram, número de referência 3381-2270", ("33812270",)),
        Example("envoyé par MoneyGram, numéro de référence 55019842", ("55019842",)),
        Example("per MoneyGram geschickt, Referenznummer: 6120 4478", ("61204478",)),
        Example("MoneyGram: código 90817263", ("90817263",)),
        Example("MoneyGram abre a las 9, mi pedido 12345678 llega mañana"),
    ],
    triggers=[(r"(?i)money\s?gram|\bmgi?\b", 270, 270)],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    spans = scan.windows("moneygram-ref")
    brands = [(w.start(), w.end()) for ws, we in spans for w in _BRAND.finditer(low, ws, we)]
    if not brands:
        return
    for m in (m for ws, we in spans for m in _CODE.finditer(scan.text, ws, we)):
        digits = "".join(g or "" for g in m.groups())
        if len(digits) != 8:
            continue
        if not any(m.start() - 250 < e and s < m.end() + 250 for s, e in brands):
            continue
        if not _REF_WORDS.search(low, max(0, m.start() - 30), m.start()):
            continue
        yield Hit("moneygram-ref", m.start(), m.end(), m.group(), digits, True, 0.85, {}, 68)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_BRAND = hinted(_BRAND)
