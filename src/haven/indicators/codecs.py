"""Checksums for crypto addresses: Bech32/Bech32m (BIP-173/350), Base58Check, Monero base58, EIP-55.

Written by hand here, and why:
- Bech32/Bech32m: this is the BIP reference code (Pieter Wuille's ``segwit_addr.py``, MIT), about 40 lines.
  The PyPI package ``bech32`` (1.2.0, last released 2020-02) predates BIP-350 and has no Bech32m, so it
  would reject every taproot ``bc1p`` address; ``bip-utils`` does both but drags in native crypto
  libraries (coincurve, pynacl, ...) for these 40 lines.
- Monero base58: Monero encodes in 8-byte blocks (11 characters each), which the ``base58`` package does
  not do; the block codec is 15 lines. Its checksum is Keccak-256 from pycryptodome.
Base58Check itself comes from the ``base58`` package; Keccak-256 from pycryptodome. The decoders are
cached per string (a chat repeats the same address many times; results are immutable).
"""

from __future__ import annotations

import base58
from Crypto.Hash import keccak

from haven.indicators.base import result_cache

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_REV = {c: i for i, c in enumerate(BECH32_CHARSET)}
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_decode(bech: str) -> tuple[str, list[int], str] | None:
    """(hrp, data without checksum, "bech32"|"bech32m"), or None when not a valid Bech32(m) string."""
    if any(ord(x) < 33 or ord(x) > 126 for x in bech) or (bech.lower() != bech and bech.upper() != bech):
        return None
    bech = bech.lower()
    pos = bech.rfind("1")
    if pos < 1 or pos + 7 > len(bech) or len(bech) > 90:
        return None
    try:
        data = [_CHARSET_REV[x] for x in bech[pos + 1 :]]
    except KeyError:
        return None
    hrp = bech[:pos]
    const = _polymod(_hrp_expand(hrp) + data)
    if const == BECH32_CONST:
        return hrp, data[:-6], "bech32"
    if const == BECH32M_CONST:
        return hrp, data[:-6], "bech32m"
    return None


def _convertbits(data: list[int], frombits: int, tobits: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    ret: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            return None
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad:
        if bits:
            ret.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return ret


@result_cache(4096)
def segwit_decode(hrp: str, addr: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a segwit address for ``hrp``, or None (BIP-173 + BIP-350 rules)."""
    dec = bech32_decode(addr)
    if dec is None or dec[0] != hrp or not dec[1]:
        return None
    _, data, spec = dec
    prog = _convertbits(data[1:], 5, 8, False)
    ver = data[0]
    if prog is None or len(prog) < 2 or len(prog) > 40 or ver > 16:
        return None
    if ver == 0 and len(prog) not in (20, 32):
        return None
    if (ver == 0) != (spec == "bech32"):
        return None
    return ver, bytes(prog)


@result_cache(4096)
def b58check_payload(s: str) -> bytes | None:
    """The Base58Check payload (version byte + data), or None when the checksum fails."""
    try:
        return base58.b58decode_check(s)
    except ValueError:
        return None


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


@result_cache(4096)
def eip55_checksum(addr40: str) -> str:
    """The EIP-55 mixed-case form of 40 hex digits (without ``0x``)."""
    low = addr40.lower()
    h = keccak256(low.encode()).hex()
    return "".join(c.upper() if c.isalpha() and int(h[i], 16) >= 8 else c for i, c in enumerate(low))


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_REV = {c: i for i, c in enumerate(_B58)}
_XMR_BLOCK_SIZES = (0, 2, 3, 5, 6, 7, 9, 10, 11)


def monero_b58decode(s: str) -> bytes | None:
    """Decode Monero's block base58 (8-byte blocks as 11 characters), or None when malformed."""
    out = bytearray()
    for i in range(0, len(s), 11):
        block = s[i : i + 11]
        try:
            size = _XMR_BLOCK_SIZES.index(len(block))
        except ValueError:
            return None
        num = 0
        for c in block:
            d = _B58_REV.get(c)
            if d is None:
                return None
            num = num * 58 + d
        if num >> (8 * size):
            return None
        out += num.to_bytes(size, "big")
    return bytes(out)


def monero_b58encode(data: bytes) -> str:
    """Encode bytes in Monero's block base58 (used by tests to build addresses)."""
    out = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        num = int.from_bytes(block, "big")
        chars = []
        for _ in range(_XMR_BLOCK_SIZES[len(block)]):
            num, r = divmod(num, 58)
            chars.append(_B58[r])
        out.append("".join(reversed(chars)))
    return "".join(out)


def segwit_encode(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address (bech32 for v0, bech32m for v1+); tests use it to build addresses."""
    data = [version, *(_convertbits(list(program), 8, 5, True) or [])]
    const = BECH32_CONST if version == 0 else BECH32M_CONST
    values = _hrp_expand(hrp) + data
    poly = _polymod([*values, 0, 0, 0, 0, 0, 0]) ^ const
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)
