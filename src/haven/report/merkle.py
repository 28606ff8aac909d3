"""Merkle root over a case's items (RFC 6962 / Certificate Transparency tree hashing).

Leaves are the items' SHA-256 digests in item-id order. RFC 6962 prefixes leaf hashes with 0x00 and inner
nodes with 0x01, so a leaf can never be passed off as an inner node (second-preimage safety), and an odd
node is promoted, not duplicated (no CVE-2012-2459-style ambiguity). Written by hand because it is twelve
lines and the Python packages that offer it are unmaintained or pull in much more than this.
"""

from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def _leaf(digest_hex: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(digest_hex)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaf_digests: list[str]) -> str:
    """Root (hex) of the RFC 6962 tree over the given SHA-256 hex digests, in the order given."""
    if not leaf_digests:
        return EMPTY_ROOT
    level = [_leaf(d) for d in leaf_digests]
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()
