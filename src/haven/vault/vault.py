"""``Vault``: one case's encrypted, tamper-evident evidence store (the public API of ``haven.vault``).

A case directory holds ``vault.json`` (public KDF parameters, see ``keys``), ``vault.db`` (SQLCipher 4:
case, items, messages, notes, ledger), ``ledger.head`` (sealed chain head, see ``ledger``), ``blobs/``
(encrypted copies, see ``blobs``) and ``tmp/`` (encrypted partial writes only). Every change runs in one
write transaction together with its ledger entry; blob files are written before the transaction commits
and removed (copies that must not exist) only after it commits.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import sqlcipher3

from haven.core.errors import BadAnswers, HavenError, NotAVault
from haven.core.hashing import sha256_bytes
from haven.core.models import Case, Item, LedgerEntry, Message
from haven.vault import ledger, views
from haven.vault.blobs import BlobStore
from haven.vault.db import DB_NAME, connect, create_schema, ensure_derived_schema
from haven.vault.errors import VaultBusy, VaultExists
from haven.vault.fsutil import clear_interrupted_create, sweep_stale_tmp
from haven.vault.group import Group, GroupLost, Limits
from haven.vault.keys import HEADER_NAME, Header, KdfParams, VaultKeys, new_header, unlock, write_header
from haven.vault.reads import CaseReads
from haven.vault.sink import FileSummary, ImportSummary
from haven.vault.txn import WriteTxn
from haven.vault.views import Page


class Vault(CaseReads):
    """An open case. Use ``Vault.create`` or ``Vault.open``; close it (or use ``with``) when done."""

    def __init__(self, root: Path, header: Header, keys: VaultKeys, conn: sqlcipher3.Connection) -> None:
        self.root = root
        self.header = header
        self._keys = keys
        self._conn = conn
        self._lock = threading.RLock()
        self.blobs = BlobStore(root, keys.blob, keys.name)
        self._case: Case | None = None
        self._group: Group | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        directory: str | Path,
        passphrase: str,
        *,
        minor: bool = False,
        age: int | None = None,
        region: str | None = None,
        reference: str | None = None,
        kdf: KdfParams | None = None,
    ) -> Vault:
        """Make a new case in ``directory`` (which must not exist yet, or be empty)."""
        root = Path(directory)
        if (root / HEADER_NAME).exists():
            raise VaultExists(f"{root} already holds a Haven case. Open it instead of creating it again.")
        clear_interrupted_create(root, {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal"})
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise VaultExists(f"{root} is not an empty folder. Please choose a new folder for the case.")
        if not passphrase:
            raise BadAnswers(
                "Please choose a passphrase: the case cannot be locked without one.", "passphrase"
            )
        if age is not None and not 0 < age < 130:
            raise BadAnswers(f"The age {age} does not look right.", "age")
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)  # a shared family computer: only this user may even list the case
        header, keys = new_header(passphrase, kdf or KdfParams())
        conn = connect(root / DB_NAME, keys.db)
        create_schema(conn)
        (root / DB_NAME).chmod(0o600)
        vault = cls(root, header, keys, conn)
        vault.blobs.ensure_dirs()
        case = Case(
            id=f"case-{secrets.token_hex(8)}",
            minor=minor or (age is not None and age < 18),
            age=age,
            region=region,
            reference=reference,
        )
        with vault.write() as txn:
            txn.execute("INSERT INTO meta (key, value) VALUES ('case', ?)", (case.model_dump_json(),))
            txn.log(
                "create",
                {
                    "case_id": case.id,
                    "minor": case.minor,
                    "age": age,
                    "region": region,
                    "reference": reference,
                    "kdf": "argon2id",
                    "kdf_memory_kib": header.kdf.memory_cost_kib,
                    "kdf_time_cost": header.kdf.time_cost,
                },
            )
        write_header(root, header)  # last: only a complete case is recognised as a vault
        return vault

    @classmethod
    def open(cls, directory: str | Path, passphrase: str) -> Vault:
        """Open an existing case. ``WrongPassphrase`` / ``NotAVault`` leave everything untouched."""
        root = Path(directory)
        header, keys = unlock(root, passphrase)
        if not (root / DB_NAME).is_file():
            raise NotAVault(f"{root} has a Haven header but its database ({DB_NAME}) is missing.")
        try:
            conn = connect(root / DB_NAME, keys.db)
            conn.execute("SELECT value FROM meta WHERE key = 'case'").fetchone()
            ensure_derived_schema(conn)
        except sqlcipher3.DatabaseError as exc:
            raise NotAVault(
                f"The case database in {root} cannot be read ({exc}). It may be damaged."
            ) from exc
        vault = cls(root, header, keys, conn)
        vault.blobs.ensure_dirs()
        sweep_stale_tmp(vault.blobs.tmp_dir)
        vault._remove_forbidden_copies()
        return vault

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlcipher3.Error):
            self._conn.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[WriteTxn]:
        """One write transaction (``WriteTxn``); the ledger head is written and copies that must not
        exist are removed after it commits. Raises ``VaultBusy`` when another process holds the case.
        Inside ``grouped()`` (same thread) it is a savepoint in the group's transaction instead."""
        with self._lock:
            group = self._group
            if group is not None and group.owner == threading.get_ident():
                with group.nested() as txn:
                    yield txn
                return
            txn = self._begin()
            try:
                yield txn
            except BaseException:
                self._abort(txn)
                raise
            self._commit(txn)
            self._after_commit(txn)

    @contextlib.contextmanager
    def grouped(self, limits: Limits | None = None) -> Iterator[None]:
        """This thread's ``write()`` transactions inside are committed together in bounded groups (many
        small files per commit; see ``haven.vault.group``). Raises ``GroupLost`` if a group's commit fails."""
        with self._lock:
            group = None if self._group is not None else Group(self, limits or Limits())
            if group is not None:
                self._group = group
        if group is None:  # already grouped (one group at a time): these writes join it or run alone
            yield
            return
        try:
            yield
        finally:
            try:
                group.commit()
            finally:
                with self._lock:
                    self._group = None

    def _begin(self) -> WriteTxn:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.OperationalError as exc:
            raise VaultBusy(
                "The case is busy: another Haven window or command is changing it. "
                "Please wait for it to finish, then try again."
            ) from exc
        return WriteTxn(self._conn, self.blobs, lambda: self.is_minor)

    def _abort(self, txn: WriteTxn) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        txn.rolled_back()
        self._case = None

    def _commit(self, txn: WriteTxn) -> None:
        try:
            txn.before_commit()  # the transaction's blob files, made durable in one batch
            self._conn.execute("COMMIT")
        except BaseException:
            self._abort(txn)
            raise

    def _after_commit(self, txn: WriteTxn) -> None:
        txn.after_commit(self.root, self._keys.head)

    def _forget_case(self) -> None:
        self._case = None  # a rolled-back change may have touched it

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlcipher3.Connection]:
        """The connection, for read-only queries by the vault's own modules (verify, derived data)."""
        with self._lock:
            yield self._conn

    def head_problems(self, entries: list[LedgerEntry]) -> list[str]:
        """Problems with the sealed ledger head record (see ``ledger.check_head``)."""
        return ledger.check_head(self.root, self._keys.head, entries)

    def discard_blob(self, sha256: str) -> None:
        """Remove an encrypted copy no committed item keeps (a rolled-back import's)."""
        with self._lock:
            WriteTxn(self._conn, self.blobs, lambda: self.is_minor).remove_if_unstored(sha256)

    def _remove_forbidden_copies(self) -> None:
        """A crash between a commit and the removal it scheduled can leave a copy that must not exist."""
        rows = self._conn.execute("SELECT sha256 FROM items WHERE stored = 0").fetchall()
        for (sha,) in rows:
            if self.blobs.exists(sha):
                self.blobs.remove(sha)

    # -- case ---------------------------------------------------------------------------------------
    @property
    def case(self) -> Case:
        if self._case is None:
            with self._lock:
                row = self._conn.execute("SELECT value FROM meta WHERE key = 'case'").fetchone()
            if row is None:
                raise NotAVault(f"{self.root} has no case record.")
            self._case = Case.model_validate_json(row[0])
        return self._case

    @property
    def is_minor(self) -> bool:
        case = self.case
        return case.minor or (case.age is not None and case.age < 18)

    def update_case(self, **changes: Any) -> Case:
        """Change case fields (reference, region, age, notes...), logged. ``minor`` can only go on."""
        current = self.case
        if changes.get("minor") is False and current.minor:
            raise HavenError("A case opened for a person under 18 stays one.")
        case = Case.model_validate({**current.model_dump(), **changes})
        if case.age is not None and case.age < 18:
            case.minor = True
        with self.write() as txn:
            txn.execute("UPDATE meta SET value = ? WHERE key = 'case'", (case.model_dump_json(),))
            txn.log("update-case", {"changes": changes})
        self._case = case
        if case.minor and not current.minor:
            for item in self.items():
                if item.intimate and item.stored:
                    self.mark_intimate(item.id, force=True)
        return case

    # -- secrets ------------------------------------------------------------------------------------
    def get_secret(self, name: str) -> bytes | None:
        """A small secret kept only inside the encrypted database (e.g. the report signing key)."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (f"secret:{name}",)).fetchone()
        return bytes.fromhex(row[0]) if row else None

    def set_secret(self, name: str, value: bytes) -> None:
        """Store a secret once; the ledger records that it was made, never its value."""
        with self.write() as txn:
            txn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"secret:{name}", value.hex()))
            txn.log("create-secret", {"name": name})

    # -- items and messages: reading in ``haven.vault.reads`` ------------------------------------
    def mark_intimate(self, item_id: str, *, force: bool = False) -> Item:
        """Mark an item as an intimate image (never shown, never exported without consent). In a case for
        a person under 18 its stored copy, and the copies of any zip or email it came in, are overwritten
        and deleted right away; hash and location stay recorded."""
        with self.write() as txn:
            item = self.get_item(item_id)
            if item.intimate and not force:
                return item
            return txn.set_intimate(item, reason="marked by the person")

    # -- paged views and derived data (see ``haven.vault.views`` and ``haven.vault.derived``) -------
    def messages_page(self, offset: int = 0, limit: int = 200, **where: Any) -> Page[Message]:
        return views.messages_page(self, offset, limit, **where)

    def details_page(self, offset: int = 0, limit: int = 100, **where: Any) -> Page[dict[str, Any]]:
        return views.details_page(self, offset, limit, **where)

    def flags_page(self, offset: int = 0, limit: int = 100, **where: Any) -> Page[Any]:
        return views.flags_page(self, offset, limit, **where)

    def flagged_among(self, message_ids: list[str]) -> dict[str, list[str]]:
        return views.flagged_among(self, message_ids)

    def items_page(self, offset: int = 0, limit: int = 100, **where: Any) -> Page[Item]:
        return views.items_page(self, offset, limit, **where)

    def derived_state(self) -> dict[str, Any]:
        """Offender details and red flags as kept: engine version, summary, ``stale``, ``failed``."""
        return views.derived_state(self)

    def rebuild_derived(self, progress: Any = None, reason: str = "asked") -> dict[str, Any]:
        """Recompute offender details and red flags from the stored messages (logged ``derive``)."""
        from haven.vault.derived import rebuild

        rebuild(self, reason=reason, progress=progress)
        return self.derived_state()

    # -- ledger and notes ---------------------------------------------------------------------------
    def ledger(self) -> list[LedgerEntry]:
        with self._lock:
            return ledger.read_all(self._conn)

    def log(
        self, action: str, params: dict[str, Any] | None = None, sha256: str | None = None
    ) -> LedgerEntry:
        """Append an entry for an action taken outside the vault (an export, a report, a hash list)."""
        if not action:
            raise HavenError("A ledger entry needs an action name.")
        with self.write() as txn:
            return txn.log(action, params or {}, sha256)

    def add_note(self, text: str) -> dict[str, Any]:
        """Keep a note (what happened, when, what was said); logged with the note's SHA-256."""
        if not text.strip():
            raise HavenError("The note is empty.")
        now = datetime.now(UTC).isoformat()
        with self.write() as txn:
            entry = txn.log("note", {"length": len(text)}, sha256_bytes(text.encode()))
            cur = txn.execute(
                "INSERT INTO notes (time_utc, text, ledger_seq) VALUES (?, ?, ?)", (now, text, entry.seq)
            )
        return {"id": cur.lastrowid, "time_utc": now, "text": text}

    def notes(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT id, time_utc, text FROM notes ORDER BY id").fetchall()
        return [{"id": r[0], "time_utc": r[1], "text": r[2]} for r in rows]

    # -- import, verify, info -----------------------------------------------------------------------
    def import_paths(
        self,
        paths: Sequence[str | Path],
        fmt: Any = None,
        intimate: bool = False,
        progress: Any = None,
        options: dict[str, Any] | None = None,
        events: Any = None,
    ) -> ImportSummary:
        """Import files and folders; see ``haven.vault.pipeline``. Small files are committed together in
        bounded groups (``grouped``); a group whose commit fails stops the import with a plain error."""
        from haven.vault.pipeline import import_paths

        try:
            with self.grouped():
                return import_paths(
                    self, paths, fmt=fmt, intimate=intimate, progress=progress, options=options, events=events
                )
        except GroupLost as exc:
            raise HavenError(
                f"The import stopped: the case could not save its last files ({exc.reason}). What was "
                "saved before is intact; please free some space or check the disk, then import again."
            ) from None

    def import_stream(
        self,
        stream: BinaryIO,
        filename: str,
        *,
        fmt: Any = None,
        intimate: bool = False,
        options: dict[str, Any] | None = None,
        events: Any = None,
    ) -> FileSummary:
        """Import an uploaded file from a stream, never writing its plaintext to disk (web app)."""
        from haven.vault.pipeline import import_stream

        return import_stream(
            self, stream, filename, fmt=fmt, intimate=intimate, options=options, events=events
        )

    def verify(self) -> list[str]:
        """Every problem found (empty list: the case is intact); see ``haven.vault.verify``."""
        from haven.vault.verify import verify_vault

        return verify_vault(self)

    def info(self) -> dict[str, Any]:
        with self._lock:
            q = self._conn.execute
            counts = {
                "items": q("SELECT count(*) FROM items").fetchone()[0],
                "items_stored": q("SELECT count(*) FROM items WHERE stored = 1").fetchone()[0],
                "items_intimate": q("SELECT count(*) FROM items WHERE intimate = 1").fetchone()[0],
                "messages": q("SELECT count(*) FROM messages").fetchone()[0],
                "conversations": q("SELECT count(DISTINCT conversation) FROM messages").fetchone()[0],
                "note_count": q("SELECT count(*) FROM notes").fetchone()[0],
                "ledger_entries": q("SELECT count(*) FROM ledger").fetchone()[0],
            }
            head = q("SELECT entry_hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
        return {
            "case": self.case.model_dump(mode="json"),
            "path": str(self.root),
            **counts,
            "ledger_head": head[0] if head else None,
            "vault_format": self.header.version,
        }
