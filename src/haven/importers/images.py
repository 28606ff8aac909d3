"""Screenshots and photos: stored with their EXIF (time taken, device) and the text Tesseract reads in them.

OCR runs on this computer (Debian ``tesseract-ocr``, fed in memory by ``haven.importers.ocr``), so
offender names, numbers and payment details in screenshots can be found. Images bigger than Pillow's
``MAX_IMAGE_PIXELS`` are refused as decompression bombs before any pixel is decoded. Set the sink option
``ocr`` to False to skip OCR.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, ClassVar

from PIL import ExifTags, Image, UnidentifiedImageError

from haven.core.errors import ImportFileError, UnsafeInput
from haven.core.warnings import Notice
from haven.importers.base import Importer, ImportSink, add_source_item, guess_media_type, sink_option
from haven.importers.ocr import ocr_image, tesseract_path

EXAMPLES = Path(__file__).parent / "examples" / "images"
MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
EXIF_KEEP = {
    "Make",
    "Model",
    "Software",
    "DateTime",
    "DateTimeOriginal",
    "DateTimeDigitized",
    "OffsetTime",
    "OffsetTimeOriginal",
    "LensModel",
    "ImageDescription",
    "Artist",
    "HostComputer",
}
PIXEL_BUDGET = 24_000_000
"""Most pixels ever decoded for one picture: 24 million RGB pixels are 72 MB, so decoding, the RGB copy
and Tesseract's own copy stay well inside 256 MiB. Larger JPEGs are decoded at 1/2, 1/4 or 1/8 size
(libjpeg's DCT scaling, no full-size buffer); other large pictures are stored without reading their text,
with a warning. Pictures over Pillow's ``MAX_IMAGE_PIXELS`` are refused as decompression bombs."""

try:  # HEIC photos from iPhones
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass


def is_image_head(head: bytes) -> bool:
    if head.startswith(MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif")


def open_image(path: Path) -> Image.Image:
    """Open an image lazily, refusing decompression bombs with a clear ``UnsafeInput``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            img.size  # noqa: B018 - touch the header so size checks run now
            if Image.MAX_IMAGE_PIXELS and img.width * img.height > Image.MAX_IMAGE_PIXELS:
                raise UnsafeInput(
                    f"{path.name} claims {img.width}x{img.height} pixels (a decompression bomb); refused"
                )
            return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeInput(f"{path.name} is too large to open safely (decompression bomb: {exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImportFileError(f"{path.name} is not a readable picture ({exc})") from exc


def within_budget(img: Image.Image) -> bool:
    """True when ``img`` can be decoded within ``PIXEL_BUDGET``, asking a large JPEG to decode at reduced
    size (``draft``) first; False for a large picture that would have to be decoded whole."""
    if img.width * img.height <= PIXEL_BUDGET:
        return True
    if img.format == "JPEG":
        scale = (PIXEL_BUDGET / (img.width * img.height)) ** 0.5 / 2  # draft picks the next size up
        img.draft("RGB", (max(1, int(img.width * scale)), max(1, int(img.height * scale))))
        return img.width * img.height <= PIXEL_BUDGET
    return False


def read_exif(img: Image.Image) -> dict[str, Any]:
    """The EXIF fields that matter for evidence (when and on what device), as JSON-safe strings."""
    out: dict[str, Any] = {"format": img.format, "width": img.width, "height": img.height}
    try:
        exif = img.getexif()
        tags = dict(exif.items())
        tags.update(exif.get_ifd(ExifTags.IFD.Exif).items())
    except Exception:  # broken EXIF blocks are common; the picture itself is still evidence
        return out
    for tag, value in tags.items():
        name = ExifTags.TAGS.get(tag)
        if name in EXIF_KEEP:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            out[name] = text.strip("\x00 ").strip()
    if ExifTags.IFD.GPSInfo in tags:
        out["has_gps"] = True  # where it was taken: kept in the stored original, flagged here
    return out


def ocr_text(img: Image.Image, label: str, sink: ImportSink) -> str | None:
    """Text Tesseract finds in the picture (None if Tesseract is missing or fails: a warning says so)."""
    if tesseract_path() is None:
        sink.warn(Notice("ocr-missing", file=label))
        return None
    try:
        frame = img.convert("RGB") if img.mode not in ("RGB", "L") else img
        return ocr_image(frame, timeout=120).strip()
    except Exception as exc:  # OCR is a help, never a reason to lose the picture
        sink.warn(Notice("ocr-failed", file=label, reason=str(exc)[:200]))
        return None


class ImageImporter(Importer):
    name = "image"
    description = "Screenshots and photos (JPEG, PNG, HEIC, WebP, GIF, TIFF): EXIF kept, text read by OCR."
    examples: ClassVar[list[Path]] = [EXAMPLES / "screenshot.png", EXAMPLES / "photo.jpg"]

    def detect(self, path: Path, head: bytes) -> float:
        return 0.9 if is_image_head(head) else 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        img = open_image(path)
        try:
            exif = read_exif(img)  # from the header, before any reduced decoding changes the size
            if not within_budget(img):
                sink.warn(
                    Notice(
                        "picture-too-large-to-read",
                        file=path.name,
                        megapixels=round(img.width * img.height / 1e6),
                        limit=round(PIXEL_BUDGET / 1e6),
                    )
                )
                media = Image.MIME.get(img.format or "", guess_media_type(path.name))
                img.close()
                add_source_item(sink, path, media, exif=exif, ocr_text=None)
                return
            try:
                img.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise UnsafeInput(f"{path.name} is too large to open safely (decompression bomb)") from exc
            except (OSError, SyntaxError, ValueError) as exc:
                raise ImportFileError(f"{path.name} is a damaged picture ({exc})") from exc
            text = ocr_text(img, path.name, sink) if sink_option(sink, "ocr", True) else None
            media = Image.MIME.get(img.format or "", guess_media_type(path.name))
        finally:
            img.close()
        add_source_item(sink, path, media, exif=exif, ocr_text=text)
