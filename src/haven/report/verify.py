"""``haven verify PACKAGE.zip``: check a Haven evidence package with no passphrase and no network.

Checks, in order: the manifest is present and signed by the key it names (or by a key the checker pins);
every listed member is present with the listed size and SHA-256; no member is present that the manifest does
not list; the ledger is an intact hash chain ending at the listed head; every included item matches its
listed hash; the Merkle root over all items' hashes matches. Every failure is named; nothing is extracted to
disk, and members are read in bounded chunks so a hostile zip cannot exhaust memory.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from haven.core.models import LedgerEntry, verify_chain
from haven.report.merkle import merkle_root
from haven.report.package import FORMAT, MANIFEST, SIGNATURE

CHUNK = 1 << 20
MAX_MANIFEST = 64 << 20


@dataclass
class VerifyResult:
    path: str
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    public_key: str | None = None
    merkle_root: str | None = None
    ledger_head: str | None = None

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.path, "ok": self.ok, "problems": self.problems, "checks": self.checks,
                "public_key": self.public_key, "merkle_root": self.merkle_root,
                "ledger_head": self.ledger_head}


def _hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int]:
    """SHA-256 and size of a member, reading at most ``limit + 1`` bytes (a lying header cannot bomb us)."""
    sha, size = hashlib.sha256(), 0
    with zf.open(info) as fh:
        while size <= limit and (block := fh.read(min(CHUNK, limit + 1 - size))):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def _read_small(zf: zipfile.ZipFile, name: str, limit: int = MAX_MANIFEST) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} is larger than {limit} bytes")
    return data


def verify_package(path: str | Path, public_key: str | None = None) -> VerifyResult:
    res = VerifyResult(str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        res.fail(f"not a readable zip file: {exc}")
        return res
    with zf:
        names = {i.filename: i for i in zf.infolist()}
        if MANIFEST not in names:
            res.fail("manifest.json is missing")
            return res
        try:
            manifest_bytes = _read_small(zf, MANIFEST)
            manifest = json.loads(manifest_bytes)
        except (ValueError, zipfile.BadZipFile) as exc:
            res.fail(f"manifest.json cannot be read: {exc}")
            return res
        if manifest.get("format") != FORMAT:
            res.fail(f"unknown package format {manifest.get('format')!r} (expected {FORMAT})")
            return res
        _check_signature(zf, names, manifest, manifest_bytes, public_key, res)
        _check_members(zf, names, manifest, res)
        _check_ledger(zf, names, manifest, res)
        _check_items(manifest, res)
    return res


def _check_signature(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                     manifest_bytes: bytes, pinned: str | None, res: VerifyResult) -> None:
    key_hex = (manifest.get("signature") or {}).get("public_key", "")
    res.public_key = key_hex
    if pinned and pinned.lower().replace(" ", "") != key_hex:
        res.fail("the manifest is signed by a different key than the one you gave (--public-key)")
    if SIGNATURE not in names:
        res.fail("manifest.sig is missing: the manifest is not signed")
        return
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        key.verify(_read_small(zf, SIGNATURE, 1024), manifest_bytes)
        res.checks.append("signature: manifest.json is signed by the key it names")
    except (ValueError, InvalidSignature):
        res.fail("signature: manifest.sig is not a valid signature of manifest.json "
                 "(the manifest or the signature was changed)")


def _check_members(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                   res: VerifyResult) -> None:
    listed = {m["path"]: m for m in manifest.get("members", [])}
    bad = 0
    for path, entry in listed.items():
        info = names.get(path)
        if info is None:
            res.fail(f"member {path}: missing from the package")
            bad += 1
            continue
        digest, size = _hash_member(zf, info, int(entry["size"]))
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
        lines = _read_small(zf, "ledger.jsonl", 1 << 30).decode().splitlines()
        entries = [LedgerEntry.model_validate_json(line) for line in lines if line.strip()]
    except (ValueError, ValidationError) as exc:
        res.fail(f"ledger: cannot be read ({str(exc).splitlines()[0]})")
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
