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
