"""Shared finder for Base58Check coins other than Bitcoin (Litecoin, Dogecoin, Tron): a shape regex, the
version bytes that belong to the coin, and crypto words that must be near before an address that fails its
checksum is reported (as invalid) — without them a long random token is not worth a finding."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Hit, Scan
from haven.indicators.codecs import b58check_payload

BASE58_RUN = ("[13LMD9AT48][1-9A-HJ-NP-Za-km-z]{25}", 2, 100)
"""The one prefilter trigger all base58 coins share: a 26-character base58 run starting like an address."""

CRYPTO_WORDS = re.compile(
    r"\b(?:wallet|address|addr|crypto|coin|btc|bitcoin|ltc|litecoin|doge|dogecoin|trx|tron|trc-?20|usdt|"
    r"tether|xmr|monero|eth|ethereum|erc-?20|send|pay)\b"
)


def find_base58(
    scan: Scan, kind: str, shape: re.Pattern[str], versions: dict[int, str], length: int = 21
) -> Iterator[Hit]:
    for m in (m for ws, we in scan.windows(kind) for m in shape.finditer(scan.text, ws, we)):
        value = m.group()
        payload = b58check_payload(value)
        if payload is None:
            if scan.near(m.start(), m.end(), CRYPTO_WORDS):
                yield Hit(kind, m.start(), m.end(), value, value, False, 0.3, {"type": "base58"}, 90)
        elif len(payload) == length and payload[0] in versions:
            yield Hit(kind, m.start(), m.end(), value, value, True, 1.0, {"type": versions[payload[0]]}, 90)
