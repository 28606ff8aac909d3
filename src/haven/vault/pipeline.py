"""The import pipeline: input paths -> importer per file -> ``VaultSink`` -> one transaction per file.

* Folders are walked (sorted, symlinked folders not followed); each file is imported on its own.
* The format comes from ``haven.importers.detect_format`` unless ``fmt`` forces one.
* Each file runs in one write transaction (``WriteTxn``) with its ledger entries; its messages are written
  in batches inside it, and its derived data (offender details, red flags) is brought up to date in it.
  If the importer fails (bad or hostile
  input, or a parser bug), that transaction is rolled back, the encrypted blobs it created are removed, the
  error becomes one line of the summary, and the file itself is still kept as a plain item (nothing is
  lost); the other files carry on.
* Originals are only read. Their size and modification time are checked before and after; a file that
  changed while it was read is not kept (its hash would not match either version) and is reported.
* Crash safety: a kill at any point leaves every committed file complete. Blobs written by an uncommitted
  file stay as unreferenced encrypted files: ``verify`` ignores them and a re-import reuses them. Re-imports
  are idempotent (items by SHA-256, messages by deterministic id).
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from haven.core.errors import HavenError, ImportFileError
from haven.vault.errors import VaultBusy
from haven.vault.fsutil import open_original, secure_delete
from haven.vault.progress import ImportProgress, Tracker
from haven.vault.sink import FileSummary, ImportSummary, VaultSink

if TYPE_CHECKING:
    from haven.vault.vault import Vault


Progress = Callable[[int, int, str], None]
"""``progress(done_bytes, total_bytes, current_file_name)`` (the simple form; ``events`` gets the whole
``ImportProgress`` after every step)."""
Events = Callable[[ImportProgress], None]


def _walk(path: Path, skip: Path) -> Iterator[Path]:
    if path.is_dir() and not path.is_symlink():
        if path.resolve() == skip:
            return  # never import the case folder into itself
        for child in sorted(path.iterdir()):
            yield from _walk(child, skip)
    else:
        yield path


def expand_paths(vault_root: Path, paths: Sequence[str | Path]) -> tuple[list[Path], list[FileSummary]]:
    """Files to import, and a summary line for each path that cannot be imported at all."""
    files: list[Path] = []
    bad: list[FileSummary] = []
    root = vault_root.resolve()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            bad.append(FileSummary(path=str(path), errors=["not found"]))
            continue
        resolved = path.resolve()
        if resolved == root or root in resolved.parents:
            bad.append(FileSummary(path=str(path), errors=["this is inside the case folder itself"]))
            continue
        for file in _walk(path, root):
            if file.is_file():
                files.append(file)
            elif not file.is_dir():
                bad.append(FileSummary(path=str(file), errors=["not a regular file (skipped)"]))
    return files, bad


def _stat_key(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _shown(path: Path, alias: tuple[str, str] | None) -> str:
    """The path as recorded: an upload's spool path becomes ``upload:<name>``."""
    text = str(path)
    if alias and text.startswith(alias[0]):
        return alias[1] + text[len(alias[0]) :]
    return text


def _store_plain(
    vault: Vault,
    path: Path,
    summary: FileSummary,
    intimate: bool,
    options: dict[str, Any] | None,
    alias: tuple[str, str] | None = None,
) -> None:
    """After a failed import: keep the file itself as an unparsed item, in a transaction of its own."""
    sink: VaultSink | None = None
    try:
        with vault.write() as txn:
            sink = VaultSink(
                txn, summary, importer="generic", intimate=intimate, options=options, path_alias=alias
            )
            before = _stat_key(path)
            with open_original(path) as fh:
                sink.add_item(
                    fh,
                    filename=path.name,
                    source_path=str(path),
                    media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                    original_mtime=os.stat(path).st_mtime,
                )
            if _stat_key(path) != before:
                raise ImportFileError("it changed while it was being read")
            txn.finish_import(
                {
                    "path": _shown(path, alias),
                    "format": "generic",
                    "kept_unparsed": True,
                    "error": summary.errors,
                    "items": summary.items,
                    "new_items": summary.new_items,
                    "messages": 0,
                    "new_messages": 0,
                    "messages_sha256": sink.messages_sha256(),
                    "intimate": intimate,
                },
                summary.sha256,
            )
        summary.warnings.append("the file itself was kept in the vault, unread")
    except (HavenError, OSError) as exc:
        if sink is not None:
            _discard_blobs(vault, sink)
        summary.errors.append(f"the file could not be kept either ({_reason(exc)})")


def _add_perceptual(sink: VaultSink, path: Path) -> None:
    """Inside the file's transaction: perceptual hashes (PDQ / vPDQ via ``haven.protect``) of an intimate
    image or video, made from the original in place, so a copy never has to exist to match it later."""
    item = sink.source_item
    if item is None:
        return
    try:
        from haven.protect.hashing import hash_path

        result = hash_path(path)
    except Exception as exc:  # hashing is a bonus: the import itself stands without it
        sink.warn(f"no perceptual hash could be made ({_reason(exc)})")
        return
    if result.sha256 != item.sha256:
        sink.warn("no perceptual hash: the file changed while it was being read")
        return
    perceptual: dict[str, str] = {}
    for kind, value in result.signals():
        if kind not in ("sha256", "md5"):
            perceptual.setdefault(kind, value)
    if not perceptual:
        return
    item = item.model_copy(update={"perceptual": {**item.perceptual, **perceptual}})
    sink.txn.save_item(item)
    sink.txn.log("perceptual-hash", {"item_id": item.id, "signals": sorted(perceptual)}, item.sha256)
    sink.source_item = item


def _discard_blobs(vault: Vault, sink: VaultSink) -> None:
    for sha in sink.created_blobs:
        vault.discard_blob(sha)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, HavenError):
        return exc.message
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to read safely"
    if isinstance(exc, MemoryError):
        return "it is too large to read"
    return f"it could not be read ({type(exc).__name__}: {exc})"


class ImporterLike(Protocol):
    """What the pipeline needs of an importer (``haven.importers.base.Importer`` fits)."""

    name: str

    def run(self, path: Path, sink: Any) -> None: ...


def _choose(path: Path, fmt: str | ImporterLike | None) -> ImporterLike:
    if fmt is not None and not isinstance(fmt, str):
        return fmt
    from haven.importers import detect_format, get_importer

    return get_importer(fmt) if fmt else detect_format(path)  # type: ignore[return-value]


def import_one(
    vault: Vault,
    path: Path,
    *,
    fmt: str | ImporterLike | None,
    intimate: bool,
    options: dict[str, Any] | None,
    tracker: Tracker | None = None,
    path_alias: tuple[str, str] | None = None,
) -> FileSummary:
    """Import one file in one transaction; never raises for bad input (see the module docstring)."""
    from haven.vault.derived import Deriver

    summary = FileSummary(path=_shown(path, path_alias))
    try:
        importer = _choose(path, fmt)
    except (HavenError, OSError) as exc:
        summary.errors.append(_reason(exc))
        return summary
    summary.format = importer.name
    sink: VaultSink | None = None
    work = tracker.work if tracker is not None else None
    batched = (lambda s: tracker.messages(s.messages, s.new_messages)) if tracker is not None else None
    deriver: Deriver | None = None
    try:
        before = _stat_key(path)
        with vault.write() as txn:
            deriver = Deriver(vault, txn, size_hint=before[0])
            sink = VaultSink(
                txn,
                summary,
                importer=importer.name,
                intimate=intimate,
                options=options,
                progress=work,
                path_alias=path_alias,
                deriver=deriver,
                on_batch=batched,
                on_read=work,
            )
            importer.run(path, sink)
            sink.flush()
            if sink.source_item is None:  # the importer did not store the file itself: do it for it
                with open_original(path) as fh:
                    sink.add_item(
                        fh,
                        filename=path.name,
                        source_path=str(path),
                        media_type="application/octet-stream",
                        original_mtime=os.stat(path).st_mtime,
                    )
            if _stat_key(path) != before:
                raise ImportFileError(
                    "it changed while it was being read; please close the program "
                    "using it and import it again"
                )
            if intimate and sink.source_item is not None:
                _add_perceptual(sink, path)
            if tracker is not None:
                tracker.stage("details")
            deriver.finish()
            deriver.close()
            txn.finish_import(
                {
                    "path": summary.path,
                    "format": importer.name,
                    "messages": summary.messages,
                    "new_messages": summary.new_messages,
                    "items": summary.items,
                    "new_items": summary.new_items,
                    "warnings": len(summary.warnings),
                    "messages_sha256": sink.messages_sha256(),
                    "intimate": intimate,
                    "options": options or {},
                },
                summary.sha256,
            )
        return summary
    except VaultBusy:
        if sink is not None:
            _discard_blobs(vault, sink)
        raise
    except Exception as exc:  # contain every per-file failure: one bad file is one summary line
        if deriver is not None:
            deriver.close(kill=True)
        if sink is not None:
            _discard_blobs(vault, sink)
        failed = FileSummary(
            path=summary.path, format=importer.name, warnings=summary.warnings, errors=[_reason(exc)]
        )
        changed = isinstance(exc, ImportFileError) and "changed while" in exc.message
        if not changed and path.is_file():
            _store_plain(vault, path, failed, intimate, options, path_alias)
        return failed
    except BaseException:  # Ctrl-C, a cancelled job: nothing of this file stays
        if deriver is not None:
            deriver.close(kill=True)
        if sink is not None:
            _discard_blobs(vault, sink)
        raise


def import_paths(
    vault: Vault,
    paths: Sequence[str | Path],
    *,
    fmt: str | ImporterLike | None = None,
    intimate: bool = False,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
    events: Events | None = None,
) -> ImportSummary:
    """Import every file under ``paths``; one ``FileSummary`` per file (see the module docstring).
    ``fmt`` is an importer name (``--format``), an importer object, or None to detect each file's format.
    ``progress`` gets bytes; ``events`` gets the whole ``ImportProgress`` (stage, counts) after each step."""
    files, bad = expand_paths(vault.root, paths)
    result = ImportSummary(files=list(bad))
    sizes = []
    for file in files:
        try:
            sizes.append(file.stat().st_size)
        except OSError:
            sizes.append(0)

    def listener(state: ImportProgress) -> None:
        if progress is not None:
            progress(state.bytes_done, state.bytes_total, state.file)
        if events is not None:
            events(state)

    tracker = Tracker(listener, sizes)
    for file, size in zip(files, sizes, strict=True):
        tracker.start_file(file.name, size)
        result.files.append(
            import_one(vault, file, fmt=fmt, intimate=intimate, options=options, tracker=tracker)
        )
        tracker.end_file()
    tracker.finish()
    return result


SHM = Path("/dev/shm")


def import_stream(
    vault: Vault,
    stream: BinaryIO,
    filename: str,
    *,
    fmt: str | ImporterLike | None = None,
    intimate: bool = False,
    options: dict[str, Any] | None = None,
    events: Events | None = None,
) -> FileSummary:
    """Import an upload (the web app) without its plaintext ever touching the disk: it is spooled to a
    memory-backed file system (``/dev/shm``), imported like a file, recorded as ``upload:<filename>``,
    and the spooled bytes are overwritten and removed. Refused where no memory-backed place exists."""
    name = Path(filename).name.strip() or "upload"
    if not SHM.is_dir() or not os.access(SHM, os.W_OK):
        raise HavenError(
            "Uploads cannot be taken in safely on this system (no memory-backed storage). "
            "Please import the file from where it is instead."
        )
    spool = Path(tempfile.mkdtemp(prefix="haven-upload-", dir=SHM))
    try:
        os.chmod(spool, 0o700)
        path = spool / name
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        size = path.stat().st_size
        tracker = Tracker(events, [size])
        tracker.start_file(name, size)
        summary = import_one(
            vault,
            path,
            fmt=fmt,
            intimate=intimate,
            options=options,
            tracker=tracker,
            path_alias=(str(spool) + os.sep, "upload:"),
        )
        tracker.end_file()
        tracker.finish()
        return summary
    finally:
        for leftover in spool.glob("*"):
            secure_delete(leftover)
        shutil.rmtree(spool, ignore_errors=True)
