"""Reading images for PDQ: every Pillow mode, EXIF orientation, animation, HEIC, tiny, huge, bombs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from haven.core.errors import UnsafeInput
from haven.protect import hash_path, pdq_distance
from haven.protect.images import HEIF_SUPPORTED, MAX_PIXELS, UnreadableImage, hash_image


def photo(width: int = 640, height: int = 480, seed: int = 1) -> Image.Image:
    """A photo-like picture: smooth light, overlapping soft-edged shapes, and sensor-like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.zeros((height, width, 3), np.float32)
    for c in range(3):
        fx, fy = rng.uniform(1, 4, 2)
        base[..., c] = 110 + 50 * np.sin(x / width * fx * np.pi + c) * np.cos(y / height * fy * np.pi)
    im = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    s = min(width, height)
    for _ in range(14):
        x0, y0 = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        w, h = rng.uniform(0.08, 0.45) * s, rng.uniform(0.08, 0.45) * s
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=colour)
    im = im.filter(ImageFilter.GaussianBlur(s / 400))
    arr = np.asarray(im, np.float32) + rng.normal(0, 3, (height, width, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Image.Image, str]:
    im = photo()
    path = tmp_path_factory.mktemp("base") / "base.png"
    im.save(path)
    return im, hash_path(path).pdq


MODES = {
    "1": "png", "L": "png", "LA": "png", "P": "png", "RGB": "jpg", "RGBA": "png",
    "CMYK": "jpg", "YCbCr": "tiff", "LAB": "tiff", "I": "tiff", "I;16": "png", "F": "tiff",
}  # fmt: skip


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_pillow_mode(mode: str, base: tuple[Image.Image, str], tmp_path: Path):
    im, expected = base
    if mode == "I;16":
        conv = Image.fromarray(np.asarray(im.convert("L")).astype(np.uint16) * 257)
    elif mode == "F":
        conv = Image.fromarray(np.asarray(im.convert("L")).astype(np.float32) / 255.0)
    elif mode == "I":
        conv = Image.fromarray(np.asarray(im.convert("L")).astype(np.int32) * 257)
    else:
        conv = im.convert(mode)
    path = tmp_path / f"m.{MODES[mode]}"
    conv.save(path)
    with Image.open(path) as check:
        stored_mode = check.mode
    assert stored_mode == mode or (mode, stored_mode) in {("YCbCr", "RGB"), ("I", "I;16"), ("I;16", "I")}
    r = hash_path(path)
    assert r.media == "image" and r.quality is not None and r.quality > 50
    limit = 40 if mode == "1" else 12  # 1-bit dithering really changes the picture
    assert pdq_distance(r.pdq, expected) <= limit, (mode, pdq_distance(r.pdq, expected))


def test_exif_orientation_generated(tmp_path: Path):
    """A landscape picture stored rotated with EXIF orientation 6 hashes like the upright picture."""
    upright = photo(400, 300, seed=3)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera writes before tagging 6
    exif = Image.Exif()
    exif[0x0112] = 6
    tagged = tmp_path / "tagged.jpg"
    stored.save(tagged, quality=95, exif=exif)
    plain = tmp_path / "plain.jpg"
    upright.save(plain, quality=95)
    r = hash_path(tagged)
    assert (r.width, r.height) == (400, 300)
    assert pdq_distance(r.pdq, hash_path(plain).pdq) <= 10
    untagged = tmp_path / "untagged.jpg"
    stored.save(untagged, quality=95)
    assert pdq_distance(hash_path(untagged).pdq, r.pdq) > 31


@pytest.mark.parametrize("fmt", ["gif", "webp", "png"])
def test_animated_first_frame_and_frames(fmt: str, tmp_path: Path):
    frames = [photo(160, 120, seed=s).convert("RGB") for s in (10, 11, 12)]
    path = tmp_path / f"anim.{fmt}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    r = hash_path(path)
    assert r.media == "image"
    assert [f["frame"] for f in r.frames] == [0, 1, 2]
    assert r.pdq == r.frames[0]["pdq"]
    still = tmp_path / "f2.png"
    frames[2].save(still)
    # frame 2 of the animation is (nearly) the third picture; GIF's 256-colour palette costs a few bits
    assert pdq_distance(r.frames[2]["pdq"], hash_path(still).pdq) <= 31
    assert pdq_distance(r.frames[0]["pdq"], r.frames[2]["pdq"]) > 31
    pdq_signals = [value for kind, value in r.signals() if kind == "pdq"]
    assert pdq_signals == [f["pdq"] for f in r.frames]


@pytest.mark.skipif(not HEIF_SUPPORTED, reason="pillow-heif not installed")
def test_heic(tmp_path: Path):
    im = photo(320, 240, seed=4)
    path = tmp_path / "photo.heic"
    im.save(path, quality=90)
    png = tmp_path / "photo.png"
    im.save(png)
    r = hash_path(path)
    assert r.media == "image" and r.format == "HEIF"
    assert pdq_distance(r.pdq, hash_path(png).pdq) <= 16


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (17, 9)])
def test_tiny_images(size: tuple[int, int], tmp_path: Path):
    path = tmp_path / "tiny.png"
    photo(32, 32).resize(size).save(path)
    r = hash_path(path)
    assert r.media == "image" and len(r.pdq or "") == 64 and r.quality is not None
    assert (r.width, r.height) == size


def test_huge_jpeg_is_fast_path_and_close(tmp_path: Path):
    """A 24 MP JPEG: the fast path (libjpeg DCT scaling) stays within Meta's 10-bit rule."""
    path = tmp_path / "big.jpg"
    photo(600, 400, seed=5).resize((6000, 4000), Image.Resampling.BICUBIC).save(path, quality=90)
    fast, exact = hash_image(path, fast=True), hash_image(path, fast=False)
    assert (fast.width, fast.height) == (exact.width, exact.height) == (6000, 4000)
    assert pdq_distance(fast.pdq, exact.pdq) <= 10


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims an enormous size: the classic decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("dims", [(100_000, 100_000), (20_000, 9_000)])
def test_decompression_bomb_refused(dims: tuple[int, int], tmp_path: Path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(*dims))
    assert dims[0] * dims[1] > MAX_PIXELS
    with pytest.raises(UnsafeInput, match="decompression bomb"):
        hash_path(path)
    assert path.stat().st_size < 200  # untouched


def test_truncated_and_fake_images(tmp_path: Path):
    good = tmp_path / "good.jpg"
    photo().save(good, quality=90)
    cut = tmp_path / "cut.jpg"
    data = good.read_bytes()
    for n, keep in enumerate((600, len(data) // 2)):
        cut = tmp_path / f"cut{n}.jpg"
        cut.write_bytes(data[:keep])
        with pytest.raises(UnreadableImage):
            hash_path(cut)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    r = hash_path(text)
    assert r.media == "file" and r.pdq is None and len(r.sha256) == 64


def test_fast_and_exact_agree_on_small_images(base: tuple[Image.Image, str], tmp_path: Path):
    im, _ = base
    path = tmp_path / "small.jpg"
    im.save(path, quality=92)
    assert hash_path(path, fast=True).pdq == hash_path(path, fast=False).pdq  # below the draft threshold
