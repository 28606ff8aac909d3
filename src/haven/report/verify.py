"""``haven verify PACKAGE.zip``: check a Haven evidence package with no passphrase and no network.

Checks, in order: the zip's central directory names every member once (a second copy of a name, placed
before or after the original, is refused: readers disagree about which copy they show); the manifest is
present and signed by the key it names (or by a key the checker pins with ``--public-key``); every listed
member is present with the listed size and SHA-256; no member is present that the manifest does not list
(directory entries that zip tools add when re-packing are ignored with a note, as long as they hold
nothing); the ledger is an intact hash chain ending at the listed head; every included item matches its
listed hash; the Merkle root over all items' hashes matches. Every failure is named, every zip-level error
is a plain failure (never a traceback); nothing is extracted to disk, and members are read in bounded
chunks so a hostile zip cannot exhaust memory.

A package that checks out was signed by the key it names. Without ``--public-key`` that proves only that
nobody changed it *after* signing — a forger can re-sign a changed package with a key of their own — so
the result says which: ``pinned`` (the key the report or the officer's record gives) or ``self-named``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from haven.core.models import LedgerEntry, verify_chain
from haven.report.merkle import merkle_root
from haven.report.package import FORMAT, MANIFEST, SIGNATURE
from haven.report.signing import fingerprint

CHUNK = 1 << 20
MAX_MANIFEST = 64 << 20
MAX_MEMBERS = 1_000_000
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, KeyError,
              NotImplementedError, RuntimeError, UnicodeDecodeError, OverflowError)
"""What a damaged or hostile zip can raise while it is read: each becomes a plain failure."""


@dataclass
class VerifyResult:
    path: str
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    public_key: str | None = None
    key_fingerprint: str | None = None
    key_pinned: bool = False
    merkle_root: str | None = None
    ledger_head: str | None = None

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    @property
    def key_status(self) -> str:
        return "pinned" if self.key_pinned else "self-named"

    def verdict(self) -> str:
        if not self.ok:
            return f"The package failed {len(self.problems)} check(s)."
        signed = f"The package checks out. It is signed by the key with fingerprint {self.key_fingerprint}"
        if self.key_pinned:
            return f"{signed}, the one you gave with --public-key."
        return (f"{signed}, "
                "which the package names itself (not pinned): compare that fingerprint with the one in the "
                "report or give the key with --public-key, because anyone could re-sign a changed package "
                "with a key of their own.")

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.path, "ok": self.ok, "problems": self.problems, "checks": self.checks,
                "notes": self.notes, "public_key": self.public_key, "key_fingerprint": self.key_fingerprint,
                "key": self.key_status, "merkle_root": self.merkle_root, "ledger_head": self.ledger_head,
                "verdict": self.verdict()}


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int]:
    """SHA-256 and size of a member, reading at most ``limit + 1`` bytes (a lying header cannot bomb us)."""
    sha, size = hashlib.sha256(), 0
    with zf.open(info) as fh:
        while size <= limit and (block := fh.read(min(CHUNK, limit + 1 - size))):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = MAX_MANIFEST) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{info.filename} is larger than {limit} bytes")
    return data


def _directory(zf: zipfile.ZipFile, res: VerifyResult) -> dict[str, zipfile.ZipInfo] | None:
    """Member name -> entry, refusing duplicate names; honest directory entries are set aside."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        res.fail(f"the zip lists {len(infos)} members, more than any Haven package holds")
        return None
    counts = Counter(i.filename for i in infos)
    dups = sorted(n for n, c in counts.items() if c > 1)
    for name in dups:
        res.fail(f"member {name}: appears {counts[name]} times in the zip directory (a second copy with "
                 "other content can hide behind the first; the package was tampered with)")
    names: dict[str, zipfile.ZipInfo] = {}
    folders = 0
    for info in infos:
        if info.filename.endswith("/"):
            if info.file_size == 0 and info.compress_size <= 2:
                folders += 1
                continue
            res.fail(f"member {info.filename}: a folder entry that holds data (it was added)")
            continue
        names[info.filename] = info
    if folders:
        res.notes.append(f"{folders} folder entr{'y' if folders == 1 else 'ies'} added by a zip tool "
                         "(re-packing) ignored; they hold no data")
    return None if dups else names


def verify_package(path: str | Path, public_key: str | None = None) -> VerifyResult:
    res = VerifyResult(str(path))
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        res.fail(f"not a readable zip file: {_why(exc)}")
        return res
    try:
        with zf:
            _verify(zf, public_key, res)
    except ZIP_ERRORS as exc:  # a damaged member or directory found while reading
        res.fail(f"the zip is damaged: {_why(exc)}")
    return res


def _verify(zf: zipfile.ZipFile, public_key: str | None, res: VerifyResult) -> None:
    names = _directory(zf, res)
    if names is None:
        return
    if MANIFEST not in names:
        res.fail("manifest.json is missing")
        return
    try:
        manifest_bytes = _read_small(zf, names[MANIFEST])
        manifest = json.loads(manifest_bytes)
        if not isinstance(manifest, dict):
            raise ValueError("it is not a JSON object")
    except ZIP_ERRORS as exc:
        res.fail(f"manifest.json cannot be read: {_why(exc)}")
        return
    if manifest.get("format") != FORMAT:
        res.fail(f"unknown package format {manifest.get('format')!r} (expected {FORMAT})")
        return
    try:
        _check_signature(zf, names, manifest, manifest_bytes, public_key, res)
        _check_members(zf, names, manifest, res)
        _check_ledger(zf, names, manifest, res)
        _check_items(manifest, res)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a manifest of the wrong shape
        res.fail(f"manifest.json does not have the expected layout: {_why(exc)}")


def _check_signature(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                     manifest_bytes: bytes, pinned: str | None, res: VerifyResult) -> None:
    key_hex = str((manifest.get("signature") or {}).get("public_key", ""))
    res.public_key = key_hex
    res.key_fingerprint = fingerprint(key_hex)
    if pinned:
        if pinned.lower().replace(" ", "") != key_hex:
            res.fail("the manifest is signed by a different key than the one you gave (--public-key)")
        else:
            res.key_pinned = True
    if SIGNATURE not in names:
        res.fail("manifest.sig is missing: the manifest is not signed")
        return
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        key.verify(_read_small(zf, names[SIGNATURE], 1024), manifest_bytes)
    except (ValueError, InvalidSignature):
        res.fail("signature: manifest.sig is not a valid signature of manifest.json "
                 "(the manifest or the signature was changed)")
        return
    how = "the key you gave (--public-key)" if res.key_pinned else "the key it names itself (not pinned)"
    res.checks.append(f"signature: manifest.json is signed by {how}, fingerprint {res.key_fingerprint}")


def _check_members(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                   res: VerifyResult) -> None:
    listed = {str(m["path"]): m for m in manifest.get("members", [])}
    bad = 0
    for path, entry in listed.items():
        info = names.get(path)
        if info is None:
            res.fail(f"member {path}: missing from the package")
            bad += 1
            continue
        try:
            digest, size = _hash_member(zf, info, int(entry["size"]))
        except ZIP_ERRORS as exc:
            res.fail(f"member {path}: cannot be read, the zip is damaged ({_why(exc)})")
            bad += 1
            continue
        if size != entry["size"]:
            res.fail(f"member {path}: its size differs from the manifest's {entry['size']} bytes "
                     "(the file was changed)")
            bad += 1
        elif digest != entry["sha256"]:
            res.fail(f"member {path}: SHA-256 does not match the manifest (the file was changed)")
            bad += 1
    for name in names:
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            res.fail(f"member {name}: present in the package but not listed in the manifest (it was added)")
            bad += 1
    if not bad:
        res.checks.append(f"members: all {len(listed)} members present and match their SHA-256")


def _check_ledger(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                  res: VerifyResult) -> None:
    if "ledger.jsonl" not in names:
        return  # already reported as a missing member
    try:
        lines = _read_small(zf, names["ledger.jsonl"], 1 << 30).decode().splitlines()
        entries = [LedgerEntry.model_validate_json(line) for line in lines if line.strip()]
    except (*ZIP_ERRORS, ValidationError) as exc:
        res.fail(f"ledger: cannot be read ({_why(exc)})")
        return
    problems = verify_chain(entries)
    for p in problems:
        res.fail(f"ledger: {p}")
    head = entries[-1].entry_hash if entries else ""
    res.ledger_head = head
    if head != manifest.get("ledger_head") or len(entries) != manifest.get("ledger_entries"):
        res.fail("ledger: its last entry or length differs from the manifest (entries were cut or added)")
    elif not problems:
        res.checks.append(f"ledger: {len(entries)} entries form an intact chain ending at the listed head")


def _check_items(manifest: dict[str, Any], res: VerifyResult) -> None:
    items = manifest.get("items", [])
    members = {m["path"]: m for m in manifest.get("members", [])}
    bad = 0
    for item in items:
        path = item.get("path")
        if path and members.get(path, {}).get("sha256") != item["sha256"]:
            res.fail(f"item {item['id']}: the file at {path} does not have the item's recorded SHA-256")
            bad += 1
    root = merkle_root([i["sha256"] for i in sorted(items, key=lambda i: i["id"])])
    res.merkle_root = root
    if root != manifest.get("merkle_root"):
        res.fail("items: the Merkle root over the items' hashes does not match the manifest")
    elif not bad:
        res.checks.append(f"items: {len(items)} item hashes give the listed Merkle root {root[:16]}…")
