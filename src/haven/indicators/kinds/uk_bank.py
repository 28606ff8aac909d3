"""``uk-bank-account``: a UK sort code and account number, reported only when the words around them say
so ("sort code", "s/c", "account", "acc no"). Normalised ``SS-SS-SS-AAAAAAAA``. No public library checks UK
modulus rules (Vocalink's table), so ``valid`` means the format is right."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, first_char_hint, hinted, register

_SORT_WORDS = re.compile(r"sort\s*-?code|sortcode|\bs/c\b|\bsc\b|\bsort\b")
_SORT = re.compile(r"(?<![\d-])(\d{2})[- ]?(\d{2})[- ]?(\d{2})(?![\d-])")
_ACC = re.compile(r"(?<![\d-])(\d{4}[ ]?\d{4})(?![\d-])")
_ACC_WORDS = re.compile(r"\b(?:acc(?:oun)?t?|a/c|acct|account\s*(?:no|number|num))\b")


@register(
    "uk-bank-account",
    "UK sort code and account number (only with the words around them)",
    [
        Example("Sort code: 20-00-00, Account no: 55779911", ("20-00-00-55779911",)),
        Example("acc 1234 5678 sort code 401276", ("40-12-76-12345678",)),
        Example("s/c 09-01-28 a/c 40123456 name J Smith", ("09-01-28-40123456",)),
        Example("order 20-00-00 shipped, parcel 55779911"),
    ],
    triggers=[(r"(?i)sort\s*-?code|sortcode|s/c|\bsc\b|\bsort\b", 90, 110)],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    for w in (w for ws, we in scan.windows("uk-bank-account") for w in _SORT_WORDS.finditer(low, ws, we)):
        window_start, window_end = max(0, w.start() - 60), min(len(low), w.end() + 80)
        sort = _SORT.search(scan.text, w.end(), min(len(low), w.end() + 25))
        if sort is None:
            continue
        sc = "-".join(sort.groups())
        best = None
        for acc in _ACC.finditer(scan.text, window_start, window_end):
            if acc.start() < sort.end() and acc.end() > sort.start():
                continue
            if not scan.near(acc.start(), acc.end(), _ACC_WORDS, before=30, after=0) and not (
                acc.start() >= sort.end() and acc.start() - sort.end() < 20
            ):
                continue
            if best is None or abs(acc.start() - sort.start()) < abs(best.start() - sort.start()):
                best = acc
        if best is None:
            continue
        number = best.group(1).replace(" ", "")
        start, end = min(sort.start(), best.start()), max(sort.end(), best.end())
        yield Hit(
            "uk-bank-account",
            start,
            end,
            scan.text[start:end],
            f"{sc}-{number}",
            True,
            0.85,
            {"sort_code": sc, "account_number": number},
            70,
        )


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
_ACC_WORDS = first_char_hint(_ACC_WORDS)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_SORT_WORDS = hinted(_SORT_WORDS)
