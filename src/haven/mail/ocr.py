"""Read the text in an email's pictures (scammers put the wallet address in an image so filters cannot read
it). Tesseract runs on this computer through pytesseract; pictures never leave it. When Tesseract is not
installed, pictures are skipped and the checker says so."""

from __future__ import annotations

import io
import os
import shutil
from functools import cache

MAX_PIXELS = 25_000_000
MAX_IMAGES = 8


@cache
def tesseract_available() -> bool:
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:
        return False
    return True


def ocr_image(data: bytes) -> str:
    """The text Tesseract reads in one picture ('' when it cannot be read)."""
    if not tesseract_available():
        return ""
    import pytesseract
    from PIL import Image

    os.environ.setdefault(
        "OMP_THREAD_LIMIT", "1"
    )  # Tesseract's threads only fight each other on small images
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                return ""
            img.load()
            gray = img.convert("L")
            if gray.width < 1600:  # small text reads better when enlarged
                scale = min(3, max(2, -(-1600 // max(gray.width, 1))))
                gray = gray.resize((gray.width * scale, gray.height * scale), Image.Resampling.LANCZOS)
            return pytesseract.image_to_string(gray, config="--psm 6")
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
