"""Find copies of protected images in a folder (a downloads folder, a platform's data export, ...).

The hashes to look for come from a protection case (by number or file), a submission export, the JSON
of ``haven protect hash``, or a plain hash list (one hash a line: ``pdq:HEX``, ``md5:HEX``,
``sha256:HEX``, ``vpdq:JSON``, or a bare hex value - 32 characters is MD5, 64 is PDQ, Meta's format).

A file matches when its SHA-256 or MD5 is equal, its PDQ is within 31 bits (Meta's threshold) of a
wanted PDQ (any frame, for animated images), or at least 80% of its good video frames match (vPDQ).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haven.core.errors import BadAnswers, HavenError
from haven.protect.case import CaseNotFound, ProtectCase
from haven.protect.hashing import HashResult, hash_paths
from haven.protect.sealed import SUFFIX
from haven.protect.signals import (
    PDQ_MATCH_DISTANCE,
    VPDQ_MATCH_PERCENT,
    parse_vpdq,
    validate_signal,
    vpdq_match_percent,
)


@dataclass
class Wanted:
    """Hashes to look for, each with a label (the original's local path, or ``hash N``)."""

    exact: dict[str, str] = field(default_factory=dict)  # sha256 / md5 hex -> label
    pdq: list[tuple[int, str]] = field(default_factory=list)
    vpdq: list[tuple[list[Any], str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.exact) + len(self.pdq) + len(self.vpdq)

    def add(self, signal_type: str, value: Any, label: str) -> None:
        norm = validate_signal(signal_type, value)
        if signal_type in ("md5", "sha256"):
            self.exact.setdefault(norm, label)
        elif signal_type == "pdq":
            self.pdq.append((int(norm, 16), label))
        else:
            self.vpdq.append((parse_vpdq(norm), label))

    def add_record(self, rec: dict[str, Any], label: str) -> None:
        """One file record (case entry, submission entry, or ``hash --format json`` item)."""
        for kind in ("sha256", "md5", "pdq"):
            if rec.get(kind):
                self.add(kind, rec[kind], label)
        for frame in rec.get("frames") or []:
            self.add("pdq", frame["pdq"], label)
        if rec.get("vpdq"):
            self.add("vpdq", rec["vpdq"], label)


def load_wanted(ref: str | Path, *, store: Path | None = None, pin: str | None = None) -> Wanted:
    """Read the hashes to look for from a case number or a file (see the module docstring). A case
    (by number, or its encrypted record) is opened with its ``pin``."""
    wanted = Wanted()
    path = Path(ref)
    if path.is_file() and path.suffix == SUFFIX:
        _from_records(wanted, ProtectCase.load(path, pin=pin).files, use_paths=True)
    elif not path.is_file():
        try:
            case = ProtectCase.load(ref, store=store, pin=pin)
        except CaseNotFound:
            message = f"{ref} is neither a file nor a protection case number."
            raise BadAnswers(message, key="against") from None
        _from_records(wanted, case.files, use_paths=True)
    else:
        text = path.read_text("utf-8", errors="replace")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        try:
            if isinstance(data, dict) and isinstance(data.get("files"), list):
                _from_records(wanted, data["files"], use_paths=True)  # a case file
            elif isinstance(data, dict) and isinstance(data.get("hashes"), list):
                _from_records(wanted, data["hashes"], use_paths=False)  # a submission export
            elif isinstance(data, list):
                _from_records(wanted, data, use_paths=True)  # `haven protect hash --format json`
            else:
                _from_lines(wanted, text)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadAnswers(f"{path.name} has a hash Haven cannot read: {exc}", key="against") from None
    if not wanted:
        raise HavenError(f"No hashes were found in {ref}.")
    return wanted


def _from_records(wanted: Wanted, records: list[Any], *, use_paths: bool) -> None:
    for i, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            raise ValueError(f"entry {i} is not an object")
        label = rec.get("path") if use_paths and rec.get("path") else f"hash {i}"
        wanted.add_record(rec, str(label))


def _from_lines(wanted: Wanted, text: str) -> None:
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, sep, value = line.partition(":")
        if not sep or kind.lower() not in ("pdq", "md5", "sha256", "vpdq"):
            kind, value = ("md5" if len(line) == 32 else "pdq"), line
        try:
            wanted.add(kind.lower(), value.strip(), f"line {n}")
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from None


@dataclass
class ScanMatch:
    path: str
    media: str
    signal: str
    score: float  # bits apart (pdq), percent of frames (vpdq), 0 (exact)
    matches: str  # the wanted hash's label

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "media": self.media, "signal": self.signal, "score": self.score,
                "matches": self.matches}  # fmt: skip


def match_result(r: HashResult, wanted: Wanted) -> ScanMatch | None:
    """The best match for one hashed file, or None. Exact beats PDQ beats vPDQ."""
    for kind, value in (("sha256", r.sha256), ("md5", r.md5)):
        if value and value in wanted.exact:
            return ScanMatch(r.path, r.media, kind, 0.0, wanted.exact[value])
    pdqs = [int(h, 16) for h in [r.pdq, *(f["pdq"] for f in r.frames)] if h]
    best: tuple[int, str] | None = None
    for mine in pdqs:
        for theirs, label in wanted.pdq:
            d = (mine ^ theirs).bit_count()
            if d <= PDQ_MATCH_DISTANCE and (best is None or d < best[0]):
                best = (d, label)
    if best:
        return ScanMatch(r.path, r.media, "pdq", float(best[0]), best[1])
    if r.vpdq:
        for frames, label in wanted.vpdq:
            pct, _ = vpdq_match_percent(r.vpdq, frames)
            if pct >= VPDQ_MATCH_PERCENT:
                return ScanMatch(r.path, r.media, "vpdq", round(pct, 1), label)
    return None


@dataclass
class ScanReport:
    scanned: int
    failed: list[dict[str, str]]
    matches: list[ScanMatch]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "matched": len(self.matches),
            "matches": [m.to_dict() for m in self.matches],
            "failed": self.failed,
        }


def scan_folder(
    folder: str | Path,
    against: str | Path,
    *,
    store: Path | None = None,
    fast: bool = True,
    pin: str | None = None,
) -> ScanReport:
    """Hash every file under ``folder`` and report those that match the wanted hashes."""
    folder = Path(folder)
    if not folder.exists():
        raise BadAnswers(f"{folder} does not exist.", key="folder")
    wanted = load_wanted(against, store=store, pin=pin)
    matches: list[ScanMatch] = []
    failed: list[dict[str, str]] = []
    scanned = 0
    for r in hash_paths([folder], fast=fast):
        scanned += 1
        if r.error:
            failed.append({"path": r.path, "error": r.error})
        if r.sha256 and (m := match_result(r, wanted)):
            matches.append(m)
    return ScanReport(scanned, failed, matches)
