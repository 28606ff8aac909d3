"""Exchange credentials encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The ``exchange_configs.credentials`` column holds ``{"sealed": "<Fernet token>"}``; the plaintext JSON of
the credentials exists only in memory while an exchange is built. The key, first found of:

1. ``HAVEN_BANK_SECRET_KEY``: a Fernet key (``python -c "from cryptography.fernet import Fernet;
   print(Fernet.generate_key().decode())"``), e.g. from the platform's secret store;
2. ``HAVEN_BANK_KEYFILE``: a file holding such a key;
3. a SQLite bank: the file ``<database>.secret-key`` beside it, made on first use (mode 0600), so a copy
   of the database alone (a backup, a stolen file) does not give the tokens;
4. otherwise (PostgreSQL without 1 or 2): a key derived (HKDF-SHA256) from the bank's own key material in
   ``bank_meta`` (its feed signing key). That keeps tokens out of dumps of the table and out of logs, but
   whoever has the whole database has the key too: set 1 or 2 in production.

Rows written before encryption (a plain credentials object) are sealed by :func:`seal_existing`, which
``haven.bank.db.make_engine`` runs on every start (idempotent). A token sealed under another key cannot be
opened: a plain :class:`CredentialsError`, never a traceback.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import typing as t
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, select, update

MARK = "sealed"


class CredentialsError(ValueError):
    """Stored credentials that cannot be opened with this bank's key (plain words)."""


def _keyfile(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(f"{engine.url.database}.secret-key")


def _read_or_make(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key + b"\n")
    finally:
        os.close(fd)
    return key


def key_for(engine: Engine) -> Fernet:
    """The bank's credentials key (see the module text for where it comes from)."""
    env = os.environ.get("HAVEN_BANK_SECRET_KEY")
    if env:
        return Fernet(env.strip().encode())
    keyfile = os.environ.get("HAVEN_BANK_KEYFILE")
    if keyfile:
        return Fernet(Path(keyfile).read_bytes().strip())
    path = _keyfile(engine)
    if path is not None:
        try:
            return Fernet(_read_or_make(path))
        except FileExistsError:  # another process made it a moment ago
            return Fernet(path.read_bytes().strip())
    from haven.bank.feed import signing_key  # the bank's Ed25519 feed key, kept in bank_meta

    raw = signing_key(engine).private_bytes_raw()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"haven exchange credentials")
    return Fernet(base64.urlsafe_b64encode(derived.derive(raw)))


def seal(box: Fernet, credentials: dict[str, t.Any]) -> dict[str, str]:
    return {MARK: box.encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()}


def is_sealed(stored: t.Any) -> bool:
    return isinstance(stored, dict) and set(stored) == {MARK}


def open_sealed(box: Fernet, stored: t.Any) -> dict[str, t.Any]:
    if not is_sealed(stored):
        return dict(stored or {})  # a row not yet sealed (seal_existing seals it at the next start)
    try:
        return dict(json.loads(box.decrypt(stored[MARK].encode())))
    except InvalidToken:
        raise CredentialsError(
            "The exchange credentials were sealed with another key: set HAVEN_BANK_SECRET_KEY or "
            "HAVEN_BANK_KEYFILE to the key they were made with, or add the exchange again."
        ) from None


def seal_existing(engine: Engine) -> int:
    """Seal every plaintext credentials row (the migration); returns how many were sealed."""
    from haven.bank.db import exchange_configs

    with engine.begin() as conn:
        rows = conn.execute(select(exchange_configs.c.name, exchange_configs.c.credentials)).all()
        plain = [(name, creds) for name, creds in rows if not is_sealed(creds)]
        if not plain:
            return 0
        box = key_for(engine)
        if engine.dialect.name == "sqlite":  # the old row's bytes are zeroed, not left in a free page
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
        for name, creds in plain:
            conn.execute(
                update(exchange_configs)
                .where(exchange_configs.c.name == name)
                .values(credentials=seal(box, dict(creds or {})))
            )
    if engine.dialect.name == "sqlite":  # and no copy stays in the write-ahead log or a free page
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.commit()
            try:
                raw.execute("VACUUM")
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError:  # another process holds the database: secure_delete zeroed
                pass  # the old row; the log is overwritten as the bank goes on
    return len(plain)
