"""``btc``: Bitcoin addresses — legacy/P2SH (Base58Check, version 0x00/0x05) and segwit (bech32 v0,
bech32m v1+ such as taproot ``bc1p``). Candidates that fail the checksum are kept, marked invalid: a
mistyped address in a demand is still evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.codecs import b58check_payload, segwit_decode
from haven.indicators.kinds._base58coin import BASE58_RUN, shaped

_LEGACY = re.compile(r"(?<![0-9A-Za-z])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])")
_SEGWIT = re.compile(r"(?<![0-9A-Za-z])(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}(?![0-9A-Za-z])")
PRIORITY = 90


@register(
    "btc",
    "Bitcoin address (legacy, P2SH, segwit bech32 or taproot bech32m), checksum-verified",
    [
        Example(
            "send 0.05 BTC to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",)
        ),
        Example("p2sh 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",)),
        Example(
            "wallet: BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4.",
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",),
        ),
        Example(
            "taproot bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",),
        ),
        Example("typo 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", invalid=("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",)),
        Example(
            "bech32 for v1 is wrong: bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            invalid=("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",),
        ),
        Example("commit 3fd3180f5530cb26f6cc9ea316326a7a00729210 and version 3.20191021.1"),
        Example("order 1234567890123456789012345678 shipped"),
    ],
    triggers=[BASE58_RUN, (r"(?i)(bc|tb)1[02-9ac-hj-np-z]{6}", 2, 90)],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    spans = scan.windows("btc")
    for m in shaped(scan, "btc", _LEGACY):
        value = m.group()
        payload = b58check_payload(value)
        if payload is None:
            if value.isdigit():
                continue
            yield Hit("btc", m.start(), m.end(), value, value, False, 0.3, {"type": "base58"}, PRIORITY)
        elif len(payload) == 21 and payload[0] in (0x00, 0x05):
            kind = "p2pkh" if payload[0] == 0 else "p2sh"
            yield Hit("btc", m.start(), m.end(), value, value, True, 1.0, {"type": kind}, PRIORITY)
    for m in (m for ws, we in spans for m in _SEGWIT.finditer(text, ws, we)):
        value = m.group()
        low = value.lower()
        hrp = low[:2]
        dec = segwit_decode(hrp, value)
        extra: dict[str, object] = {"network": "mainnet" if hrp == "bc" else "testnet"}
        if dec is None:
            if len(value) < 14:
                continue
            extra["type"] = "segwit"
            yield Hit("btc", m.start(), m.end(), value, low, False, 0.3, extra, PRIORITY)
        else:
            extra["type"] = "taproot" if dec[0] == 1 and len(dec[1]) == 32 else f"segwit-v{dec[0]}"
            yield Hit("btc", m.start(), m.end(), value, low, True, 1.0, extra, PRIORITY)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LEGACY = hinted(_LEGACY)
_SEGWIT = hinted(_SEGWIT)
