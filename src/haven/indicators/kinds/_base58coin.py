"""Shared finder for Base58Check coins other than Bitcoin (Litecoin, Dogecoin, Tron): a shape regex, the
version bytes that belong to the coin, and crypto words that must be near before an address that fails its
checksum is reported (as invalid) — without them a long random token is not worth a finding."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Hit, Scan, first_char_hint
from haven.indicators.codecs import b58check_payload

BASE58_RUN = ("(^|[^0-9A-Za-z])[13LMD9AT48][1-9A-HJ-NP-Za-km-z]{25}", 2, 100)
"""The one prefilter trigger all base58 coins share: a 26-character base58 run starting like an address,
at the start of a word (every coin's address pattern has ``(?<![0-9A-Za-z])`` in front; asking for it here
makes this, the most expensive trigger, cheaper to scan)."""

CRYPTO_WORDS = re.compile(
    r"\b(?:wallet|address|addr|crypto|coin|btc|bitcoin|ltc|litecoin|doge|dogecoin|trx|tron|trc-?20|usdt|"
    r"tether|xmr|monero|eth|ethereum|erc-?20|send|pay)\b"
)


# A maximal word of base58 characters, 26 or more long: every coin's address pattern matches such a word
# as a whole (they all have ``(?<![0-9A-Za-z])`` before and ``(?![0-9A-Za-z])`` after), so the words are
# found once per scan and each coin only tests its own shape on them.
_RUN = re.compile(r"(?<![0-9A-Za-z])[1-9A-HJ-NP-Za-km-z]{26,}(?![0-9A-Za-z])")


def shaped(scan: Scan, kind: str, shape: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The matches of a coin's address ``shape`` in the kind's windows: the same as
    ``shape.finditer`` over each window, by way of the shared base58 words."""
    windows = scan.windows(kind)
    key = ("base58-words", tuple(windows))
    words = scan.memo.get(key)
    if words is None:
        words = scan.memo[key] = [m.span() for ws, we in windows for m in _RUN.finditer(scan.text, ws, we)]
    for s, e in words:
        m = shape.fullmatch(scan.text, s, e)
        if m is not None:
            yield m


def find_base58(
    scan: Scan, kind: str, shape: re.Pattern[str], versions: dict[int, str], length: int = 21
) -> Iterator[Hit]:
    for m in shaped(scan, kind, shape):
        value = m.group()
        payload = b58check_payload(value)
        if payload is None:
            if scan.near(m.start(), m.end(), CRYPTO_WORDS):
                yield Hit(kind, m.start(), m.end(), value, value, False, 0.3, {"type": "base58"}, 90)
        elif len(payload) == length and payload[0] in versions:
            yield Hit(kind, m.start(), m.end(), value, value, True, 1.0, {"type": versions[payload[0]]}, 90)


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
CRYPTO_WORDS = first_char_hint(CRYPTO_WORDS)
