"""Text recognition with Tesseract that never writes the picture to disk.

``pytesseract`` saves every image to a temporary file before it runs Tesseract, which would put a plain
copy of evidence (or of a minor's image) on disk. Tesseract itself reads an image from standard input and
writes text to standard output (``tesseract stdin stdout``), so Haven pipes a PNG through it in memory and
needs nothing more than Debian's ``tesseract-ocr``. This is the one OCR entry point for the importers and
the email checker.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

from PIL import Image


class OcrUnavailable(RuntimeError):
    """Tesseract is not installed on this computer."""


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_image(img: Image.Image, *, psm: int | None = None, lang: str = "eng", timeout: float = 120) -> str:
    """The text Tesseract reads in ``img``. Raises OcrUnavailable without Tesseract, and RuntimeError when
    Tesseract fails or times out."""
    exe = tesseract_path()
    if exe is None:
        raise OcrUnavailable("Tesseract is not installed")
    frame = img if img.mode in ("RGB", "L", "1") else img.convert("RGB")
    buf = io.BytesIO()
    frame.save(buf, "PNG")
    cmd = [exe, "stdin", "stdout", "-l", lang]
    if psm is not None:
        cmd += ["--psm", str(psm)]
    # One thread: Tesseract's OpenMP threads only fight each other on screenshots.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"Tesseract took longer than {timeout:.0f} s") from exc
    if proc.returncode != 0:
        last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(last[0] if last else "Tesseract failed")
    return proc.stdout.decode("utf-8", errors="replace")
