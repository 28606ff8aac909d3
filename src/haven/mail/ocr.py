"""Read the text in an email's pictures (scammers put the wallet address in an image so filters cannot read
it). Tesseract runs on this computer through pytesseract; pictures never leave it. When Tesseract is not
installed, pictures are skipped and the checker says so."""

from __future__ import annotations

import io
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

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                return ""
            img.load()
            gray = img.convert("L")
            if gray.width < 1200:  # small text reads better when enlarged
                scale = max(1, 1200 // max(gray.width, 1))
                gray = gray.resize((gray.width * min(scale, 3), gray.height * min(scale, 3)))
            return pytesseract.image_to_string(gray, config="--psm 6")
    except Exception:
        return ""
