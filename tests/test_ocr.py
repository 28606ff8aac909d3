"""OCR reads text from a picture without ever writing the picture to disk."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from haven.importers.ocr import OcrUnavailable, ocr_image


def _picture(text: str) -> Image.Image:
    im = Image.new("RGB", (1400, 200), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 48) if Path("/usr/share/fonts/truetype/dejavu").exists() \
        else ImageFont.load_default(size=48)
    ImageDraw.Draw(im).text((30, 60), text, fill="black", font=font)
    return im


def test_reads_text_and_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    text = ocr_image(_picture("Send 500 pounds to sortcode 12-34-56"))
    assert "500" in text and "12-34-56" in text
    assert list(spool.iterdir()) == []


def test_missing_tesseract_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(OcrUnavailable):
        ocr_image(_picture("x"))
