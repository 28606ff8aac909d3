"""A warning, not a refusal, for very large single files: a 2 GiB video is stored whole (the vault keeps an
encrypted copy, so it needs as much space again), and the person should know before their disk fills.

The threshold is the import option ``large_file_bytes`` or, for every import, the environment setting
``HAVEN_LARGE_FILE_MB``; the default is 1 GiB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from haven.core.warnings import Notice, size_text

DEFAULT_LARGE_FILE_BYTES = 1024**3
ENV = "HAVEN_LARGE_FILE_MB"


def large_file_bytes(sink: Any) -> int:
    """The size from which a file gets the warning (option, then environment, then default)."""
    option = (getattr(sink, "options", None) or {}).get("large_file_bytes")
    if option:
        return int(option)
    setting = os.environ.get(ENV, "").strip()
    if setting.isdigit() and int(setting) > 0:
        return int(setting) * 1024 * 1024
    return DEFAULT_LARGE_FILE_BYTES


def warn_if_large(sink: Any, path: Path, size: int) -> None:
    """Tell the person when one file is very large (it is still stored: nothing is refused or lost)."""
    if size >= large_file_bytes(sink):
        sink.warn(Notice("large-file", file=path.name, size=size_text(size)))
