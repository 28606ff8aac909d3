"""Encryption at rest: one 256-bit console key, from a key file or from the console's passphrase (argon2id,
salt kept in the database), split by HKDF into an AES-256-GCM key for everything stored and an HMAC key for
the blind index of identifiers (a token that lets equal identifiers meet without storing them in clear).

Where the key comes from, in order: ``--key-file`` / ``HAVEN_CONSOLE_KEY_FILE``; ``HAVEN_CONSOLE_PASSPHRASE``;
otherwise a key file made on first use in ``$HAVEN_HOME/console/<database id>.key`` (mode 0600). A check
value in the database refuses a wrong key before anything is read or written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

from haven.console.db import get_meta, set_meta
from haven.core.errors import HavenError, WrongPassphrase

CHECK = b"haven-console key check v1"
KEY_FILE_ENV = "HAVEN_CONSOLE_KEY_FILE"
PASSPHRASE_ENV = "HAVEN_CONSOLE_PASSPHRASE"


def _sub(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(master)


@dataclass(frozen=True)
class ConsoleKey:
    """Encrypts and decrypts the console's data; ``token`` gives an identifier's blind-index value."""

    master: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aead", AESGCM(_sub(self.master, "haven-console/enc")))
        object.__setattr__(self, "_index", _sub(self.master, "haven-console/index"))

    def encrypt(self, data: bytes, aad: str, compress: bool = False) -> bytes:
        body = (b"z" + zlib.compress(data, 6)) if compress else (b"r" + data)
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, body, aad.encode())  # type: ignore[attr-defined]

    def decrypt(self, blob: bytes, aad: str) -> bytes:
        try:
            body = self._aead.decrypt(blob[:12], blob[12:], aad.encode())  # type: ignore[attr-defined]
        except InvalidTag as exc:
            raise WrongPassphrase("Stored data cannot be decrypted with this console key "
                                  "(wrong key, or the row was moved or changed).") from exc
        return zlib.decompress(body[1:]) if body[:1] == b"z" else body[1:]

    def encrypt_text(self, value: str, aad: str) -> bytes:
        return self.encrypt(value.encode(), aad)

    def decrypt_text(self, blob: bytes, aad: str) -> str:
        return self.decrypt(blob, aad).decode()

    def token(self, identifier: str) -> str:
        mac = hmac.new(self._index, identifier.encode(), hashlib.sha256)  # type: ignore[attr-defined]
        return mac.hexdigest()[:32]


def _home() -> Path:
    return Path(os.environ.get("HAVEN_HOME") or Path.home() / ".haven")


def _read_key_file(path: Path) -> bytes:
    raw = path.read_bytes().strip()
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            key = decode(raw.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            continue
        if len(key) == 32:
            return key
    raise HavenError(f"{path} is not a console key file (32 bytes as hex or base64).")


def _write_key_file(path: Path) -> bytes:
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def from_passphrase(engine: Engine, passphrase: str) -> bytes:
    salt_hex = get_meta(engine, "kdf_salt")
    if salt_hex is None:
        salt_hex = secrets.token_hex(16)
        set_meta(engine, "kdf_salt", salt_hex)
    return hash_secret_raw(passphrase.encode(), bytes.fromhex(salt_hex), time_cost=3,
                           memory_cost=64 * 1024, parallelism=1, hash_len=32, type=Type.ID)


def open_key(engine: Engine, key_file: str | Path | None = None, passphrase: str | None = None) -> ConsoleKey:
    """The console key for ``engine``'s database (see the module text for where it comes from)."""
    key_file = key_file or os.environ.get(KEY_FILE_ENV) or None
    passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    check = get_meta(engine, "key_check")
    if key_file:
        path = Path(key_file).expanduser()
        if path.exists():
            master = _read_key_file(path)
        elif check is None:
            master = _write_key_file(path)
        else:
            raise HavenError(f"The key file {path} does not exist.")
    elif passphrase:
        master = from_passphrase(engine, passphrase)
    else:
        path = _home() / "console" / f"{get_meta(engine, 'instance')}.key"
        if path.exists():
            master = _read_key_file(path)
        elif check is None:
            master = _write_key_file(path)
        else:
            raise WrongPassphrase(f"This console's data is encrypted and no key was given "
                                  f"(looked for {path}). Give --key-file or set {PASSPHRASE_ENV}.")
    key = ConsoleKey(master)
    if check is None:
        set_meta(engine, "key_check", base64.b64encode(key.encrypt(CHECK, "key-check")).decode())
    elif key.decrypt(base64.b64decode(check), "key-check") != CHECK:
        raise WrongPassphrase("This is not the key of this console.")
    return key
