"""Exchange credentials are encrypted at rest (issue 18 item 5): the plaintext token is nowhere in the
database files, the exchange still gets it back, rows stored in plaintext before are sealed (migrated) when
the bank opens, and another key gives a plain error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from haven.bank.db import exchange_configs, make_engine
from haven.bank.exchanges import configs, sealed

TOKEN = "tok-SECRET-6f1e2d3c4b5a"


def files_text(db: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in db.parent.glob(db.name + "*") if not p.name.endswith(".secret-key")
    )


def test_token_is_not_in_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAVEN_BANK_SECRET_KEY", raising=False)
    monkeypatch.delenv("HAVEN_BANK_KEYFILE", raising=False)
    db = tmp_path / "bank.sqlite"
    engine = make_engine(str(db))
    configs.add(engine, "HAVEN2", "haven_feed", {"url": "http://127.0.0.1:9"}, {"key": TOKEN})
    assert configs.get(engine, "HAVEN2").credentials == {"key": TOKEN}
    assert configs.get(engine, "HAVEN2").public()["credentials"] == ["key"]
    with engine.connect() as conn:
        stored = conn.execute(select(exchange_configs.c.credentials)).scalar_one()
    assert sealed.is_sealed(stored) and TOKEN not in json.dumps(stored)
    engine.dispose()
    assert TOKEN.encode() not in files_text(db)
    assert (tmp_path / "bank.sqlite.secret-key").stat().st_mode & 0o077 == 0  # the key: owner only


def test_plaintext_rows_are_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("HAVEN_BANK_SECRET_KEY", key)
    db = tmp_path / "old.sqlite"
    engine = make_engine(str(db))
    configs.add(engine, "HAVEN2", "haven_feed", {"url": "http://127.0.0.1:9"}, {"key": "x"})
    with engine.begin() as conn:  # a row as the bank stored it before encryption
        conn.execute(exchange_configs.update().values(credentials={"key": TOKEN}))
    engine.dispose()
    assert TOKEN.encode() in files_text(db)
    engine = make_engine(str(db))  # opening the bank seals it
    assert configs.get(engine, "HAVEN2").credentials == {"key": TOKEN}
    engine.dispose()
    assert TOKEN.encode() not in files_text(db)
    assert not (tmp_path / "old.sqlite.secret-key").exists()  # the environment's key was used

    monkeypatch.setenv("HAVEN_BANK_SECRET_KEY", Fernet.generate_key().decode())
    engine = make_engine(str(db))
    with pytest.raises(sealed.CredentialsError, match="another key"):
        configs.get(engine, "HAVEN2")
    engine.dispose()
