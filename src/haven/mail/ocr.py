"""Read the text in an email's pictures (scammers put the wallet address in an image so filters cannot read
it). Tesseract runs on this computer, fed in memory by ``haven.importers.ocr``; pictures never leave it
and never touch the disk. When Tesseract is not
installed, pictures are skipped and the checker says so."""

from __future__ import annotations

import io
from functools import cache

from haven.importers.ocr import ocr_image as _tesseract
from haven.importers.ocr import tesseract_path

MAX_PIXELS = 25_000_000
MAX_IMAGES = 8


@cache
def tesseract_available() -> bool:
    return tesseract_path() is not None


def ocr_image(data: bytes) -> str:
    """The text Tesseract reads in one picture ('' when it cannot be read)."""
    if not tesseract_available():
        return ""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                return ""
            img.load()
            gray = img.convert("L")
            if gray.width < 1600:  # small text reads better when enlarged
                scale = min(3, max(2, -(-1600 // max(gray.width, 1))))
                gray = gray.resize((gray.width * scale, gray.height * scale), Image.Resampling.LANCZOS)
            return _tesseract(gray, psm=6)
    except Exception:
        return ""


def looks_like_photo(data: bytes) -> bool:
    """True for a photograph or a screenshot with pictures in it; False for a picture of plain text
    (a wallet address, a QR code, a logo) or something that cannot be opened. Photos have thousands of
    distinct colours even when shrunk; text pictures have a few dozen."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS or min(img.width, img.height) < 64:
                return False
            img.draft("RGB", (256, 256))
            small = img.convert("RGB").resize((128, 128))
    except Exception:
        return False
    return small.getcolors(maxcolors=2048) is None
