"""The ``haven`` command itself: version and help, through the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys

from haven import __version__


def _haven() -> list[str]:
    exe = shutil.which("haven")
    return [exe] if exe else [sys.executable, "-m", "haven"]


def test_version():
    out = subprocess.run([*_haven(), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"haven {__version__}"
    assert __version__ != "0.0.0+unknown"


def test_help_lists_case_group():
    out = subprocess.run([*_haven(), "--help"], capture_output=True, text=True, check=True)
    assert "case" in out.stdout
