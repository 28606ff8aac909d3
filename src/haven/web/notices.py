"""Warnings (``haven.core.warnings.Notice``) in the web app's words: no command-line options, and a plain
next step where the page offers one. Codes without an entry show the plain message only."""

from __future__ import annotations

from haven.core.warnings import render

HINTS: dict[str, str] = {
    "large-file": "If you did not mean to add it, you can ask for help removing it from the case.",
}


def web_text(warning: str) -> str:
    """One warning as the browser shows it."""
    return render(warning, HINTS)
