"""Haven: help for people facing sextortion.

A calm plan, an encrypted evidence vault, a police-ready report and on-device image hashing.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` is read from the installed metadata on first use (importlib.metadata is slow to
    import, and ``haven --help`` should not wait for it)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("haven")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
