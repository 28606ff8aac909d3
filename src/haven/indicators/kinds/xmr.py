"""``xmr``: Monero addresses — standard ``4…`` and subaddress ``8…`` (95 characters) and integrated
(106): Monero block base58, network byte, then Keccak-256 checksum of everything before it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register, result_cache
from haven.indicators.codecs import keccak256, monero_b58decode
from haven.indicators.kinds._base58coin import BASE58_RUN, CRYPTO_WORDS, shaped

_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])[48][1-9A-HJ-NP-Za-km-z]{94}(?:[1-9A-HJ-NP-Za-km-z]{11})?(?![0-9A-Za-z])"
)
_SUBADDRESS = (
    "84B8XHHFKcBCNjnUHwsqP7i7Q6sqgio31ddf2hQiF3V9Ngbp6LzjSSJPqiPJ9FaNxd18NJ5cro6n7iR6JiMnDZAwVKQn2SV"
)
_TYPES = {18: "standard", 19: "integrated", 42: "subaddress"}
_DONATION = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"


@result_cache(1024)
def _check(value: str) -> str | None:
    """The address type when ``value`` decodes and its Keccak checksum matches, else None (cached)."""
    raw = monero_b58decode(value)
    if raw is None or raw[0] not in _TYPES or len(raw) not in (69, 77):
        return None
    return _TYPES[raw[0]] if keccak256(raw[:-4])[:4] == raw[-4:] else None


@register(
    "xmr",
    "Monero address (standard, subaddress or integrated), Keccak checksum verified",
    [
        Example(f"monero: {_DONATION}", (_DONATION,)),
        Example(f"xmr {_SUBADDRESS}", (_SUBADDRESS,)),
        Example(f"xmr wallet {_DONATION[:-1]}B", invalid=(f"{_DONATION[:-1]}B",)),
        Example("4" * 95),
    ],
    triggers=[BASE58_RUN],
)
def find(scan: Scan) -> Iterator[Hit]:
    for m in shaped(scan, "xmr", _SHAPE):
        value = m.group()
        kind = _check(value)
        if kind is not None:
            yield Hit("xmr", m.start(), m.end(), value, value, True, 1.0, {"type": kind}, 90)
            continue
        if scan.near(m.start(), m.end(), CRYPTO_WORDS) and len(set(value)) > 10:
            yield Hit("xmr", m.start(), m.end(), value, value, False, 0.3, {"type": "base58"}, 90)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_SHAPE = hinted(_SHAPE)
