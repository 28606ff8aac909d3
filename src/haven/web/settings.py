"""Where the web app keeps things, and its few settings (all overridable for tests).

* ``HAVEN_HOME``: Haven's data folder. Default ``$XDG_DATA_HOME/haven`` (``~/.local/share/haven``).
  Case vaults live in ``HAVEN_HOME/cases/NAME``; protection cases in ``HAVEN_HOME/protect``; the app's
  private scratch folder (symbolic links to in-memory uploads only, never file contents) in
  ``HAVEN_HOME/run``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

NEUTRAL_URL = "https://www.bbc.co.uk/weather"
"""Where quick exit sends the browser: an everyday site that raises no questions."""

DEFAULT_LOCK_AFTER = 600.0
"""Seconds without any page being used before the open case is locked (its key dropped)."""

DEFAULT_MAX_UPLOAD = 2 * 1024**3
"""Largest upload (bytes, all files of one form together). Uploads are held in memory, never on disk."""

CASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$")


def haven_home() -> Path:
    if env := os.environ.get("HAVEN_HOME"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "haven"


@dataclass
class Settings:
    """The running app's settings. ``home`` is resolved once, when the app starts."""

    home: Path
    lock_after: float = DEFAULT_LOCK_AFTER
    max_upload: int = DEFAULT_MAX_UPLOAD
    neutral_url: str = NEUTRAL_URL

    @classmethod
    def from_env(cls, lock_after: float | None = None) -> Settings:
        max_upload = int(os.environ.get("HAVEN_MAX_UPLOAD", DEFAULT_MAX_UPLOAD))
        return cls(home=haven_home(), lock_after=lock_after or DEFAULT_LOCK_AFTER, max_upload=max_upload)

    @property
    def cases_dir(self) -> Path:
        return self.home / "cases"

    @property
    def protect_dir(self) -> Path:
        return self.home / "protect"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    def case_dir(self, name: str) -> Path:
        if not CASE_NAME.match(name):
            raise ValueError(name)
        return self.cases_dir / name

    def case_names(self) -> list[str]:
        if not self.cases_dir.is_dir():
            return []
        return sorted(p.name for p in self.cases_dir.iterdir() if p.is_dir() and (p / "vault.json").is_file())
