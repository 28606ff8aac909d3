"""Key derivation and the vault's plaintext header file.

The passphrase is stretched with argon2id (argon2-cffi's ``hash_secret_raw``) using a random salt; HKDF-SHA256
then derives one independent subkey per purpose, so no key is ever used for two things:

* ``db``: the raw SQLCipher 4 key (``PRAGMA key = "x'..'"``, so SQLCipher's own PBKDF2 is skipped),
* ``blob``: the AEAD master key of the blob store (each blob derives its own key from it and a random salt),
* ``name``: the HMAC key that turns a file's SHA-256 into its blob file name (names reveal no hashes),
* ``head``: the HMAC key that seals the ledger head record kept outside the database,
* ``check``: a key-check value stored in the header, so a wrong passphrase is refused before anything
  is opened or changed.

The header (``vault.json``) holds only public parameters: format name and version, the KDF parameters and
salt, the cipher names and the key-check value. It holds no secret and no case data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haven.core.errors import NotAVault, WrongPassphrase
from haven.vault.fsutil import atomic_write

HEADER_NAME = "vault.json"
FORMAT_NAME = "haven-vault"
FORMAT_VERSION = 1
_CHECK_LABEL = b"haven vault key check v1"


@dataclass(frozen=True)
class KdfParams:
    """argon2id parameters. The default follows RFC 9106's second recommended option (64 MiB, t=3)
    with one lane, which takes about 0.2 s here. Tests pass cheaper ones explicitly."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 1


@dataclass(frozen=True)
class VaultKeys:
    """The subkeys of one open vault (never written anywhere)."""

    db: bytes
    blob: bytes
    name: bytes
    head: bytes
    check: bytes

    def check_value(self) -> str:
        return hmac.new(self.check, _CHECK_LABEL, hashlib.sha256).hexdigest()


def derive_keys(passphrase: str, salt: bytes, params: KdfParams) -> VaultKeys:
    """argon2id(passphrase, salt) -> master key -> one HKDF subkey per purpose."""
    master = hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )

    def sub(label: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"haven {label} v1".encode()
        ).derive(master)

    return VaultKeys(
        db=sub("sqlcipher"),
        blob=sub("blob"),
        name=sub("blob-name"),
        head=sub("ledger-head"),
        check=sub("key-check"),
    )


@dataclass(frozen=True)
class Header:
    """The contents of ``vault.json``."""

    salt: bytes
    kdf: KdfParams
    key_check: str
    version: int = FORMAT_VERSION

    def to_json(self) -> str:
        body = {
            "format": FORMAT_NAME,
            "version": self.version,
            "kdf": {"algorithm": "argon2id", **asdict(self.kdf), "salt": self.salt.hex()},
            "database": "sqlcipher4 (raw key from HKDF)",
            "blobs": "AES-256-GCM, 1 MiB chunks, per-blob HKDF key, STREAM nonces",
            "key_check": self.key_check,
            "note": "Public parameters only. This file holds no secret and no case data.",
        }
        return json.dumps(body, indent=2) + "\n"


def new_header(passphrase: str, params: KdfParams) -> tuple[Header, VaultKeys]:
    salt = os.urandom(16)
    keys = derive_keys(passphrase, salt, params)
    return Header(salt=salt, kdf=params, key_check=keys.check_value()), keys


def write_header(directory: Path, header: Header) -> None:
    atomic_write(directory / HEADER_NAME, header.to_json().encode())


def read_header(directory: Path) -> Header:
    """Parse ``vault.json``; ``NotAVault`` when it is missing or is not a Haven vault header."""
    path = directory / HEADER_NAME
    if not directory.is_dir():
        raise NotAVault(f"{directory} is not a folder, so it is not a Haven case.")
    if not path.is_file():
        raise NotAVault(f"{directory} is not a Haven case (there is no {HEADER_NAME} in it).")
    try:
        body = json.loads(path.read_text("utf-8"))
        if body.get("format") != FORMAT_NAME:
            raise ValueError("format")
        version = int(body["version"])
        kdf = body["kdf"]
        if kdf.get("algorithm") != "argon2id":
            raise ValueError("kdf")
        params = KdfParams(int(kdf["time_cost"]), int(kdf["memory_cost_kib"]), int(kdf["parallelism"]))
        header = Header(
            salt=bytes.fromhex(kdf["salt"]), kdf=params, key_check=str(body["key_check"]), version=version
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotAVault(
            f"{path} is not a Haven vault header (it is damaged or from another program)."
        ) from exc
    if version > FORMAT_VERSION:
        raise NotAVault(f"This case was made by a newer Haven (vault format {version}); please update Haven.")
    return header


def unlock(directory: Path, passphrase: str) -> tuple[Header, VaultKeys]:
    """Derive the keys and check them against the header; ``WrongPassphrase`` if they do not match."""
    header = read_header(directory)
    keys = derive_keys(passphrase, header.salt, header.kdf)
    if not hmac.compare_digest(keys.check_value(), header.key_check):
        raise WrongPassphrase(
            "That passphrase does not open this case. Nothing was changed. Please check it and try again."
        )
    return header, keys
