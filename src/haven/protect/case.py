"""A StopNCII-style protection case: a case number, a PIN, and the hashes of the person's images.

The case is one JSON file on this computer (``<case number>.json`` in the case folder, see
``default_store``). It keeps each file's hashes and its *local* path (so the person can see which
picture a hash came from) but never the image itself. The PIN is shown once and stored only as an
argon2 hash; changing the case's status to Withdrawn or Deleted needs it.

``export_submission`` writes the file that can be given to a hash service: hashes only, with no
paths, file names, sizes or dates of the files.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from haven.core.errors import BadAnswers, HavenError
from haven.protect.hashing import HashResult, hash_paths

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
    pin_hash: str
    status: str
    created: str
    updated: str
    minor: bool | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

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
            pin_hash=PasswordHasher().hash(_normal_pin(pin)),
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
    def load(cls, ref: str | Path, *, store: Path | None = None) -> ProtectCase:
        """A case by number (looked up in ``store``) or by the path of its JSON file."""
        candidate = Path(ref)
        if not candidate.is_file():
            candidate = (store or default_store()) / f"{str(ref).strip().upper()}.json"
        if not candidate.is_file():
            raise CaseNotFound(f"No protection case {ref} was found (looked in {candidate.parent}).")
        try:
            data = json.loads(candidate.read_text("utf-8"))
            if data.get("format") != CASE_FORMAT:
                raise ValueError("not a Haven protection case file")
            case = cls(**{k: data[k] for k in ("case_number", "pin_hash", "status", "created", "updated")})
            case.minor, case.history, case.files = data.get("minor"), data["history"], data["files"]
        except (ValueError, KeyError, TypeError) as exc:
            raise HavenError(f"{candidate} is not a readable protection case ({exc}).") from None
        case.path = candidate
        return case

    def save(self, store: Path | None = None) -> Path:
        """Write atomically (temp file + rename) with owner-only permissions."""
        if self.path is None:
            folder = store or default_store()
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = folder / f"{self.case_number}.json"
        data = {"format": CASE_FORMAT, **self.to_dict(include_secret=True)}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".case-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
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
        try:
            PasswordHasher().verify(self.pin_hash, _normal_pin(pin))
        except (VerificationError, InvalidHashError):
            raise WrongPin("That PIN does not match this case. Nothing was changed.") from None

    def withdraw(self, pin: str) -> None:
        """Status Withdrawn: the hashes stay on this computer but are no longer offered for export."""
        self.check_pin(pin)
        if self.status == "Deleted":
            raise HavenError(f"Case {self.case_number} was deleted; there is nothing to withdraw.")
        self.set_status("Withdrawn")
        self.save()

    def delete(self, pin: str) -> None:
        """Status Deleted: every hash and path is removed from the case file; only the record remains."""
        self.check_pin(pin)
        self.files = []
        self.set_status("Deleted")
        self.save()

    def services(self) -> list[dict[str, Any]]:
        if self.minor is None:
            return services_for_age(None)
        return services_for_age(ADULT_AGE - 1 if self.minor else ADULT_AGE)

    def to_dict(self, *, include_secret: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "case_number": self.case_number,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "minor": self.minor,
            "history": self.history,
            "files": self.files,
        }
        if include_secret:
            data["pin_hash"] = self.pin_hash
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
