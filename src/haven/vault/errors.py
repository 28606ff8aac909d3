"""Errors particular to the vault (each a ``HavenError`` with its CLI exit code)."""

from __future__ import annotations

from haven.core.errors import HavenError


class VaultExists(HavenError):
    """``create`` was pointed at a folder that already holds a case or other files."""

    exit_code = 2


class VaultBusy(HavenError):
    """Another process holds the case's write lock for longer than the busy timeout."""

    exit_code = 1


class ItemNotFound(HavenError, KeyError):
    """No item with that id in this case."""

    exit_code = 2
