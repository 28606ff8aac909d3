"""``trx``: Tron addresses (USDT-TRC20 is paid to these): ``T…``, Base58Check with version byte 0x41."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._base58coin import BASE58_RUN, find_base58

_SHAPE = re.compile(r"(?<![0-9A-Za-z])T[1-9A-HJ-NP-Za-km-z]{33}(?![0-9A-Za-z])")


@register(
    "trx",
    "Tron address (USDT-TRC20), checksum-verified",
    [
        Example("usdt trc20: TKfbpXZ8fiMsSg3HqSzyNT3VaiYFq8yKVA", ("TKfbpXZ8fiMsSg3HqSzyNT3VaiYFq8yKVA",)),
        Example(
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t is the USDT contract", ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",)
        ),
        Example(
            "usdt wallet TKfbpXZ8fiMsSg3HqSzyNT3VaiYFq8yKVB", invalid=("TKfbpXZ8fiMsSg3HqSzyNT3VaiYFq8yKVB",)
        ),
        Example("The ThisIsAVeryLongCamelCaseIdentifierX in code"),
    ],
    triggers=[BASE58_RUN],
)
def find(scan: Scan) -> Iterator[Hit]:
    yield from find_base58(scan, "trx", _SHAPE, {0x41: "tron"}, length=21)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_SHAPE = hinted(_SHAPE)
