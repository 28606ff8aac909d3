"""The verifiable evidence package: one zip a police officer can read and anyone can check.

Layout::

    manifest.json      every other member with SHA-256 and size; the items with their hashes; the ledger head;
                       a Merkle root over the items; the signing public key
    manifest.sig       detached Ed25519 signature of manifest.json (raw 64 bytes)
    report.pdf         the readable report
    ledger.jsonl       the case's action log (hash chain)
    messages.jsonl     every normalised message
    indicators.csv     offender details, aggregated
    stix-bundle.json   STIX 2.1 bundle
    misp-event.json    MISP event
    items/<id>/<name>  the originals (intimate images only with explicit consent, 18+, never for a minor)

Items are streamed into the zip and hashed as they are written, so a large video never sits in memory.
The zip is written next to its destination and renamed into place only when complete.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from haven import __version__
from haven.core.errors import HavenError
from haven.core.models import Item
from haven.report.data import ReportData, collect
from haven.report.merkle import merkle_root
from haven.report.signing import load_or_create_key, public_key_hex

FORMAT = "haven-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Integrity:
    """What the report prints so a reader can tie the PDF to its package."""

    merkle_root: str
    ledger_head: str
    ledger_entries: int
    public_key: str


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    members: int
    items_included: int
    items_withheld: int
    integrity: Integrity


def items_root(items: list[Item]) -> str:
    return merkle_root([i.sha256 for i in sorted(items, key=lambda i: i.id)])


def _safe_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name or "item"
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in base)[:120] or "item"


def withheld_reason(item: Item, *, minor: bool, include_intimate: bool) -> str | None:
    """Why an item's bytes stay out of the package, or None when they go in (rules 1 and 3)."""
    if not item.stored:
        return "only the hash and location were kept (never copied into the vault)"
    if item.intimate and minor:
        return "intimate image of a person under 18: recorded by hash only"
    if item.intimate and not include_intimate:
        return "intimate image: left out unless the person chooses to include it"
    return None


def indicators_csv(data: ReportData) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kind", "value", "normalized", "valid", "count", "first_seen", "last_seen", "conversations"])
    for a in data.aggregated:
        w.writerow([a["kind"], a.get("value", ""), a["normalized"], a.get("valid"), a.get("count", 1),
                    a.get("first_seen") or "", a.get("last_seen") or "",
                    "; ".join(a.get("conversations") or [])])
    return buf.getvalue().encode()


class _Writer:
    """Adds members to the zip while recording their SHA-256 and size for the manifest."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.members: list[dict[str, Any]] = []

    def add_bytes(self, name: str, data: bytes) -> str:
        self.zf.writestr(name, data)
        digest = hashlib.sha256(data).hexdigest()
        self.members.append({"path": name, "sha256": digest, "size": len(data)})
        return digest

    def add_stream(self, name: str, stream: Any) -> str:
        sha, size = hashlib.sha256(), 0
        with self.zf.open(name, "w", force_zip64=True) as dst:
            while block := stream.read(CHUNK):
                sha.update(block)
                size += len(block)
                dst.write(block)
        digest = sha.hexdigest()
        self.members.append({"path": name, "sha256": digest, "size": size})
        return digest


def export_package(vault: Any, out_path: str | Path, include_intimate: bool = False) -> ExportResult:
    """Write the package for ``vault`` to ``out_path`` (atomically) and log the export in the ledger."""
    from haven.report.misp import build_event
    from haven.report.pdf import render_pdf
    from haven.report.stix import build_bundle

    out = Path(out_path)
    case = vault.case
    minor = bool(case.minor or (case.age is not None and case.age < 18))
    if include_intimate and minor:
        raise HavenError("Intimate images of a person under 18 are never exported. Only their hashes are.")
    key = load_or_create_key(vault)
    items = vault.items()
    vault.log("export", {"out": str(out), "include_intimate": include_intimate, "items": len(items)})
    data = collect(vault)  # after logging, so the package's ledger includes this export
    ledger = data.ledger
    integrity = Integrity(items_root(items), ledger[-1].entry_hash if ledger else "", len(ledger),
                          public_key_hex(key))

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".haven-export-", suffix=".zip", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    included = withheld = 0
    item_rows: list[dict[str, Any]] = []
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            w = _Writer(zf)
            pdf = io.BytesIO()
            render_pdf(data, integrity, pdf)
            w.add_bytes("report.pdf", pdf.getvalue())
            w.add_bytes("ledger.jsonl", "".join(e.model_dump_json() + "\n" for e in ledger).encode())
            w.add_bytes("messages.jsonl", "".join(m.model_dump_json() + "\n" for m in data.messages).encode())
            w.add_bytes("indicators.csv", indicators_csv(data))
            w.add_bytes("stix-bundle.json", json.dumps(build_bundle(data), indent=2).encode())
            w.add_bytes("misp-event.json", json.dumps(build_event(data), indent=2).encode())
            for item in sorted(items, key=lambda i: i.id):
                reason = withheld_reason(item, minor=minor, include_intimate=include_intimate)
                row: dict[str, Any] = {"id": item.id, "sha256": item.sha256, "size": item.size,
                                       "filename": item.filename, "source_path": item.source_path,
                                       "acquired_utc": item.acquired_utc.isoformat(),
                                       "acquired_by": item.acquired_by, "intimate": item.intimate}
                if reason is None:
                    path = f"items/{item.id}/{_safe_name(item.filename)}"
                    with vault.open_item(item.id) as stream:
                        digest = w.add_stream(path, stream)
                    if digest != item.sha256:
                        raise HavenError(f"Item {item.id} does not match its recorded hash. "
                                         "Run 'haven case verify' before exporting.")
                    row["path"] = path
                    included += 1
                else:
                    row["withheld"] = reason
                    withheld += 1
                item_rows.append(row)
            manifest = {
                "format": FORMAT,
                "tool": f"haven {__version__}",
                "case": {"id": case.id, "reference": case.reference},
                "members": w.members,
                "items": item_rows,
                "merkle_root": integrity.merkle_root,
                "merkle_scheme": "RFC 6962 over item SHA-256 digests, items ordered by id",
                "ledger_head": integrity.ledger_head,
                "ledger_entries": integrity.ledger_entries,
                "signature": {"algorithm": "Ed25519", "public_key": integrity.public_key, "file": SIGNATURE},
            }
            manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, key.sign(manifest_bytes))
            member_count = len(w.members) + 2
        digest = hashlib.sha256()
        with open(tmp, "rb") as fh:
            while block := fh.read(CHUNK):
                digest.update(block)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    vault.log("export-complete", {"out": str(out), "members": member_count}, sha256=digest.hexdigest())
    return ExportResult(out, digest.hexdigest(), member_count, included, withheld, integrity)
