"""``gift-card``: voucher codes for Amazon, Apple/iTunes, Google Play, Steam and Paysafecard, only when the
brand is named nearby and the code has that brand's shape. Normalised ``brand:CODE`` (uppercase, no dashes
or spaces). The brands publish no checksum, so ``valid`` means the shape is right for the brand."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, register

_BRANDS = re.compile(
    r"(?=[agips])"  # the first letters of the brand names: the engine skips to them
    r"(?:(amazon|amzn)|(apple|itunes|i-tunes|app\s?store)|(google\s?play|play\s?store|google\s+gift|gplay)|"
    r"(steam)|(paysafe\s?card|paysafe|psc))"
)
_BRAND_NAMES = ("amazon", "apple", "google-play", "steam", "paysafecard")
# Codes: runs of letters/digits in groups separated by "-" or " ".
_CODE = re.compile(
    r"(?<![A-Za-z0-9-])[A-Za-z0-9]{4,6}(?:[- ][A-Za-z0-9]{3,6}){1,9}(?![A-Za-z0-9-])"
    r"|(?<![A-Za-z0-9-])[A-Za-z0-9]{10,20}(?![A-Za-z0-9-])"
)
_CODE_CHAR = re.compile(r"[0-9]")
"""Every brand's code has a digit (``_fits``): a run of groups without one holds no code."""
_SHAPES = {
    "amazon": re.compile(r"[A-Z0-9]{4}-?[A-Z0-9]{6}-?[A-Z0-9]{4,5}"),
    "apple": re.compile(r"X[A-Z0-9]{15}|[A-Z0-9]{16}"),
    "google-play": re.compile(r"[A-Z0-9]{16}|[A-Z0-9]{20}"),
    "steam": re.compile(r"[A-Z0-9]{5}[A-Z0-9]{5}[A-Z0-9]{5}"),
    "paysafecard": re.compile(r"\d{16}"),
}

_CODE_LENGTHS = frozenset((14, 15, 16, 20))
"""Every length a code of ``_SHAPES`` can have (letters and digits only)."""


def _fits(brand: str, code: str) -> bool:
    if not _SHAPES[brand].fullmatch(code):
        return False
    if brand == "paysafecard":
        return True
    digits = sum(c.isdigit() for c in code)
    return 1 <= digits < len(code) - 1 and any(c.isalpha() for c in code)


@register(
    "gift-card",
    "Gift card / voucher code (Amazon, Apple/iTunes, Google Play, Steam, Paysafecard), near the brand name",
    [
        Example("amazon card code: AQ7D-K29XLM-PQ4R", ("amazon:AQ7DK29XLMPQ4R",)),
        Example("itunes card X7KD9WQ2M4HZ8PLT", ("apple:X7KD9WQ2M4HZ8PLT",)),
        Example("steam wallet 7HK2P-Q9RXD-4MWZT", ("steam:7HK2PQ9RXD4MWZT",)),
        Example("paysafecard pin 0123 4567 8901 2345", ("paysafecard:0123456789012345",)),
        Example("Google Play code 4XK7 9QPL 2MZD 8RTW 5HNB", ("google-play:4XK79QPL2MZD8RTW5HNB",)),
        Example("amazon order 204-4419921-3382217 arrives Tuesday"),
        Example("my steam name is BIGGAMER2000 and SOMEWORDSHERE"),
    ],
    triggers=[
        (
            r"(?i)amazon|amzn|apple|itunes|i-tunes|app\s?store|google\s?play|play\s?store|google\s+gift|gplay|"
            r"steam|paysafe|\bpsc\b",
            220,
            220,
        )
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    spans = scan.windows("gift-card")
    brands = [
        (m.start(), m.end(), _BRAND_NAMES[(m.lastindex or 1) - 1])
        for ws, we in spans
        for m in _BRANDS.finditer(low, ws, we)
    ]
    if not brands:
        return
    brand_starts = [b[0] for b in brands]
    for m in (m for ws, we in spans for m in _CODE.finditer(scan.text, ws, we)):
        if not _CODE_CHAR.search(m.group()):
            continue  # only words: no run of its groups can be a code
        for start, end, brand, code in _codes(m, brands, brand_starts):
            yield Hit(
                "gift-card",
                start,
                end,
                scan.text[start:end],
                f"{brand}:{code}",
                True,
                0.8,
                {"brand": brand},
                65,
            )


_WORDS = frozenset(
    [
        "CODE",
        "CODES",
        "PIN",
        "CARD",
        "GIFT",
        "STEAM",
        "AMAZON",
        "APPLE",
        "GOOGLE",
        "PLAY",
        "ITUNES",
        "WALLET",
        "KEY",
        "HERE",
        "SEND",
    ]
)


def _codeish(group: str) -> bool:
    """A group of a code has a digit or is written in capitals (and is not a capitalised word like CODE)."""
    return not group.isalpha() or (group.isupper() and group not in _WORDS)  # ASCII letters and digits


def _codes(
    m: re.Match[str], brands: list[tuple[int, int, str]], brand_starts: list[int]
) -> list[tuple[int, int, str, str]]:
    """Every code in the match (two codes may be written one after the other), longest first."""
    groups = [
        (g.start() + m.start(), g.end() + m.start())
        for g in re.finditer(r"[A-Za-z0-9]+", m.group())
        if _codeish(g.group())
    ]
    found: list[tuple[int, int, str, str]] = []
    while groups:
        best = _best(m.string, groups, brands, brand_starts)
        if best is None:
            break
        found.append(best)
        groups = [g for g in groups if g[1] <= best[0] or g[0] >= best[1]]
    return found


def _best(
    text: str, groups: list[tuple[int, int]], brands: list[tuple[int, int, str]], brand_starts: list[int]
) -> tuple[int, int, str, str] | None:
    """The longest run of adjacent groups that has the shape of the nearest brand that fits."""
    # Only runs of adjacent groups (one separator between them) whose letters and digits add up to a
    # length some brand's code has can fit: the others are never joined and checked.
    lengths = [0]
    for s, e in groups:
        lengths.append(lengths[-1] + e - s)
    runs = sorted(
        (
            (i, j)
            for i in range(len(groups))
            for j in range(i, len(groups))
            if lengths[j + 1] - lengths[i] in _CODE_LENGTHS
        ),
        key=lambda r: r[0] - r[1],
    )
    for i, j in runs:
        if any(groups[k + 1][0] - groups[k][1] != 1 for k in range(i, j)):
            continue
        start, end = groups[i][0], groups[j][1]
        code = "".join(text[s:e] for s, e in groups[i : j + 1]).upper()
        # brands within 200 characters (brands are in text order), nearest first
        near = brands[bisect_left(brand_starts, start - 200) : bisect_right(brand_starts, start + 200)]
        for _, _, brand in sorted(near, key=lambda b: abs(b[0] - start)):
            if _fits(brand, code):
                return start, end, brand, code
    return None
