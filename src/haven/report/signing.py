"""The per-case Ed25519 key that signs a package's manifest.

The private key lives only inside the encrypted vault (as a vault secret); the public key is printed in the
report and written into the manifest, so anyone can check a package without a passphrase.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SECRET_NAME = "report.signing-key.ed25519"


class SecretStore(Protocol):
    def get_secret(self, name: str) -> bytes | None: ...
    def set_secret(self, name: str, value: bytes) -> None: ...


def load_or_create_key(store: SecretStore) -> Ed25519PrivateKey:
    raw = store.get_secret(SECRET_NAME)
    if raw is None:
        key = Ed25519PrivateKey.generate()
        store.set_secret(SECRET_NAME, key.private_bytes_raw())
        return key
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint(public_hex: str) -> str:
    """A short form people can read out over the phone: groups of four hex digits."""
    return " ".join(public_hex[i : i + 4] for i in range(0, 32, 4))
