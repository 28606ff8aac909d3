"""``eth``: Ethereum (and ERC-20, e.g. USDT) addresses. Mixed case must match the EIP-55 checksum;
all-lowercase or all-uppercase addresses are accepted as unchecksummed. Normalised to lowercase ``0x…``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.codecs import eip55_checksum

_ETH = re.compile(r"(?<![0-9A-Za-z])0[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")


@register(
    "eth",
    "Ethereum address, EIP-55 checksum verified when written in mixed case",
    [
        Example(
            "eth: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",)
        ),
        Example(
            "usdt erc20 0xde709f2102306220921060314715629080e2fb77",
            ("0xde709f2102306220921060314715629080e2fb77",),
        ),
        Example(
            "bad case 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            invalid=("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",),
        ),
        Example("sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 is not an address"),
    ],
    triggers=[(r"0[xX][0-9a-fA-F]{40}", 1, 2)],
)
def find(scan: Scan) -> Iterator[Hit]:
    for m in (m for ws, we in scan.windows("eth") for m in _ETH.finditer(scan.text, ws, we)):
        value = m.group()
        body = value[2:]
        if body.islower() or body.isupper() or body.isdigit():
            valid, extra = True, {"checksummed": False}
        else:
            valid, extra = eip55_checksum(body) == body, {"checksummed": True}
        yield Hit(
            "eth", m.start(), m.end(), value, "0x" + body.lower(), valid, 1.0 if valid else 0.3, extra, 90
        )


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_ETH = hinted(_ETH)
