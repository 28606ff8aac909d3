"""Errors every capability raises. Each carries the process exit code the CLI uses for it.

Exit codes (stable, scripts and tests rely on them):
    1  verification found a problem (``haven case verify``, ``haven verify``)
    2  bad input given to a command (unknown answer keys, malformed hashes, ...)
    3  wrong passphrase, or the directory is not a Haven vault
    4  every input file failed (``haven check-email``)
"""

from __future__ import annotations


class HavenError(Exception):
    """Base class: a clear, plain-words message for the person, and an exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadAnswers(HavenError):
    """Input that names an unknown key or value. ``key`` is the offending key."""

    exit_code = 2

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class WrongPassphrase(HavenError):
    """The passphrase does not open the vault. Nothing was changed."""

    exit_code = 3


class NotAVault(HavenError):
    """The directory is not a Haven case vault."""

    exit_code = 3


class ImportFileError(HavenError):
    """One input file could not be imported. The rest of the import carries on."""

    exit_code = 2


class UnsafeInput(ImportFileError):
    """Input refused for safety: zip bomb, zip-slip path, decompression bomb, runaway nesting."""
