"""``ltc``: Litecoin addresses — legacy ``L…``, P2SH ``M…`` (Base58Check 0x30/0x32) and ``ltc1…`` segwit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, register
from haven.indicators.codecs import segwit_decode
from haven.indicators.kinds._base58coin import BASE58_RUN, find_base58

_LEGACY = re.compile(r"(?<![0-9A-Za-z])[LM][1-9A-HJ-NP-Za-km-z]{26,33}(?![0-9A-Za-z])")
_SEGWIT = re.compile(r"(?<![0-9A-Za-z])(?:ltc|LTC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}(?![0-9A-Za-z])")


@register(
    "ltc",
    "Litecoin address (legacy, P2SH or ltc1 segwit), checksum-verified",
    [
        Example("litecoin Lg7EvUMHYyzGrmV9oUtKSDMDxNjtYhApAB", ("Lg7EvUMHYyzGrmV9oUtKSDMDxNjtYhApAB",)),
        Example("LTC: MCTQCkH4bbSvoVtRjb4a6jJ7nwzQUWqRbV", ("MCTQCkH4bbSvoVtRjb4a6jJ7nwzQUWqRbV",)),
        Example(
            "ltc1q4jkgds8xp89fqmmr9v8zmtxvk2mh6g4sfrfew4", ("ltc1q4jkgds8xp89fqmmr9v8zmtxvk2mh6g4sfrfew4",)
        ),
        Example(
            "ltc wallet Lg7EvUMHYyzGrmV9oUtKSDMDxNjtYhApAC", invalid=("Lg7EvUMHYyzGrmV9oUtKSDMDxNjtYhApAC",)
        ),
        Example("Manchester United 2 Liverpool 1 LiverpoolFootballClubFanZone2024"),
    ],
    triggers=[BASE58_RUN, (r"(?i)ltc1[02-9ac-hj-np-z]{6}", 2, 90)],
)
def find(scan: Scan) -> Iterator[Hit]:
    yield from find_base58(scan, "ltc", _LEGACY, {0x30: "p2pkh", 0x32: "p2sh"})
    for m in (m for ws, we in scan.windows("ltc") for m in _SEGWIT.finditer(scan.text, ws, we)):
        value = m.group()
        dec = segwit_decode("ltc", value)
        if dec is not None:
            yield Hit(
                "ltc", m.start(), m.end(), value, value.lower(), True, 1.0, {"type": f"segwit-v{dec[0]}"}, 90
            )
        elif len(value) >= 14:
            yield Hit("ltc", m.start(), m.end(), value, value.lower(), False, 0.3, {"type": "segwit"}, 90)
