"""``doge``: Dogecoin addresses — ``D…`` (Base58Check 0x1e) and P2SH ``9…``/``A…`` (0x16)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._base58coin import BASE58_RUN, find_base58

_SHAPE = re.compile(r"(?<![0-9A-Za-z])[D9A][1-9A-HJ-NP-Za-km-z]{33}(?![0-9A-Za-z])")


@register(
    "doge",
    "Dogecoin address, checksum-verified",
    [
        Example("doge DP6EQ8PQNQCGXHVjUH9tcdgmhbm5YBaMrW", ("DP6EQ8PQNQCGXHVjUH9tcdgmhbm5YBaMrW",)),
        Example("p2sh 9va2QftReeF2TbCQA3FVfMJuaR7PiMKHyf", ("9va2QftReeF2TbCQA3FVfMJuaR7PiMKHyf",)),
        Example(
            "dogecoin wallet DP6EQ8PQNQCGXHVjUH9tcdgmhbm5YBaMrX",
            invalid=("DP6EQ8PQNQCGXHVjUH9tcdgmhbm5YBaMrX",),
        ),
        Example("Ref DQ7EQ8PQNQCGXHVjUH9tcdgmhbm5YBaMrX in the parcel note"),
    ],
    triggers=[BASE58_RUN],
)
def find(scan: Scan) -> Iterator[Hit]:
    yield from find_base58(scan, "doge", _SHAPE, {0x1E: "p2pkh", 0x16: "p2sh"})


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_SHAPE = hinted(_SHAPE)
