"""Grouped write transactions: many small files of one import committed together.

An import of a folder runs one write transaction per file (``haven.vault.pipeline``). Each commit costs
several ``fsync``s (the database's WAL, the sealed ledger head and its folder, the blob folders), which
for an export of many photos costs more than hashing and encrypting them. Inside ``Vault.grouped()`` the
calling thread's ``Vault.write()`` transactions become SAVEPOINTs nested in one shared transaction, which
is committed once it holds ``Limits.bytes`` of new blobs, ``Limits.files`` files, or has been open
``Limits.seconds`` (and when the group ends):

* a file that fails is rolled back to its savepoint, and only its own blob files are dropped; the files
  before it in the group stay, exactly as with a transaction per file;
* the blob files of the whole group are made durable in one batch just before the group's commit, the
  ledger head is written and scheduled removals run just after it (``WriteTxn.after_commit``);
* crash safety is unchanged in kind: a kill leaves every committed group complete, and the files of the
  open group are simply not there (their encrypted temporary files are swept on the next open); a
  re-import is idempotent, so it resumes without duplicates;
* the vault's lock is held while a group's transaction is open (not between groups), so another thread
  waits at most one group (bounded by ``Limits.seconds`` plus the file in progress) and never sees or
  joins its uncommitted work.

If the group's commit itself fails (a disk error at the final ``fsync``), every file since the previous
commit is lost: that is raised as ``GroupLost``, past the pipeline's per-file error handling, and
``Vault.import_paths`` turns it into a plain error for the whole import.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlcipher3

from haven.vault.txn import WriteTxn

if TYPE_CHECKING:
    from haven.vault.vault import Vault


@dataclass(frozen=True)
class Limits:
    """When a group is committed (checked after each file)."""

    bytes: int = 256 << 20
    files: int = 1000
    seconds: float = 1.0


class GroupLost(BaseException):  # not an Exception: it must pass the per-file handlers
    """The group's commit failed: the files since the previous commit are not in the case."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Group:
    """One thread's open group of nested write transactions (see the module docstring)."""

    def __init__(self, vault: Vault, limits: Limits) -> None:
        self.vault = vault
        self.limits = limits
        self.owner = threading.get_ident()
        self.outer: WriteTxn | None = None
        self.files = 0
        self.since = 0.0
        self._serial = 0

    @contextlib.contextmanager
    def nested(self) -> Iterator[WriteTxn]:
        """One file's transaction, as a savepoint in the group's (begun on first use)."""
        if self.outer is None:
            self.vault._lock.acquire()  # held while the group's transaction is open (see the docstring)
            try:
                self.outer = self.vault._begin()
            except BaseException:
                self.vault._lock.release()
                raise
            self.files, self.since = 0, time.monotonic()
        outer = self.outer
        self._serial += 1
        name = f"haven_file_{self._serial}"
        outer.execute(f"SAVEPOINT {name}")
        inner = outer.nested()
        try:
            yield inner
        except BaseException:
            self._undo(name, inner)
            raise
        outer.execute(f"RELEASE {name}")
        outer.absorb(inner)
        self.files += 1
        if self._full(outer):
            self.commit()

    def _full(self, outer: WriteTxn) -> bool:
        lim = self.limits
        return (
            outer.pending_bytes >= lim.bytes
            or self.files >= lim.files
            or time.monotonic() - self.since >= lim.seconds
        )

    def _undo(self, name: str, inner: WriteTxn) -> None:
        outer = self.outer
        assert outer is not None
        try:
            outer.execute(f"ROLLBACK TO {name}")
            outer.execute(f"RELEASE {name}")
        except sqlcipher3.Error as exc:  # the database dropped the whole transaction
            self.outer = None
            try:
                self.vault._abort(outer)
            finally:
                self.vault._lock.release()
            raise GroupLost(str(exc)) from exc
        inner.nested_rolled_back()
        self.vault._forget_case()

    def commit(self) -> None:
        """Commit the open group (if any); ``GroupLost`` if that fails (it is rolled back then)."""
        outer, self.outer = self.outer, None
        if outer is None:
            return
        try:
            try:
                self.vault._commit(outer)
            except Exception as exc:
                raise GroupLost(str(exc)) from exc
            self.vault._after_commit(outer)
        finally:
            self.vault._lock.release()
