"""The SQLCipher 4 database of a case: connection with a raw key, safety pragmas, and the schema.

Pragmas: ``temp_store = MEMORY`` (no plaintext temp files: SQLCipher encrypts the database, WAL and
journal pages, but sorter/temp files are kept in memory), WAL journal for readers beside one writer,
``synchronous = FULL`` so a committed import survives a crash, and a busy timeout so two Haven processes
wait for each other instead of failing. The ledger table has triggers refusing UPDATE and DELETE.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

DB_NAME = "vault.db"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    stored INTEGER NOT NULL,
    intimate INTEGER NOT NULL,
    ledger_seq INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE item_locations (
    item_id TEXT NOT NULL,
    source_path TEXT NOT NULL,
    filename TEXT NOT NULL,
    parent_id TEXT,
    seen_utc TEXT NOT NULL,
    PRIMARY KEY (item_id, source_path)
);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    ts TEXT,
    import_seq INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX messages_by_time ON messages (ts);
CREATE INDEX messages_by_conversation ON messages (conversation, ts);
CREATE INDEX messages_by_import ON messages (import_seq);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    time_utc TEXT NOT NULL,
    text TEXT NOT NULL,
    ledger_seq INTEGER NOT NULL
);
CREATE TABLE ledger (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, entry_hash TEXT NOT NULL);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
"""


def connect(path: Path, db_key: bytes) -> sqlcipher3.Connection:
    """Open (or create) the encrypted database with a raw 256-bit key. Raises ``sqlcipher3.DatabaseError``
    if the key does not decrypt it."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute(f"PRAGMA key = \"x'{db_key.hex()}'\"")
    conn.execute("PRAGMA temp_store = MEMORY")
    # Reading the schema is the first access that needs the key: it fails here if the key is wrong.
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create_schema(conn: sqlcipher3.Connection) -> None:
    from haven.vault.derived import SCHEMA as DERIVED

    conn.executescript(
        f"BEGIN IMMEDIATE;\n{SCHEMA}\n{DERIVED}\n"
        f"INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');\nCOMMIT;"
    )


def ensure_derived_schema(conn: sqlcipher3.Connection) -> None:
    """Cases made before derived data was kept get its tables (and the ordering index) when opened."""
    from haven.vault.derived import SCHEMA as DERIVED

    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'derived_flags'").fetchone() is None:
        conn.executescript(f"BEGIN IMMEDIATE;\n{DERIVED}\nCOMMIT;")
