"""The console's storage schema (SQLAlchemy Core) for SQLite or PostgreSQL.

Everything derived from a package (messages, offender details, summaries, the package itself) is kept only
as AES-GCM ciphertext (``crypto.py``); identifiers are searchable through keyed HMAC tokens, so the database
alone reveals neither a victim's words nor an offender's wallet. The ``audit`` table is append-only: the
database refuses UPDATE and DELETE on it (triggers), and its rows form a hash chain (``audit.py``).
"""

from __future__ import annotations

import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
)

from haven.bank.db import normalise_url

metadata = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "console_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "console_users", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("unit", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("totp_enc", LargeBinary, nullable=False),
    Column("totp_last", BigInteger, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=False, default=0.0),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", _ID, nullable=False),
    Column("stage", String(10), nullable=False),  # "totp" (password given) or "full"
    Column("csrf", String(64), nullable=False),
    Column("expires", Float, nullable=False),
)

cases = Table(
    "console_cases", metadata,
    Column("id", String(40), primary_key=True),
    Column("unit", String(100), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("ingested_by", String(200), nullable=False),
    Column("package_sha256", String(64), nullable=False),
    Column("summary_enc", LargeBinary, nullable=False),
    Index("ix_console_cases_unit", "unit"),
)

case_data = Table(
    "console_case_data", metadata,
    Column("case_id", String(40), primary_key=True),
    Column("kind", String(20), primary_key=True),  # package, manifest, messages, indicators, moments, ...
    Column("data_enc", LargeBinary, nullable=False),
)

identifiers = Table(
    "console_identifiers", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("token", String(32), nullable=False),  # HMAC of the normalised identifier (blind index)
    Column("kind", String(30), nullable=False),
    Column("weight", Float, nullable=False),
    Column("value_enc", LargeBinary, nullable=False),
    Index("ix_console_identifiers_token", "token"),
    Index("ix_console_identifiers_case", "case_id"),
)

alerts = Table(
    "console_alerts", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("detail_enc", LargeBinary, nullable=False),
)

deletions = Table(
    "console_deletions", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=False),
    Column("deleted_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
)

quarantine = Table(
    "console_quarantine", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("package_enc", LargeBinary, nullable=False),
)

psi_results = Table(
    "console_psi_results", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("peer", String(300), nullable=False),
    Column("token", String(32), nullable=False),
    Column("value_enc", LargeBinary, nullable=False),
    Column("contact_enc", LargeBinary, nullable=False),
)

audit = Table(
    "console_audit", metadata,
    Column("seq", _ID, primary_key=True),
    Column("time_utc", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

_SQLITE_GUARDS = [
    "CREATE TRIGGER IF NOT EXISTS console_audit_no_update BEFORE UPDATE ON console_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS console_audit_no_delete BEFORE DELETE ON console_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
_PG_GUARDS = [
    "CREATE OR REPLACE FUNCTION console_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS console_audit_guard ON console_audit",
    "CREATE TRIGGER console_audit_guard BEFORE UPDATE OR DELETE ON console_audit "
    "FOR EACH ROW EXECUTE FUNCTION console_audit_append_only()",
]


def make_engine(url: str) -> Engine:
    """Engine for the console database (a SQLite path or ``postgresql://…``); makes the schema if missing."""
    full = normalise_url(url)
    if full.startswith("sqlite"):
        engine = create_engine(full, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        guards = _SQLITE_GUARDS
    else:
        engine = create_engine(full, pool_pre_ping=True, pool_size=5, max_overflow=5)
        guards = _PG_GUARDS
    with engine.begin() as conn:
        if full.startswith("postgresql"):  # two first starts at once: one makes the schema
            conn.execute(text("SELECT pg_advisory_xact_lock(7117001)"))
        metadata.create_all(conn, checkfirst=True)
        exists = conn.execute(select(meta.c.value).where(meta.c.key == "instance")).scalar()
        if exists is None:
            for stmt in guards:
                conn.execute(text(stmt))
            conn.execute(insert(meta).values(key="instance", value=secrets.token_hex(16)))
    return engine


def get_meta(engine: Engine, key: str) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return None if value is None else str(value)


def set_meta(engine: Engine, key: str, value: str) -> None:
    with engine.begin() as conn:
        if conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount == 0:
            conn.execute(insert(meta).values(key=key, value=value))
