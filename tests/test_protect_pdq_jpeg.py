"""The scaled-decode PDQ (``haven.protect.pdq_jpeg``): its folded filter is PDQ's own filter, every EXIF
orientation lands where Pillow's ``exif_transpose`` puts it, and large JPEGs hash within Meta's rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps

from haven.protect import pdq_distance
from haven.protect.images import hash_image, pdq_from_array
from haven.protect.pdq_jpeg import orient, pdq_from_scaled, pick_scale


def _photo(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    arr = np.zeros((height, width, 3), np.float32)
    for c in range(3):
        fx, fy = rng.uniform(1, 6, 2)
        arr[..., c] = 120 + 70 * np.sin(x / width * fx * np.pi + c) * np.cos(y / height * fy * np.pi + 2 * c)
    arr += rng.normal(0, 4, (height, width))[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


@pytest.mark.parametrize("size", [(400, 300), (257, 1031), (64, 64)])
def test_folded_filter_is_pdqs_filter(size: tuple[int, int]):
    """At scale 1 (every pixel its own block) the matrices give pdqhash's own float values."""
    grey = np.asarray(_photo(*size, seed=5).convert("L"))
    expected, quality = pdqhash.compute_float(np.stack([grey] * 3, -1))
    values, ours_quality, _ = pdq_from_scaled(grey, size, 1, 1)
    assert np.abs(values - np.asarray(expected)).max() < 1e-2
    assert abs(ours_quality - quality) <= 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orient_matches_pillow(orientation: int):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    im = Image.fromarray(arr, "L")
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.info["exif"] = exif.tobytes()
    shown = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(orient(arr, orientation), shown)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_large_jpeg_every_orientation(orientation: int, tmp_path: Path):
    """A 3200 x 2400 JPEG tagged with each orientation: fast hash = the shown picture's, within 8 bits."""
    stored = _photo(3200, 2400, seed=orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    stored.save(path, quality=90, exif=exif)
    with Image.open(path) as im:
        shown = ImageOps.exif_transpose(im).convert("RGB")
    expected, _ = pdq_from_array(np.asarray(shown))
    fast = hash_image(path)
    assert (fast.width, fast.height) == shown.size
    assert pdq_distance(fast.pdq, expected) <= 8, orientation


def test_scale_follows_pdq_window():
    assert pick_scale(4000, 3000) == 8
    assert pick_scale(1600, 1000) == 4
    assert pick_scale(640, 480) == 1  # small pictures are hashed in full
