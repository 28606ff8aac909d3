"""The bank's storage schema (SQLAlchemy Core) for SQLite or PostgreSQL, and engine set-up.

The database is the source of truth. ``events`` is an append-only feed of index changes (a signal added or
withdrawn): every server process follows it, so all workers' in-memory indexes converge within a poll
interval, and a snapshot records the last event it contains.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)

metadata = MetaData()

# BigInteger ids on PostgreSQL, plain INTEGER PRIMARY KEY (rowid alias, autoincrement) on SQLite.
_ID = BigInteger().with_variant(Integer(), "sqlite")

bank_meta = Table(
    "bank_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("pin_hash", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("failed_pins", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=False, default=0.0),
)

signals = Table(
    "signals",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", _ID, ForeignKey("cases.id"), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("value", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
    Index("ix_signals_case", "case_id"),
)

events = Table(
    "events",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("signal_id", _ID, ForeignKey("signals.id"), nullable=False),
    Column("op", String(10), nullable=False),  # "add" or "remove"
    Column("created_at", DateTime(timezone=True), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("signal_id", _ID, ForeignKey("signals.id"), nullable=False),
    Column("platform", String(200), nullable=False),
    Column("value", String(20), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_feedback_signal", "signal_id"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("platform", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("webhook_id", _ID, ForeignKey("webhooks.id"), nullable=False),
    Column("delivery_key", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # delivered / failed
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# Named banks (HMA's BankConfig): absent rows mean a bank that is fully enabled (ratio 1.0).
banks = Table(
    "banks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("matching_enabled_ratio", Float, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Curation details of a bank item (HMA's "content"; in Haven a content item is a case).
bank_content = Table(
    "bank_content",
    metadata,
    Column("case_id", _ID, ForeignKey("cases.id"), primary_key=True),
    Column("metadata", JSON),
    Column("note", Text),
    Column("disable_until_ts", BigInteger, nullable=False, default=0),
)


# Exchanges configured per bank (haven.bank.exchanges.configs): which python-threatexchange API, its
# settings and credentials, how often to fetch. Checkpoints live in bank_meta, written with each page.
exchange_configs = Table(
    "exchange_configs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("api", String(40), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("config", JSON, nullable=False),
    Column("credentials", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("every_seconds", Float, nullable=False),
    Column("last_fetch_at", Float, nullable=False, default=0.0),
    Column("last_error", Text),
    Column("feedback_cursor", BigInteger, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def normalise_url(url: str) -> str:
    """A database URL or a bare file path (SQLite). ``postgresql://`` uses psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """Engine for the bank database; creates the schema if missing (idempotent)."""
    full = normalise_url(url)
    if full.startswith("sqlite"):
        engine = create_engine(full, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        engine = create_engine(full, pool_pre_ping=True, pool_size=5, max_overflow=5)
    metadata.create_all(engine, checkfirst=True)
    with engine.begin() as conn:
        found = conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == "instance")).scalar()
        if found is None:
            try:
                conn.execute(insert(bank_meta).values(key="instance", value=secrets.token_hex(16)))
            except Exception:  # another process created it at the same moment
                pass
    from haven.bank.exchanges.sealed import seal_existing  # credentials stored before encryption

    seal_existing(engine)
    return engine


def instance_id(engine: Engine) -> str:
    """A random id made when the database was created (ties a snapshot to its database)."""
    with engine.connect() as conn:
        return str(conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == "instance")).scalar())
