"""The email checker's reasons and advice are what a frightened person reads: plain words (Flesch-Kincaid
grade <= 6, as the guide) and no blame."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

DATA = resources.files("haven.mail") / "data"
REASONS = tomllib.loads((DATA / "reasons.toml").read_text(encoding="utf-8"))["reasons"]
ADVICE = tomllib.loads((DATA / "advice.toml").read_text(encoding="utf-8"))["advice"]
TEXTS = [(f"reason {k}", v) for k, v in REASONS.items()] + [(f"advice {a['id']}", a["text"]) for a in ADVICE]
BLAME = re.compile(r"\b(you should have|your fault|why did you|you shouldn't have|careless|stupid)\b", re.I)


def _readable(text: str) -> str:
    """Placeholders and web addresses read as short words, as they are filled in for the person."""
    text = re.sub(r"\{[^}]+\}", "it", text)
    return re.sub(r"\b[\w.-]+\.(?:com|org|uk|gov\.uk)\S*", "the site", text)


@pytest.mark.parametrize(("what", "text"), TEXTS, ids=[w for w, _ in TEXTS])
def test_reads_at_grade_6(what: str, text: str, fk_grade):
    assert fk_grade(_readable(text)) <= 6.0, f"{what} reads at grade {fk_grade(_readable(text)):.1f}: {text}"


@pytest.mark.parametrize(("what", "text"), TEXTS, ids=[w for w, _ in TEXTS])
def test_never_blames(what: str, text: str):
    assert not BLAME.search(text.replace("not your fault", "")), what


def test_bluff_advice_says_it_is_not_your_fault():
    assert any("not your fault" in a["text"] for a in ADVICE if "scam-bluff" in a["verdicts"])
