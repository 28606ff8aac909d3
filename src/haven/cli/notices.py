"""Warnings (``haven.core.warnings.Notice``) in the command line's words: which option to give."""

from __future__ import annotations

from haven.core.warnings import render

HINTS: dict[str, str] = {
    "zone-assumed": "Give --tz to choose another.",
    "date-order-ambiguous": "Give --date-order (dmy, mdy or ymd) to choose.",
    "large-file": "Set HAVEN_LARGE_FILE_MB to change the size at which this is said.",
    "ocr-missing": "Install the tesseract-ocr package to read text in pictures.",
}


def cli_text(warning: str) -> str:
    """One warning as the command line prints it."""
    return render(warning, HINTS)
