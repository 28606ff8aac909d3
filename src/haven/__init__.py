"""Haven: help for people facing sextortion.

A calm plan, an encrypted evidence vault, a police-ready report and on-device image hashing.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("haven")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
