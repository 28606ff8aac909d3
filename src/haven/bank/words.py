"""The 256-bit hash as four little-endian uint64 words: hex in and out, and bits set per row.

Every part of the bank's matching (:mod:`haven.bank.index`, :mod:`haven.bank.hma`, the benchmarks) holds PDQ
hashes in this form.
"""

from __future__ import annotations

import numpy as np

WORDS = 4  # 256 bits as four little-endian uint64 words

_LANES = np.uint64(0x0001000100010001)
_SHIFT48 = np.uint64(48)

if hasattr(np, "bitwise_count"):  # numpy >= 2

    def popcount_rows(x: np.ndarray) -> np.ndarray:
        """Bits set per row of a (n, 4) uint64 array (the four per-word counts are added as uint16 lanes
        of one uint64: 3x faster than ``sum(axis=1)`` on short rows)."""
        lanes = np.ascontiguousarray(np.bitwise_count(x), dtype=np.uint16).view(np.uint64).ravel()
        return ((lanes * _LANES) >> _SHIFT48).astype(np.int64)

else:  # pragma: no cover - numpy 1.x fallback: byte lookup table
    _POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount_rows(x: np.ndarray) -> np.ndarray:
        """Bits set per row of a (n, 4) uint64 array."""
        return _POP8[np.ascontiguousarray(x).view(np.uint8)].reshape(len(x), -1).sum(axis=1, dtype=np.int64)


def hex_to_words(hexes: list[str] | tuple[str, ...]) -> np.ndarray:
    """(n, 4) uint64 from 64-character hex strings (already validated)."""
    if not hexes:
        return np.zeros((0, WORDS), dtype=np.uint64)
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype="<u8").reshape(-1, WORDS).copy()


def words_to_hex(words: np.ndarray) -> list[str]:
    """Inverse of :func:`hex_to_words`."""
    raw = np.ascontiguousarray(words, dtype="<u8").tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]
