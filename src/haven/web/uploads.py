"""Uploads that never touch the disk as plain files.

Starlette's ``UploadFile`` spools any file over 1 MB to a temporary file on disk, in the clear. Haven must
not leave plain copies of evidence (or intimate images) lying in ``/tmp``, so this module parses
``multipart/form-data`` itself with ``python-multipart``'s streaming parser and writes each file part
straight into an anonymous in-memory file (Linux ``memfd_create``): it has no name on any disk and is
gone when closed.

The importers, the image hasher and the package verifier read files by path, and look at a file's name.
``exposed()`` makes a private folder (mode 0700) under Haven's data folder holding only symbolic links
named like the uploaded files and pointing at ``/proc/<pid>/fd/<n>``: the links hold no content, and the
folder is removed as soon as the work is done. From there the vault copies the file, encrypted, into the
case. Memory is the limit: a form may carry at most ``max_size`` bytes (``HAVEN_MAX_UPLOAD``); bigger
exports can be added with ``haven case import``.

Hand-written because no library parses multipart into caller-chosen sinks with a size limit; the
parsing itself is python-multipart's.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from haven.core.errors import HavenError

TEXT_LIMIT = 2 * 1024 * 1024
"""Largest plain text field (a pasted email)."""


class UploadTooBig(HavenError):
    exit_code = 2


class BadUpload(HavenError):
    exit_code = 2


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = re.sub(r"[\x00-\x1f]", "", base)
    if base in ("", ".", ".."):
        base = "upload"
    return base[:200]


class MemFile:
    """One uploaded file, held in an anonymous in-memory file."""

    def __init__(self, filename: str, content_type: str = "application/octet-stream") -> None:
        if not hasattr(os, "memfd_create"):
            raise BadUpload("Adding files in the browser needs Linux. Please use the haven command instead.")
        self.filename = _safe_name(filename)
        self.content_type = content_type
        self.fd = os.memfd_create("haven-upload", os.MFD_CLOEXEC)
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.size += len(data)

    @property
    def proc_path(self) -> str:
        return f"/proc/{os.getpid()}/fd/{self.fd}"

    def read_all(self) -> bytes:
        return os.pread(self.fd, self.size, 0)

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


@dataclass
class Form:
    """A parsed form: text fields and in-memory files. Close it (or use ``with``) to free the memory."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[MemFile]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def file_list(self, name: str) -> list[MemFile]:
        return [f for f in self.files.get(name, []) if f.size > 0 or f.filename != "upload"]

    def close(self) -> None:
        for files in self.files.values():
            for f in files:
                f.close()
        self.files.clear()

    def __enter__(self) -> Form:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def parse_multipart(content_type: str, body: AsyncIterator[bytes], max_size: int) -> Form:
    """Stream a ``multipart/form-data`` body into a ``Form``. Raises BadUpload / UploadTooBig."""
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise BadUpload("The form was not sent as a file upload.")
    form = Form()
    state: dict[str, object] = {"headers": {}, "field": b"", "value": b""}
    current: dict[str, object] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] = state["field"] + data[start:end]  # type: ignore[operator]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] = state["value"] + data[start:end]  # type: ignore[operator]

    def on_header_end() -> None:
        headers = state["headers"]
        headers[bytes(state["field"]).lower()] = bytes(state["value"])  # type: ignore[index,arg-type,call-overload]
        state["field"], state["value"] = b"", b""

    def on_part_begin() -> None:
        state["headers"] = {}
        current.clear()

    def on_headers_finished() -> None:
        headers: dict[bytes, bytes] = state["headers"]  # type: ignore[assignment]
        _, opts = parse_options_header(headers.get(b"content-disposition", b""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        current["name"] = name
        if b"filename" in opts:
            filename = opts[b"filename"].decode("utf-8", "replace")
            media = headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
            mem = MemFile(filename, media)
            form.files.setdefault(name, []).append(mem)
            current["file"] = mem
        else:
            current["buf"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if "file" in current:
            current["file"].write(chunk)  # type: ignore[attr-defined]
        else:
            buf: bytearray = current["buf"]  # type: ignore[assignment]
            if len(buf) + len(chunk) > TEXT_LIMIT:
                raise UploadTooBig("A text box held more than 2 MB. Please send a file instead.")
            buf.extend(chunk)

    def on_part_end() -> None:
        if "buf" in current:
            text = bytes(current["buf"]).decode("utf-8", "replace")  # type: ignore[arg-type,call-overload]
            form.fields.setdefault(str(current["name"]), []).append(text)
        current.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    total = 0
    try:
        async for chunk in body:
            total += len(chunk)
            if total > max_size:
                raise UploadTooBig(
                    f"That is too much to add at once here (the limit is {max_size // 1024**2} MB). "
                    "Please add fewer files at a time."
                )
            parser.write(chunk)
        parser.finalize()
    except HavenError:
        form.close()
        raise
    except Exception as exc:
        form.close()
        raise BadUpload(f"The upload could not be read ({type(exc).__name__}). Please try again.") from None
    return form


@contextlib.contextmanager
def exposed(run_dir: Path, files: list[MemFile]) -> Iterator[list[Path]]:
    """Paths named like the uploaded files, pointing at their in-memory copies (see module docstring)."""
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    folder = run_dir / f"browser-upload-{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    paths: list[Path] = []
    try:
        used: set[str] = set()
        for i, f in enumerate(files):
            # Each file keeps exactly the name the person chose; two files of the same name go in
            # separate sub-folders instead of being renamed. (The vault records such files as "uploaded
            # in the Haven app", never by this temporary folder: see ``report.exhibits.acquisition``.)
            place = folder
            if f.filename in used:
                place = folder / str(i)
                place.mkdir(mode=0o700)
            used.add(f.filename)
            link = place / f.filename
            os.symlink(f.proc_path, link)
            paths.append(link)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)
