"""PDQ hashes of still and animated images, read safely and fast.

Two paths:

* **exact** (``fast=False``) is Meta's reference pipeline: full decode with Pillow, EXIF orientation
  applied, converted to RGB, hashed with ``pdqhash.compute``.
* **fast** (the default) decodes large JPEGs' luma at 1/8, 1/4 or 1/2 size (libjpeg DCT scaling via
  Pillow's ``Image.draft``) and box-shrinks other large pictures (``Image.reduce``), then computes the
  hash PDQ would give the full-size picture from those block means (``pdq_jpeg``: PDQ's filter is
  linear, so it folds into two small matrices). Measured on camera-like 12 MP photos: within 4 bits of
  the reference at 1/8 size. Pictures with a short side under ~900 pixels are hashed in full.

Both paths refuse decompression bombs (an image that claims more than ``MAX_PIXELS`` pixels) with
``UnsafeInput`` before decoding anything.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from haven.core.errors import HavenError, UnsafeInput
from haven.protect.pdq_jpeg import LUMA, decode_luma, pdq_from_scaled, pick_scale

try:  # HEIC/HEIF photos (iPhones): optional, a well-kept decoder
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency, but keep working without it
    HEIF_SUPPORTED = False

MAX_PIXELS = 2 * Image.MAX_IMAGE_PIXELS  # type: ignore[operator]  # ~179 million: Pillow's own hard limit
MAX_ANIMATION_FRAMES = 60  # animated images: hash at most this many frames, spread evenly


class UnreadableImage(HavenError):
    """The file looks like an image but cannot be decoded. Nothing was changed."""

    exit_code = 2


@dataclass
class ImageHash:
    """PDQ result for one image: the first (or only) frame, plus every hashed frame if animated."""

    pdq: str
    quality: int
    width: int
    height: int
    format: str
    frames: list[dict[str, Any]] = field(default_factory=list)


def _pdq_float(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """PDQ's 256 float DCT values and quality, via Meta's C++ code in ``pdqhash``."""
    values, quality = pdqhash.compute_float(np.ascontiguousarray(rgb, dtype=np.uint8))
    return np.asarray(values, dtype=np.float64), int(quality)


def _bits_hex(values: np.ndarray) -> str:
    """PDQ bits: a value above the median is 1 (the median as Meta's C++ Torben: the 128th smallest)."""
    median = np.partition(values, 127)[127]
    return np.packbits((values > median).astype(np.uint8)).tobytes().hex()


bits_hex = _bits_hex  # shared with ``video_fast`` (grey video frames hashed without copying)


def pdq_from_array(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hex and quality of an RGB (H, W, 3) uint8 array (same bits as ``pdqhash.compute``)."""
    values, quality = _pdq_float(rgb)
    return _bits_hex(values), quality


def _fast_pdq_decoded(full: Image.Image) -> tuple[str, int]:
    """Fast PDQ of an already decoded, upright RGB picture: box-shrunk by 2, 4 or 8 (``Image.reduce``
    gives exactly the block means ``pdq_jpeg`` expects), hashed as the full-size picture."""
    scale = pick_scale(*full.size)
    while scale > 1:
        small = np.asarray(full.reduce(scale), dtype=np.float32)
        luma = small @ LUMA
        values, quality, fragile = pdq_from_scaled(luma, full.size, scale, 1)
        if not fragile:
            return _bits_hex(values), quality
        scale //= 2
    return pdq_from_array(np.asarray(full))


def _fast_pdq_jpeg(path: Path, im: Image.Image) -> tuple[str, int]:
    """Fast PDQ of a JPEG: luma decoded at 1/8, 1/4 or 1/2 size, hashed as the full-size picture
    (``pdq_jpeg``); a fragile picture is decoded once more at twice the size; small ones in full."""
    orientation = _orientation(im)
    full_size = im.size
    scale, img = pick_scale(*full_size), im
    try:
        while scale > 1:
            decoded = decode_luma(img, scale)
            if decoded is None:
                break
            luma, got = decoded
            if got == 1:
                break
            values, quality, fragile = pdq_from_scaled(luma, full_size, got, orientation)
            if not fragile:
                return _bits_hex(values), quality
            scale = got // 2
            if img is not im:
                img.close()
            img = open_image(path)
        if img is not im:
            img.close()
        img = open_image(path)  # a fresh decoder: draft() may have changed the first one
        img.load()
        return pdq_from_array(np.asarray(_to_rgb(ImageOps.exif_transpose(img))))
    finally:
        if img is not im:
            img.close()


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except (OSError, ValueError, SyntaxError, TypeError):
        return 1


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB. High-bit-depth greys are scaled, not clipped."""
    if im.mode == "RGB":
        return im
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        arr = np.asarray(im, dtype=np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if im.mode == "F" and top <= 1.0:
            arr = arr * 255.0
        elif top > 255.0:
            arr = arr / (65535.0 if top > 4095 else 4095.0) * 255.0
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    return im.convert("RGB")


def _check_size(im: Image.Image, path: Path) -> None:
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise UnsafeInput(
            f"{path.name} says it is {w} x {h} pixels ({w * h / 1e6:.0f} million). That is too big to "
            f"open safely (the limit is {MAX_PIXELS / 1e6:.0f} million), so it may be a 'decompression "
            "bomb'. It was not opened and nothing was changed."
        )
    if w < 1 or h < 1:
        raise UnreadableImage(f"{path.name} has no pixels ({w} x {h}).")


def open_image(path: Path) -> Image.Image:
    """Open (lazily) with the bomb check; raise UnsafeInput / UnreadableImage with plain words."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise UnsafeInput(
            f"{path.name} is too big to open safely, so it may be a 'decompression bomb' ({exc}). "
            "It was not opened and nothing was changed."
        ) from None
    except UnidentifiedImageError:
        raise UnreadableImage(f"{path.name} is not an image Haven can read.") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnreadableImage(f"{path.name} could not be read as an image: {exc}") from None
    _check_size(im, path)
    return im


def is_image(path: Path) -> bool:
    """True if Pillow (with HEIF support) recognises the file's format. Reads only the header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path):
                return True
    except Image.DecompressionBombError:
        return True  # an image, but refused later with a clear message
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False


def _pdq_frame(frame: Image.Image, fast: bool) -> tuple[str, int]:
    rgb = _to_rgb(ImageOps.exif_transpose(frame))
    return _fast_pdq_decoded(rgb) if fast else pdq_from_array(np.asarray(rgb))


def _frame_indices(n: int) -> list[int]:
    if n <= MAX_ANIMATION_FRAMES:
        return list(range(n))
    step = n / MAX_ANIMATION_FRAMES
    return sorted({int(i * step) for i in range(MAX_ANIMATION_FRAMES)})


def hash_image(path: str | Path, *, fast: bool = True) -> ImageHash:
    """PDQ of an image file (first frame; animated GIF/WebP/APNG also get ``frames``)."""
    path = Path(path)
    im = open_image(path)
    fmt = im.format or "unknown"
    try:
        with im:
            n_frames = getattr(im, "n_frames", 1) if getattr(im, "is_animated", False) else 1
            if n_frames <= 1:
                width, height = _display_size(im)
                if fast and fmt == "JPEG":
                    pdq, quality = _fast_pdq_jpeg(path, im)
                else:
                    im.load()
                    pdq, quality = _pdq_frame(im, fast)
                return ImageHash(pdq, quality, width, height, fmt)
            frames: list[dict[str, Any]] = []
            wanted = set(_frame_indices(n_frames))
            for index, frame in enumerate(ImageSequence.Iterator(im)):
                if index not in wanted:
                    continue
                fpdq, fq = _pdq_frame(frame.copy(), fast)
                frames.append({"frame": index, "pdq": fpdq, "quality": fq})
            first = frames[0]
            return ImageHash(first["pdq"], first["quality"], im.width, im.height, fmt, frames)
    except (HavenError, MemoryError):
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UnreadableImage(f"{path.name} could not be decoded: {exc}") from None


def _display_size(im: Image.Image) -> tuple[int, int]:
    """Full-resolution width x height as shown (EXIF orientations 5-8 swap them). Call before draft."""
    w, h = im.size
    return (h, w) if _orientation(im) in (5, 6, 7, 8) else (w, h)
