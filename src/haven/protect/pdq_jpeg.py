"""PDQ of a large JPEG from a 1/2, 1/4 or 1/8-size decode, computed as if from the full-size picture.

PDQ (Meta's ``pdqhashing.cpp``) turns the picture's luma into 64 x 64 samples with two passes of a box
filter ("Jarosz" filter, window ``ceil(side / 128)``) and a decimation, then takes a 16 x 16 DCT and
sets each bit by comparing with the median. Every step before the median is linear, so along each axis
it is one 64 x ``side`` matrix. libjpeg's DCT-scaled decode gives (nearly exactly) the mean of each
8 x 8, 4 x 4 or 2 x 2 block of luma; treating each pixel as its block's mean, the full-size PDQ matrix
folds into a 64 x ``blocks`` matrix, and the hash of the full-size picture is two small matrix
products away from the small decode. Measured on camera-like 12 MP photos: at 1/8 size the hash is
within 4 bits of the reference (full decode + ``pdqhash``), where hashing the small picture directly
moved up to 22 bits.

Fragility without hashing twice: the same small decode, modelled a second way (linear between block
centres instead of flat blocks), gives each DCT value a second estimate; their difference is the
value's uncertainty. A picture with more than ``FRAGILE_BITS`` values nearer the median than that is
decoded once more at twice the size (rare: none of the 12 MP benchmark photos).
The rule (``UNCERTAINTY``, ``FRAGILE_BITS``) was set on the benchmark's 12 MP and 1.6 MP photos and on
smooth synthetic pictures (the hard case: few strong DCT values).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache

import numpy as np
from PIL import Image

SCALES = (8, 4, 2)  # what libjpeg can decode at (1/8, 1/4, 1/2 size)
MIN_WINDOW_PER_BLOCK = 2  # PDQ's box window must span at least this many decoded blocks
MIN_WINDOW = 8  # smaller pictures (short side under ~900 pixels) are decoded in full: cheap anyway
FRAGILE_BITS = 5
UNCERTAINTY = 2.0  # a value is fragile when nearer the median than this many times its uncertainty
LUMA = np.array((0.299, 0.587, 0.114), dtype=np.float32)  # PDQ's luma from RGB

# PDQ's DCT: 16 rows (frequencies 1..16) by 64 samples; as in pdqhashing.cpp.
_DCT = np.array(
    [[np.sqrt(2 / 64) * np.cos(np.pi / 2 / 64 * (i + 1) * (2 * j + 1)) for j in range(64)] for i in range(16)]
)

# EXIF orientation -> for the shown picture's (rows, cols): (source axis 0=rows 1=cols, flipped).
# Mirrors Pillow's ImageOps.exif_transpose (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270,
# 7 transverse, 8 rotate 90).
_ORIENT: dict[int, tuple[tuple[int, bool], tuple[int, bool]]] = {
    1: ((0, False), (1, False)),
    2: ((0, False), (1, True)),
    3: ((0, True), (1, True)),
    4: ((0, True), (1, False)),
    5: ((1, False), (0, False)),
    6: ((1, False), (0, True)),
    7: ((1, True), (0, True)),
    8: ((1, True), (0, False)),
}


def jaroszwindow(side: int) -> int:
    """PDQ's box-filter window along an axis of ``side`` pixels (``computeJaroszFilterWindowSize``)."""
    return (side + 2 * 64 - 1) // (2 * 64)


def pick_scale(width: int, height: int) -> int:
    """The smallest decode (largest scale) whose blocks are small against PDQ's filter window; 1 = none."""
    window = min(jaroszwindow(width), jaroszwindow(height))
    if window < MIN_WINDOW:
        return 1
    for scale in SCALES:
        if scale * MIN_WINDOW_PER_BLOCK <= window:
            return scale
    return 1


@lru_cache(maxsize=32)
def _sample_operator(n: int) -> np.ndarray:
    """64 x n: PDQ's two box passes (``box1DFloat``, its edge handling included) then ``decimateFloat``."""
    w = jaroszwindow(n)
    half = (w + 2) // 2
    pos = np.arange(n)
    lo, hi = np.clip(pos - w + half, 0, n - 1), np.clip(pos + half - 1, 0, n - 1)
    count = (hi - lo + 1).astype(np.float64)
    picks = (((np.arange(64) + 0.5) * n) / 64).astype(int)
    out = np.empty((64, n))
    for row, s in enumerate(picks):
        ks = np.arange(lo[s], hi[s] + 1)  # first pass: output s averages these inputs of the second
        diff = np.zeros(n + 1)
        np.add.at(diff, lo[ks], 1.0 / count[ks])
        np.add.at(diff, hi[ks] + 1, -1.0 / count[ks])
        out[row] = np.cumsum(diff[:n]) / count[s]
    return out


@lru_cache(maxsize=64)
def _block_operators(n: int, blocks: int, scale: int, flipped: bool) -> tuple[np.ndarray, np.ndarray]:
    """64 x blocks, for flat blocks and for linear-between-centres blocks, along one shown axis."""
    full = _sample_operator(n)
    x = np.arange(n)
    src = (n - 1 - x) if flipped else x  # pixel in the stored (unrotated) picture
    flat = np.minimum(src // scale, blocks - 1)
    t = np.clip((src + 0.5) / scale - 0.5, 0, blocks - 1)
    b0 = np.floor(t).astype(int)
    frac = t - b0
    b1 = np.minimum(b0 + 1, blocks - 1)
    if flipped:  # the decoded blocks are flipped with the picture
        flat, b0, b1 = blocks - 1 - flat, blocks - 1 - b0, blocks - 1 - b1
    u_flat = np.zeros((n, blocks))
    u_flat[x, flat] = 1.0
    u_lin = np.zeros((n, blocks))
    np.add.at(u_lin, (x, b0), 1.0 - frac)
    np.add.at(u_lin, (x, b1), frac)
    return (full @ u_flat).astype(np.float32), (full @ u_lin).astype(np.float32)


def orient(luma: np.ndarray, orientation: int) -> np.ndarray:
    """The decoded luma turned the way the picture is shown (as ``ImageOps.exif_transpose``)."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.T,
        6: lambda a: a.T[:, ::-1],
        7: lambda a: a[::-1, ::-1].T,
        8: lambda a: a[:, ::-1].T,
    }
    return ops[orientation](luma) if orientation in ops else luma


def _quality(b64: np.ndarray) -> int:
    """PDQ's image-domain quality: summed gradients of the 64 x 64 samples (as ``pdqhashing.cpp``)."""
    down = np.trunc(np.abs((b64[:-1] - b64[1:]) * np.float32(100) / np.float32(255))).sum()
    across = np.trunc(np.abs((b64[:, :-1] - b64[:, 1:]) * np.float32(100) / np.float32(255))).sum()
    return min(100, int(down + across) // 90)


def _dct(b64: np.ndarray) -> np.ndarray:
    """The 256 DCT values in ``pdqhash.compute_float``'s order."""
    return (_DCT @ b64.astype(np.float64) @ _DCT.T).ravel()[::-1]


_BLAS_PINNED = False  # set in worker processes that hold BLAS to one thread for good


def pin_blas_to_one_thread() -> None:
    """For a worker process: BLAS on one thread from now on (the other cores run other workers), so
    ``pdq_from_scaled`` need not set and restore the limit for every picture."""
    global _BLAS_PINNED
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # not as a context: kept for the life of the process
    _BLAS_PINNED = True


def one_blas_thread() -> AbstractContextManager[object]:
    if _BLAS_PINNED:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def pdq_from_scaled(
    luma: np.ndarray, full_size: tuple[int, int], scale: int, orientation: int
) -> tuple[np.ndarray, int, bool]:
    """(256 DCT values, quality, fragile) of the full-size picture from its 1/``scale`` luma decode.

    ``luma`` is the decode as stored (before EXIF orientation), ``full_size`` the stored (width, height).
    """
    shown = orient(luma, orientation)
    axes = _ORIENT.get(orientation, _ORIENT[1])
    stored = (full_size[1], full_size[0])  # (rows, cols) before orientation
    (ra, rf), (ca, cf) = axes
    data = np.ascontiguousarray(shown, dtype=np.float32)
    with one_blas_thread():  # small products: threads only cost CPU here
        rows_flat, rows_lin = _block_operators(stored[ra], shown.shape[0], scale, rf)
        cols_flat, cols_lin = _block_operators(stored[ca], shown.shape[1], scale, cf)
        b64 = rows_flat @ data @ cols_flat.T
        other = rows_lin @ data @ cols_lin.T
    values = _dct(b64)
    uncertainty = np.abs(values - _dct(other))
    margin = np.abs(values - np.partition(values, 127)[127])
    fragile = int(np.count_nonzero(margin < UNCERTAINTY * uncertainty)) > FRAGILE_BITS
    return values, _quality(b64), fragile


def decode_luma(im: Image.Image, scale: int) -> tuple[np.ndarray, int] | None:
    """Decode a JPEG at 1/``scale`` size (libjpeg DCT scaling) and take PDQ's luma; (luma, scale got)
    or None. RGB then luma, not libjpeg's grey output: the reference hashes the luma of decoded RGB,
    and on colourful pictures the two differ by a few bits."""
    if im.mode not in ("RGB", "L"):
        return None  # CMYK and the like: the caller decodes in full
    width, height = im.size
    im.draft(im.mode, (-(-width // scale), -(-height // scale)))
    im.load()
    got = -(-width // im.size[0]) if im.size[0] else 0
    if got not in (1, *SCALES) or -(-width // got) != im.size[0] or -(-height // got) != im.size[1]:
        return None
    pixels = np.asarray(im, dtype=np.float32)
    return (pixels @ LUMA if pixels.ndim == 3 else pixels), got
