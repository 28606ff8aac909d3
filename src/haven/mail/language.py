"""Which language an email is written in, with py3langid (langid.py's maintained fork, model shipped in the
wheel, no download). The choice is limited to languages sextortion spam is commonly sent in, which makes
short texts far more reliable than asking among all 97 languages of the model."""

from __future__ import annotations

from functools import cache
from typing import Any

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "cs", "ru", "tr", "cy")


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def detect_language(text: str) -> tuple[str | None, float]:
    """``(ISO 639-1 code, probability)``; ``(None, 0.0)`` when there are too few letters to tell."""
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < 12:
        return None, 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)
