"""The hash bank for platforms: cases of protected hashes, an exact Hamming index, the match API.

Rooms: ``index`` (+ ``kernels``) exact PDQ range search; ``db`` schema; ``keys`` API keys and roles;
``cases`` cases, PINs, feedback; ``matcher`` the in-memory state that follows the database; ``webhooks``
signed resurfacing alerts; ``api`` the FastAPI service; ``schemas`` its bodies.
"""

from haven.bank.index import HammingIndex

__all__ = ["HammingIndex"]
