"""The shared data model. Every capability speaks in these types.

Flat and typed, like plaso's events: an importer turns a source file into ``Item``s (the files, hashed)
and ``Message``s (the normalised conversation records); offender-detail kinds turn text into
``Indicator``s; the red-flag detector turns messages into ``Flag``s; every action on evidence is a
``LedgerEntry`` in the case's hash chain. Models are pydantic so they serialise to the JSON the CLI,
the report package and the web app exchange.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


ADULT_AGE = 18
"""Under this age a person is a minor: their intimate images are recorded by hash and location only."""


class Case(_Model):
    """A case: one person's matter, kept in one vault directory."""

    id: str
    created_utc: datetime = Field(default_factory=utcnow)
    reference: str | None = None
    """Police crime reference, once the person has one."""
    minor: bool = False
    """Under 18: intimate images are recorded by hash and location only, never copied (rule 3)."""
    age: int | None = None
    region: str | None = None
    """Guide region: scotland, england, wales, northern-ireland, outside-uk."""
    phone_region: str = "GB"
    """Default ISO country for phone numbers written without an international prefix."""
    notes: str | None = None
    me: list[str] = Field(default_factory=list)
    """The person's own names, numbers or ids as chats show them, so that their own messages are never
    taken for the offender's (see ``is_own_sender``)."""
    initials: str | None = None
    """The producer's initials for exhibit references (``SJ/1``); set at case creation, changeable until
    the first export."""
    own_accounts: dict[str, str] = Field(default_factory=dict)
    """The person's own account name on each platform (platform id -> name), for police data requests."""
    police_account: dict[str, Any] = Field(default_factory=dict)
    """Guide answers the person agreed to share with police (paid, amount, when, how, platforms, demands)."""

    @property
    def is_minor(self) -> bool:
        """Rule 3's test, written once: marked under 18, or an age under ``ADULT_AGE``."""
        return self.minor or (self.age is not None and self.age < ADULT_AGE)


def _sender_key(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 7 and len(digits) * 2 > len(value.strip()):  # a phone number
        return digits[-10:]
    return value.strip().casefold()


def is_own_sender(me: list[str], sender: str | None, sender_id: str | None) -> bool:
    """True when a message's sender is one of the person's own names, numbers or ids. Phone numbers
    compare on their last ten digits (``+44 7700 900123`` is ``07700900123``); names ignore case."""
    keys = {_sender_key(m) for m in me if m.strip()}
    return any(v and _sender_key(v) in keys for v in (sender, sender_id))


class Item(_Model):
    """One file of evidence (an export, an attachment, a screenshot, an email), identified by content."""

    id: str
    sha256: str
    md5: str | None = None
    size: int
    filename: str
    """Name as the person had it (for a zip member, its path inside the zip)."""
    source_path: str
    """Where the original was on this computer when it was acquired (or ``zip!member``)."""
    media_type: str = "application/octet-stream"
    acquired_utc: datetime = Field(default_factory=utcnow)
    acquired_by: str = ""
    """Importer name and tool version that acquired it."""
    parent_id: str | None = None
    """Container item (an export zip, an email) this one came out of."""
    stored: bool = True
    """False when only the hash and location are kept (intimate image of a minor, or by choice)."""
    intimate: bool = False
    """Marked by the person as an intimate image: never rendered, never exported without consent."""
    original_mtime: float | None = None
    exif: dict[str, Any] = Field(default_factory=dict)
    ocr_text: str | None = None
    perceptual: dict[str, str] = Field(default_factory=dict)
    """Perceptual hashes by signal type, e.g. ``{"pdq": "hex..."}``."""
    warnings: list[str] = Field(default_factory=list)


class MessageKind(StrEnum):
    TEXT = "text"
    MEDIA = "media"
    SYSTEM = "system"
    DELETED = "deleted"
    CALL = "call"


class Attachment(_Model):
    item_id: str | None = None
    """None when the export names a file it did not include (``<Media omitted>``)."""
    sha256: str | None = None
    filename: str


class Message(_Model):
    """One normalised message from any chat or email source. System, deleted and media-only
    messages are kept: the police want them."""

    id: str
    source_format: str
    source_item_id: str | None = None
    conversation: str
    sender: str | None = None
    """Display name as shown in the export."""
    sender_id: str | None = None
    """Stable id where the format has one (Telegram from_id, Discord author id, Skype ID, email address)."""
    from_me: bool | None = None
    """True for the person's own messages, when the format or the person says which side they are."""
    timestamp_utc: datetime | None = None
    timestamp_original: str | None = None
    """The time exactly as the export wrote it (local time, original format)."""
    timestamp_ambiguous: bool = False
    """Day/month order could not be settled from the whole file."""
    timestamp_basis: str | None = None
    """How a local time was read, in plain words: the zone and date order assumed and where each came from
    (``local time in Europe/London (the case's region); day first (settled by the file's own dates)``)."""
    kind: MessageKind = MessageKind.TEXT
    text: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    reply_to: str | None = None
    forwarded_from: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    """Format-specific fields; emails keep their headers here under ``headers``."""


class Provenance(_Model):
    """Where a finding came from: an item and/or message, and character offsets in that text."""

    item_id: str | None = None
    message_id: str | None = None
    field: str = "text"
    """Which text: ``text``, ``ocr``, ``header:From``, ``body``..."""
    start: int = 0
    end: int = 0


class Indicator(_Model):
    """An offender detail: a username, phone number, address, wallet, account, code, amount..."""

    kind: str
    value: str
    """As written."""
    normalized: str
    valid: bool
    """Checksum or format verified."""
    confidence: float = 1.0
    context: str = ""
    provenance: Provenance = Field(default_factory=Provenance)
    extra: dict[str, Any] = Field(default_factory=dict)


class Flag(_Model):
    """A red flag on one message, with the evidence span and a plain-words explanation."""

    message_id: str
    flag: str
    evidence: str
    explanation: str
    confidence: float = 1.0
    start: int = 0
    end: int = 0


GENESIS = "0" * 64


class LedgerEntry(_Model):
    """One action on evidence (ACPO principle 3). Entries form a hash chain: each names the hash of the
    one before, and its own hash covers every field but itself."""

    seq: int
    time_utc: datetime
    tool_version: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    sha256: str | None = None
    """SHA-256 of what the action touched (an item, an export), when it touched one."""
    prev_hash: str = GENESIS
    entry_hash: str = ""

    def canonical(self) -> bytes:
        body = self.model_dump(mode="json", exclude={"entry_hash"})
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def sealed(self) -> LedgerEntry:
        return self.model_copy(update={"entry_hash": self.compute_hash()})


def verify_chain(entries: list[LedgerEntry]) -> list[str]:
    """Problems with a ledger, in plain words; an empty list means the chain is intact.

    Detects an edited entry (its hash no longer matches), a deleted or reordered entry (sequence gap or
    a ``prev_hash`` that does not name the entry before it).
    """
    problems: list[str] = []
    prev = GENESIS
    for index, entry in enumerate(entries):
        if entry.seq != index:
            problems.append(f"entry {index}: sequence number is {entry.seq}, expected {index} "
                            "(an entry was deleted, added or moved)")
        if entry.entry_hash != entry.compute_hash():
            problems.append(f"entry {entry.seq}: contents do not match its hash (the entry was edited)")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq}: does not follow the entry before it "
                            "(the chain was broken, reordered or cut)")
        prev = entry.entry_hash
    return problems
