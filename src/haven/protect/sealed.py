"""Protection case records encrypted at rest, under the case's PIN (like the vault under its passphrase).

A sealed record is a small JSON envelope: the format, the argon2id parameters and salt, a nonce and the
AES-256-GCM ciphertext of the case. Nothing else is in the clear: no case number, status, file name,
age flag or hash. The file's own name is a keyed digest of the case number (``record_name``), so the
folder does not list case numbers either. The PIN is stretched with argon2id (RFC 9106's second
recommended option, 64 MiB, t=3), so trying all 10^8 PINs takes years on one computer; the key lives
only in memory while the case is open.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_FORMAT = "haven-protect-sealed/1"
SUFFIX = ".hpc"


@dataclass(frozen=True)
class Kdf:
    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 1

    def key(self, pin_digits: str, salt: bytes) -> bytes:
        return hash_secret_raw(
            pin_digits.encode("ascii"),
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            hash_len=32,
            type=Type.ID,
        )


class SealError(Exception):
    """The record could not be opened with this PIN (wrong PIN, or the file was changed)."""


def record_name(case_number: str) -> str:
    """The file name of a case's record: a digest of its number, so the folder lists no case numbers."""
    digest = hashlib.sha256(b"haven-protect-record\0" + case_number.strip().upper().encode()).hexdigest()
    return digest[:32] + SUFFIX


@dataclass
class SealKey:
    """A derived key and the salt it came from (kept only in memory, with the open case)."""

    key: bytes
    salt: bytes
    kdf: Kdf

    @classmethod
    def new(cls, pin_digits: str, kdf: Kdf | None = None) -> SealKey:
        kdf = kdf or Kdf()
        salt = secrets.token_bytes(16)
        return cls(kdf.key(pin_digits, salt), salt, kdf)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seal(payload: dict[str, Any], key: SealKey, path: Path) -> None:
    """Encrypt ``payload`` and write it to ``path`` atomically (temp file + rename), owner-only."""
    nonce = secrets.token_bytes(12)
    aad = f"{SEALED_FORMAT}:{path.name}".encode()
    body = AESGCM(key.key).encrypt(nonce, json.dumps(payload, ensure_ascii=False).encode("utf-8"), aad)
    envelope = {
        "format": SEALED_FORMAT,
        "kdf": {
            "algorithm": "argon2id",
            "time_cost": key.kdf.time_cost,
            "memory_cost": key.kdf.memory_cost,
            "parallelism": key.kdf.parallelism,
            "salt": _b64(key.salt),
        },
        "nonce": _b64(nonce),
        "ciphertext": _b64(body),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".case-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(envelope, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def is_sealed(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == SEALED_FORMAT


def unseal(envelope: dict[str, Any], pin_digits: str, path: Path) -> tuple[dict[str, Any], SealKey]:
    """Decrypt a sealed record with the PIN. Raises SealError for a wrong PIN or a changed file,
    ValueError for an envelope that is not well formed."""
    k = envelope["kdf"]
    if k.get("algorithm") != "argon2id":
        raise ValueError("unknown key derivation")
    kdf = Kdf(int(k["time_cost"]), int(k["memory_cost"]), int(k["parallelism"]))
    if not (1 <= kdf.time_cost <= 10 and 8 <= kdf.memory_cost <= 1024 * 1024 and 1 <= kdf.parallelism <= 16):
        raise ValueError("key derivation settings out of range")
    salt = base64.b64decode(k["salt"])
    key = SealKey(kdf.key(pin_digits, salt), salt, kdf)
    aad = f"{SEALED_FORMAT}:{path.name}".encode()
    try:
        plain = AESGCM(key.key).decrypt(
            base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["ciphertext"]), aad
        )
    except InvalidTag:
        raise SealError("wrong PIN or changed file") from None
    return json.loads(plain.decode("utf-8")), key
