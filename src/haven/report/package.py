"""The verifiable evidence package: one zip a police officer can read and anyone can check.

Layout::

    manifest.json      every other member with SHA-256 and size; the items with their hashes; the ledger head;
                       a Merkle root over the items; the signing public key
    manifest.sig       detached Ed25519 signature of manifest.json (raw 64 bytes)
    report.pdf         the readable report
    ledger.jsonl       the case's action log (hash chain)
    messages.jsonl     every normalised message
    transcript/        the full transcript: paged HTML (index.html, page-NNNNN.html) and messages.csv
    indicators.csv     findings, aggregated, by side, with exhibit, message ids, time and conversation
    key-moments.json   the key moments (what, when, message id, conversation, context message ids)
    exhibits.csv       every exhibit: reference, file, SHA-256, how and when acquired, included or not
    continuity-statement.txt  the first-person continuity statement (draft for the person to correct)
    platform-reports.txt      the text to paste into each platform's report form
    stix-bundle.json   STIX 2.1 bundle (TLP marking on every object)
    misp-event.json    MISP event
    items/<id>/<name>  the originals (intimate images only with explicit consent, 18+, never for a minor)

Items are streamed into the zip and hashed as they are written, so a large video never sits in memory.
The zip is written as an unnamed file in the destination folder (Linux ``O_TMPFILE``) and given its name
only when complete, so a killed export leaves nothing behind; where the file system cannot do that, a
hidden ``.haven-export-*.zip`` is used and any such leftover of an earlier killed export is removed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from haven import __version__
from haven.core.errors import HavenError
from haven.core.models import Item
from haven.report.data import ReportData, collect
from haven.report.fullcase import fast_member
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


CSV_HEADER = ["side", "kind", "value", "normalized", "valid", "count", "first_seen", "last_seen", "exhibits",
              "message_ids", "conversations", "senders", "to_ids"]
SIDE_WORDS = {"offender": "offender", "victim-sent": "sent by the victim",
              "participant": "other person in these conversations", "header": "address from email headers"}


def exhibits_csv(data: ReportData, withheld: dict[str, str | None]) -> bytes:
    """Every exhibit: reference, file, SHA-256, size, how and when it was acquired, whether it is included."""
    from haven.report.exhibits import acquisition

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["exhibit", "item_id", "filename", "sha256", "size", "media_type", "acquired_how",
                "acquired_utc", "acquired_by", "parent_exhibit", "in_package"])
    for item in data.items:
        w.writerow([data.exhibit(item.id), item.id, item.filename, item.sha256, item.size, item.media_type,
                    acquisition(item), item.acquired_utc.isoformat(), item.acquired_by,
                    data.exhibit(item.parent_id), "no: " + str(withheld.get(item.id)) if withheld.get(item.id)
                    else "yes"])
    return buf.getvalue().encode()


def indicators_csv(data: ReportData) -> bytes:
    """One row per finding: its side in words, the exhibits and message ids it was found in (OCR findings:
    the screenshot's exhibit, no message), time and conversation."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    for a in data.aggregated:
        w.writerow([SIDE_WORDS.get(a["side"], a["side"]), a["kind"], a.get("value", ""), a["normalized"],
                    a.get("valid"), a.get("count", 1), a.get("first_seen") or "", a.get("last_seen") or "",
                    "; ".join(a.get("exhibits") or []), "; ".join(a.get("message_ids") or []),
                    "; ".join(a.get("conversations") or []), "; ".join(a.get("senders") or []),
                    a["side"] == "offender" and bool(a.get("valid"))])
    return buf.getvalue().encode()


class _Writer:
    """Adds members to the zip while recording their SHA-256 and size for the manifest."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.members: list[dict[str, Any]] = []

    def add_bytes(self, name: str, data: bytes, fast: bool = False) -> str:
        """``fast``: deflated by ``compressor()`` (ISA-L: large members, written under time pressure)."""
        if fast:
            with fast_member(self.zf, name) as dst:
                dst.write(data)
        else:
            self.zf.writestr(name, data)
        digest = hashlib.sha256(data).hexdigest()
        self.members.append({"path": name, "sha256": digest, "size": len(data)})
        return digest

    def add_stream(self, name: str, stream: Any) -> str:
        sha, size = hashlib.sha256(), 0
        with fast_member(self.zf, name) as dst:  # evidence files: often large, often already compressed
            while block := stream.read(CHUNK):
                sha.update(block)
                size += len(block)
                dst.write(block)
        digest = sha.hexdigest()
        self.members.append({"path": name, "sha256": digest, "size": size})
        return digest


STALE_AFTER = 24 * 3600


def _remove_stale_partials(folder: Path) -> None:
    """Hidden partial zips of exports killed before they finished (only where ``O_TMPFILE`` is missing)."""
    now = time.time()
    for leftover in folder.glob(".haven-export-*.zip"):
        try:
            if now - leftover.stat().st_mtime > 60 and leftover.stat().st_uid == os.getuid():
                leftover.unlink()
        except OSError:
            continue


@contextmanager
def _unnamed_file(out: Path) -> Iterator[tuple[Any, Callable[[], None]]]:
    """A file in ``out``'s folder that has no name until ``publish()`` links it at ``out``."""
    folder = out.parent
    flag = getattr(os, "O_TMPFILE", 0)
    fd = -1
    if flag:
        try:
            fd = os.open(folder, flag | os.O_RDWR, 0o600)
        except OSError:
            fd = -1
    if fd >= 0:
        fh = os.fdopen(fd, "w+b")

        def publish() -> None:
            fh.flush()
            os.fsync(fh.fileno())
            tmp = folder / f".haven-export-{os.getpid()}-{time.monotonic_ns()}.zip"
            root = os.open("/", os.O_RDONLY)
            try:  # a dir_fd makes Python call linkat(), which follows the /proc link to the open file
                os.link(f"/proc/self/fd/{fh.fileno()}", tmp, src_dir_fd=root, follow_symlinks=True)
            finally:
                os.close(root)
            os.replace(tmp, out)

        try:
            yield fh, publish
        finally:
            fh.close()
        return
    _remove_stale_partials(folder)
    fd, tmp_name = tempfile.mkstemp(prefix=".haven-export-", suffix=".zip", dir=folder)
    tmp = Path(tmp_name)
    fh = os.fdopen(fd, "w+b")
    done = False

    def publish_named() -> None:
        nonlocal done
        fh.flush()
        os.fsync(fh.fileno())
        os.replace(tmp, out)
        done = True

    try:
        yield fh, publish_named
    finally:
        fh.close()
        if not done:
            tmp.unlink(missing_ok=True)


def _shown_source(item: Item) -> str:
    from haven.report.exhibits import UPLOAD_PREFIX, is_upload

    if is_upload(item) and not item.source_path.startswith(UPLOAD_PREFIX):
        inner = item.source_path.partition("!")[2]
        return f"{UPLOAD_PREFIX}{inner or item.filename}"
    return item.source_path


TLP_LEVELS = ("clear", "white", "green", "amber", "red")
AGE_BANDS = ((14, "under 14"), (16, "14-15"), (18, "16-17"), (25, "18-24"), (35, "25-34"))


def age_band(age: int | None, minor: bool) -> str | None:
    """The person's age band for the manifest (the police console counts cases by it; the age itself
    is not written): from the stated age, else "under 18" when only marked a minor, else None."""
    if age is None:
        return "under 18" if minor else None
    return next((band for below, band in AGE_BANDS if age < below), "35 and over")


PACKAGE_STAGES = ("writing the transcript", "reading the case", "key moments", "writing the PDF",
                  "writing messages.jsonl", "copying the evidence files", "checking the package")
"""The stages ``export_package`` reports, in order (as ``pdf.PDF_STAGES``, more may come before them)."""


def export_package(vault: Any, out_path: str | Path, include_intimate: bool = False, tlp: str = "amber",
                   progress: Callable[[str, int, int], None] | None = None) -> ExportResult:
    """Write the package for ``vault`` to ``out_path`` (atomically) and log the export in the ledger.
    ``tlp`` is the Traffic Light Protocol marking of the STIX and MISP content (default amber).
    ``progress(stage, done, total)`` reports the work as it goes (the web app's background job)."""
    from haven.report.continuity import statement_text
    from haven.report.drafts import drafts_text, platform_drafts
    from haven.report.exhibits import acquisition, exhibit_refs, initials_of
    from haven.report.fullcase import DeflatedJsonl, add_deflated, write_case
    from haven.report.misp import build_event
    from haven.report.pdf import render_pdf
    from haven.report.reads import supported
    from haven.report.stix import build_bundle
    from haven.report.transcript import write_transcript

    def tick(stage: str, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    tlp = tlp.lower()
    if tlp not in TLP_LEVELS:
        raise HavenError(f"The TLP marking {tlp!r} is not one of {', '.join(TLP_LEVELS)}.")
    out = Path(out_path)
    case = vault.case
    minor = case.is_minor
    if include_intimate and minor:
        raise HavenError("Intimate images of a person under 18 are never exported. Only their hashes are.")
    key = load_or_create_key(vault)
    items = vault.items()
    vault.log("export", {"out": str(out), "include_intimate": include_intimate, "items": len(items),
                         "tlp": tlp})
    out.parent.mkdir(parents=True, exist_ok=True)
    included = withheld = 0
    item_rows: list[dict[str, Any]] = []
    with _unnamed_file(out) as (fh, publish):
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            w = _Writer(zf)
            # One pass over the messages, the report's own (``collect``), also writes the transcript pages
            # and CSV (each added whole) and keeps messages.jsonl deflated in memory (about a fifth of its
            # size): a zip member must be finished before the next starts, so the JSONL member is written
            # from that buffer after.
            total = vault.message_count() if hasattr(vault, "message_count") else 0
            jsonl = DeflatedJsonl(None)  # the engines' own pass (no derived data): filled as it goes
            written = False

            def counted(messages: Iterator[Any]) -> Iterator[Any]:
                chunk: list[str] = []
                n = 0
                for n, m in enumerate(messages, start=1):
                    chunk.append(m.model_dump_json())
                    if n % 2000 == 0:
                        jsonl.write(("\n".join(chunk) + "\n").encode())
                        chunk.clear()
                    if n % 5000 == 0:
                        tick("writing the transcript", n, max(n, total))
                    yield m
                tick("writing the transcript", n, max(n, total))
                if chunk:
                    jsonl.write(("\n".join(chunk) + "\n").encode())

            def transcript(messages: Iterator[Any], exhibit: Callable[[str | None], str]) -> None:
                nonlocal written
                write_transcript(counted(messages), exhibit,
                                 lambda name, body: w.add_bytes(name, body, fast=True),
                                 case.reference or case.id, total=total)
                written = True

            # A vault: the one lean pass first; its counts are the report's, which then reads only what it
            # shows. Else the report's own pass writes the transcript (``consume``). After logging, so the
            # package's ledger includes this export.
            lean = view = None
            if supported(vault):
                tick("writing the transcript", 0, total)
                exhibits = exhibit_refs(items, initials_of(case))
                lean, view = write_case(vault, zf, w.members, lambda i: exhibits.get(i or "", ""),
                                        case.reference or case.id, total, tick)
            data = collect(vault, progress=progress, consume=None if lean is not None else transcript,
                           overview=view)
            data.tlp = tlp
            ledger = data.ledger
            integrity = Integrity(items_root(items), ledger[-1].entry_hash if ledger else "", len(ledger),
                                  public_key_hex(key))
            withheld_by_id = {i.id: withheld_reason(i, minor=minor, include_intimate=include_intimate)
                              for i in items}
            if lean is None and not written:  # the engines read the report pass: the transcript needs its own
                tick("writing the transcript", 0, data.message_count)
                transcript(iter(vault.messages()), data.exhibit)
            tick("writing the PDF")
            pdf = io.BytesIO()
            render_pdf(data, integrity, pdf)
            w.add_bytes("report.pdf", pdf.getvalue(), fast=True)
            w.add_bytes("ledger.jsonl", "".join(e.model_dump_json() + "\n" for e in ledger).encode())
            tick("writing messages.jsonl", 0, 0)
            add_deflated(zf, "messages.jsonl", lean if lean is not None else jsonl.close(), w.members)
            w.add_bytes("indicators.csv", indicators_csv(data))
            w.add_bytes("exhibits.csv", exhibits_csv(data, withheld_by_id))
            moments = [{"time": k.time.isoformat() if k.time else None, "what": k.what,
                        "message_id": k.message_id, "conversation": k.conversation, "detail": k.detail,
                        "context": [m.id for m in k.context]} for k in data.key_moments]
            w.add_bytes("key-moments.json", json.dumps({"key_moments": moments}, indent=2).encode())
            w.add_bytes("continuity-statement.txt", statement_text(data, integrity, withheld_by_id).encode())
            w.add_bytes("platform-reports.txt", drafts_text(platform_drafts(data)).encode())
            w.add_bytes("stix-bundle.json", json.dumps(build_bundle(data, tlp=tlp), indent=2).encode())
            w.add_bytes("misp-event.json", json.dumps(build_event(data, tlp=tlp), indent=2).encode())
            for n, item in enumerate(items, start=1):
                tick("copying the evidence files", n, len(items))
                reason = withheld_by_id[item.id]
                row: dict[str, Any] = {"id": item.id, "exhibit": data.exhibit(item.id), "sha256": item.sha256,
                                       "size": item.size, "filename": item.filename,
                                       "source_path": _shown_source(item), "acquired_how": acquisition(item),
                                       "acquired_utc": item.acquired_utc.isoformat(),
                                       "acquired_by": item.acquired_by, "intimate": item.intimate}
                if reason is None:
                    path = f"items/{item.id}/{_safe_name(item.filename)}"
                    with vault.open_item(item.id) as stream_in:
                        digest = w.add_stream(path, stream_in)
                    if digest != item.sha256:
                        raise HavenError(f"Item {item.id} does not match its recorded hash. "
                                         "Run 'haven case verify' before exporting.")
                    row["path"] = path
                    included += 1
                else:
                    row["withheld"] = reason
                    withheld += 1
                item_rows.append(row)
            item_rows.sort(key=lambda r: r["id"])
            manifest = {
                "format": FORMAT,
                "tool": f"haven {__version__}",
                "case": {"id": case.id, "reference": case.reference, "initials": data.exhibits and
                         next(iter(data.exhibits.values())).rpartition("/")[0],
                         "age_band": age_band(case.age, case.minor)},
                "tlp": tlp,
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
        tick("checking the package")
        fh.flush()
        fh.seek(0)
        whole = hashlib.sha256()
        while block := fh.read(CHUNK):
            whole.update(block)
        publish()
    vault.log("export-complete", {"out": str(out), "members": member_count}, sha256=whole.hexdigest())
    return ExportResult(out, whole.hexdigest(), member_count, included, withheld, integrity)
