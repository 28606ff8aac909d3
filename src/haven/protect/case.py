"""A StopNCII-style protection case: a case number, a PIN, and the hashes of the person's images.

The case is one record on this computer, in the case folder (see ``default_store``), **encrypted at
rest under the PIN** (``sealed.py``: argon2id + AES-256-GCM; the file is named by a digest of the case
number). It keeps each file's hashes and its *local* name (so the person can see which picture a hash
came from) but never the image itself, and none of it is readable without the PIN. The PIN is shown
once and never stored; opening the case, changing its status to Withdrawn or Deleted, all need it.
Records written by older versions (plain ``<case number>.json``) are still read, and are sealed (and
the plain file removed) the next time they are saved with the PIN.

``export_submission`` writes the file that can be given to a hash service: hashes only, with no
paths, file names, sizes or dates of the files.

A case can also be registered at Haven hash banks under this same case number (``bank_link.py``): each
bank is a *link* in the record (its address, the intake's API key, the last status seen), and what could
not be sent yet waits in the record's *outbox* (for example a withdrawal made while offline), to be sent
the next time the case is opened with its PIN and a bank can be reached.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from haven.core.errors import BadAnswers, HavenError
from haven.protect.hashing import HashResult, hash_paths
from haven.protect.sealed import SealError, SealKey, is_sealed, record_name, seal, unseal

CASE_FORMAT = "haven-protect-case/1"
SUBMISSION_FORMAT = "haven-protect-submission/1"
STATUSES = ("Received", "Active", "Withdrawn", "Deleted")  # the StopNCII API's status vocabulary
CASE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
ADULT_AGE = 18


class WrongPin(HavenError):
    """The PIN does not match this case. Nothing was changed."""

    exit_code = 3


class CaseNotFound(HavenError):
    exit_code = 2


class PinNeeded(HavenError):
    """The case is encrypted under its PIN, and no PIN was given."""

    exit_code = 2


def record_path(case_number: str, store: Path | None = None) -> Path:
    """Where the (encrypted) record of ``case_number`` is kept."""
    return (store or default_store()) / record_name(case_number)


def default_store() -> Path:
    """Where cases live: ``$HAVEN_PROTECT_DIR``, else ``$XDG_DATA_HOME/haven/protect``
    (``~/.local/share/haven/protect``)."""
    if env := os.environ.get("HAVEN_PROTECT_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "haven" / "protect"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_case_number() -> str:
    """``HVN-7K2M-Q9TD`` style: 40 random bits in eight base-32 characters, easy to read aloud."""
    chars = "".join(secrets.choice(CASE_ALPHABET) for _ in range(8))
    return f"HVN-{chars[:4]}-{chars[4:]}"


def new_pin() -> str:
    """An 8-digit PIN shown as ``1234-5678``."""
    digits = f"{secrets.randbelow(10**8):08d}"
    return f"{digits[:4]}-{digits[4:]}"


def _normal_pin(pin: str) -> str:
    return "".join(ch for ch in pin if ch.isdigit())


def load_services() -> dict[str, list[dict[str, Any]]]:
    """Where to send hashes, by age group, from ``data/services.json`` (each names its source)."""
    text = resources.files("haven.protect").joinpath("data/services.json").read_text("utf-8")
    data = json.loads(text)
    return {"under_18": data["under_18"], "adult": data["adult"]}


def services_for_age(age: int | None) -> list[dict[str, Any]]:
    """Under 18: Report Remove and Take It Down. 18 and over: StopNCII. Unknown age: both groups."""
    services = load_services()
    if age is None:
        return services["under_18"] + services["adult"]
    return services["under_18"] if age < ADULT_AGE else services["adult"]


@dataclass
class ProtectCase:
    """One case file. Use ``create``/``load``; every change is written straight back with ``save``."""

    case_number: str
    status: str
    created: str
    updated: str
    minor: bool | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None
    pin_hash: str = ""  # only in records from older versions (plain JSON); new records need no hash
    links: list[dict[str, Any]] = field(default_factory=list)  # banks holding this case (bank_link.py)
    outbox: list[dict[str, Any]] = field(default_factory=list)  # bank changes still to be sent
    key: SealKey | None = field(default=None, repr=False, compare=False)

    # -- storing ---------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        paths: list[str | Path],
        *,
        store: Path | None = None,
        age: int | None = None,
        fast: bool = True,
    ) -> tuple[ProtectCase, str]:
        """Hash ``paths`` (folders walked) into a new case. Returns (case, PIN); show the PIN once."""
        if age is not None and not 0 < age < 130:
            raise BadAnswers(f"Age must be a number of years between 1 and 129, not {age}.", key="age")
        store = store or default_store()
        results = list(hash_paths(paths, fast=fast))
        if not results:
            raise HavenError("No files were found to protect. Name image or video files, or folders.")
        failed = [r for r in results if r.error]
        if len(failed) == len(results):
            raise HavenError("None of the files could be hashed: " + "; ".join(r.error or "" for r in failed))
        pin = new_pin()
        now = _now()
        case = cls(
            case_number=new_case_number(),
            key=SealKey.new(_normal_pin(pin)),
            status="Received",
            created=now,
            updated=now,
            minor=None if age is None else age < ADULT_AGE,
            history=[{"status": "Received", "at": now}],
        )
        case.add_results(results)
        case.set_status("Active")
        case.save(store)
        return case, pin

    @classmethod
    def load(cls, ref: str | Path, *, store: Path | None = None, pin: str | None = None) -> ProtectCase:
        """A case by number (looked up in ``store``) or by the path of its record, opened with its PIN.

        Raises CaseNotFound, PinNeeded (no PIN given), WrongPin (nothing is read without the right PIN)
        or HavenError for a file that is not a case record."""
        candidate = Path(ref)
        if not candidate.is_file():
            folder = store or default_store()
            candidate = folder / record_name(str(ref))
            if not candidate.is_file():
                candidate = folder / f"{str(ref).strip().upper()}.json"  # an older, plain record
        if not candidate.is_file():
            raise CaseNotFound(f"No protection case {ref} was found (looked in {candidate.parent}).")
        try:
            data = json.loads(candidate.read_text("utf-8"))
            key = None
            if is_sealed(data):
                if pin is None:
                    raise PinNeeded(f"Case {ref} is locked with its PIN. Give the PIN to open it.")
                try:
                    data, key = unseal(data, _normal_pin(pin), candidate)
                except SealError:
                    raise WrongPin("That PIN does not match this case. Nothing was changed.") from None
            if data.get("format") != CASE_FORMAT:
                raise ValueError("not a Haven protection case file")
            case = cls(**{k: data[k] for k in ("case_number", "status", "created", "updated")})
            case.minor, case.history, case.files = data.get("minor"), data["history"], data["files"]
            case.pin_hash = data.get("pin_hash", "")
            case.links, case.outbox = list(data.get("links", [])), list(data.get("outbox", []))
        except (ValueError, KeyError, TypeError) as exc:
            raise HavenError(f"{candidate} is not a readable protection case ({exc}).") from None
        case.path, case.key = candidate, key
        if key is None and pin is not None:
            case.check_pin(pin)  # an older, plain record: its argon2 hash checks the PIN
        return case

    def save(self, store: Path | None = None) -> Path:
        """Encrypt and write atomically (temp file + rename) with owner-only permissions. A record from
        an older version is sealed now, and its plain file removed."""
        if self.key is None:
            raise PinNeeded(f"Case {self.case_number} can only be saved after it is opened with its PIN.")
        old = self.path if self.path is not None and self.path.suffix == ".json" else None
        folder = self.path.parent if self.path is not None else (store or default_store())
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = folder / record_name(self.case_number)
        seal({"format": CASE_FORMAT, **self.to_dict(with_keys=True)}, self.key, self.path)
        if old is not None and old != self.path:
            old.unlink(missing_ok=True)
        return self.path

    # -- content ---------------------------------------------------------------------------------
    def add_results(self, results: list[HashResult]) -> None:
        """Record each file's hashes and local path (never the file itself)."""
        added = _now()
        for r in results:
            entry = {k: v for k, v in r.to_dict().items() if v is not None}
            entry["added"] = added
            self.files.append(entry)

    def set_status(self, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r} (known: {', '.join(STATUSES)})")
        self.status = status
        self.updated = _now()
        self.history.append({"status": status, "at": self.updated})

    def check_pin(self, pin: str) -> None:
        """Raises WrongPin unless ``pin`` is this case's PIN. Also gives an older record its key."""
        digits = _normal_pin(pin)
        if self.key is not None:
            again = self.key.kdf.key(digits, self.key.salt)
            if not hmac.compare_digest(again, self.key.key):
                raise WrongPin("That PIN does not match this case. Nothing was changed.")
            return
        try:
            PasswordHasher().verify(self.pin_hash, digits)
        except (VerificationError, InvalidHashError):
            raise WrongPin("That PIN does not match this case. Nothing was changed.") from None
        self.key = SealKey.new(digits)
        self.pin_hash = ""

    def withdraw(self, pin: str) -> None:
        """Status Withdrawn: the hashes stay on this computer but are no longer offered for export. Every
        bank holding the case is to withdraw it too (queued here; ``bank_link.flush`` sends it)."""
        self.check_pin(pin)
        if self.status == "Deleted":
            raise HavenError(f"Case {self.case_number} was deleted; there is nothing to withdraw.")
        self.set_status("Withdrawn")
        self.queue_bank_withdrawals()
        self.save()

    def delete(self, pin: str) -> None:
        """Status Deleted: every hash and path is removed from the case file; only the record remains.
        Banks holding the case are to withdraw it (queued, as for ``withdraw``)."""
        self.check_pin(pin)
        self.files = []
        self.set_status("Deleted")
        self.queue_bank_withdrawals()
        self.save()

    def queue_bank_withdrawals(self, skip: str | None = None) -> None:
        """Put a withdrawal for every linked bank (but ``skip``, a bank address) in the outbox, once."""
        waiting = {(o["op"], o["url"]) for o in self.outbox}
        for link in self.links:
            url = link["url"]
            if url == skip or link.get("status") == "Withdrawn" or ("withdraw", url) in waiting:
                continue
            self.outbox = [o for o in self.outbox if not (o["url"] == url and o["op"] == "register")]
            if link.get("status") == "Queued":  # never reached that bank: nothing to withdraw there
                link["status"] = "Withdrawn"
                continue
            self.outbox.append({"op": "withdraw", "url": url, "queued": _now(), "attempts": 0, "error": ""})

    def services(self) -> list[dict[str, Any]]:
        if self.minor is None:
            return services_for_age(None)
        return services_for_age(ADULT_AGE - 1 if self.minor else ADULT_AGE)

    def to_dict(self, *, with_keys: bool = False) -> dict[str, Any]:
        """The record; the banks' API keys only ``with_keys`` (the sealed record keeps them)."""
        links = [x if with_keys else {k: v for k, v in x.items() if k != "key"} for x in self.links]
        data: dict[str, Any] = {
            "case_number": self.case_number,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "minor": self.minor,
            "history": self.history,
            "files": self.files,
        }
        if self.links or self.outbox:
            data["links"], data["outbox"] = links, self.outbox
        return data

    # -- export ----------------------------------------------------------------------------------
    def submission(self) -> dict[str, Any]:
        """Hashes only: no paths, file names, sizes, dates of files, or anything about the person."""
        if self.status != "Active":
            raise HavenError(
                f"Case {self.case_number} is {self.status}, so it cannot be exported. "
                "Only an Active case is exported."
            )
        hashes = []
        for f in self.files:
            if f.get("error") and not f.get("md5"):
                continue
            item: dict[str, Any] = {"media": f["media"], "md5": f["md5"], "sha256": f["sha256"]}
            if f.get("pdq"):
                item["pdq"], item["quality"] = f["pdq"], f["quality"]
            if f.get("frames"):
                item["frames"] = [{"pdq": fr["pdq"], "quality": fr["quality"]} for fr in f["frames"]]
            if f.get("vpdq"):
                item["vpdq"] = [
                    {"pdq": v["pdq"], "quality": v["quality"], "timestamp": v["timestamp"]} for v in f["vpdq"]
                ]
            hashes.append(item)
        return {
            "format": SUBMISSION_FORMAT,
            "case_number": self.case_number,
            "exported": _now(),
            "signal_types": {"image": ["pdq", "md5", "sha256"], "video": ["vpdq", "md5", "sha256"]},
            "hashes": hashes,
        }

    def export_submission(self, out: Path) -> Path:
        data = self.submission()
        out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return out
