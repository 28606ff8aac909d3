"""Hash files on this computer: exact hashes for every file, PDQ for images, vPDQ for videos.

``hash_path`` hashes one file. ``hash_paths`` walks folders and hashes many files, using every core
(a process pool) when there are enough files to be worth it. Files are only read; nothing is copied,
changed or sent anywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haven.core.errors import HavenError
from haven.core.hashing import digest_file
from haven.protect.images import hash_image, is_image
from haven.protect.signals import VpdqFrame, vpdq_to_json
from haven.protect.video import DEFAULT_ENGINE, EXACT_ENGINE, hash_video, is_video

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")
PARALLEL_MIN_FILES = 4  # below this many files, starting worker processes costs more than it saves


@dataclass
class HashResult:
    """Hashes of one file. ``media`` is ``image``, ``video`` or ``file`` (anything else: exact only)."""

    path: str
    media: str
    size: int
    sha256: str
    md5: str
    pdq: str | None = None
    quality: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)  # animated images: per-frame PDQ
    vpdq: list[VpdqFrame] = field(default_factory=list)  # videos
    fast: bool = True
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON for one file (``haven protect hash --format json``)."""
        out: dict[str, Any] = {
            "path": self.path,
            "media": self.media,
            "size": self.size,
            "sha256": self.sha256,
            "md5": self.md5,
        }
        if self.media == "image":
            out.update(pdq=self.pdq, quality=self.quality, width=self.width, height=self.height)
            out["format"] = self.format
            if self.frames:
                out["frames"] = self.frames
        elif self.media == "video":
            out["vpdq"] = [f.to_dict() for f in self.vpdq]
        if self.error:
            out["error"] = self.error
        return out

    def signals(self) -> list[tuple[str, str]]:
        """(signal type, hash) pairs for this file, in the normalised form ``validate_signal`` gives."""
        pairs = [("sha256", self.sha256), ("md5", self.md5)]
        if self.pdq:
            pairs.append(("pdq", self.pdq))
        pairs += [("pdq", f["pdq"]) for f in self.frames[1:]]
        if self.vpdq:
            pairs.append(("vpdq", vpdq_to_json(self.vpdq)))
        return pairs


def detect_media(path: Path) -> str:
    """``image``, ``video`` or ``file``, from the file's first bytes (Pillow identifies images)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if not head:
        return "file"
    if is_image(path) or head.startswith(IMAGE_MAGIC):
        return "image"  # an image Pillow cannot open gets a clear error from hash_image
    if is_video(path, head):
        return "video"
    return "file"


def hash_path(
    path: str | Path,
    *,
    fast: bool = True,
    video_engine: str | None = None,
    seconds_per_hash: float = 1.0,
    video_workers: int | None = None,
) -> HashResult:
    """Hash one file. Raises HavenError (plain words) if it is missing or a picture cannot be decoded.

    ``fast`` picks reduced-size JPEG decoding for images (see ``images``) and, unless ``video_engine``
    names one, the ``fast`` video engine (else Meta's ``vpdq``; see ``video``). ``video_workers`` caps
    the threads one video is decoded with (default: every core).
    """
    path = Path(path)
    if not path.is_file():
        raise HavenError(f"{path} is not a file Haven can read.")
    try:
        digest = digest_file(path)
    except OSError as exc:
        raise HavenError(f"{path} could not be read: {exc.strerror or exc}") from None
    media = detect_media(path)
    result = HashResult(str(path), media, digest.size, digest.sha256, digest.md5, fast=fast)
    if media == "image":
        img = hash_image(path, fast=fast)
        result.pdq, result.quality, result.frames = img.pdq, img.quality, img.frames
        result.width, result.height, result.format = img.width, img.height, img.format
    elif media == "video":
        engine = video_engine or (DEFAULT_ENGINE if fast else EXACT_ENGINE)
        result.vpdq = hash_video(
            path, seconds_per_hash=seconds_per_hash, engine=engine, workers=video_workers
        )
    return result


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every file named, and every file under every folder named (sorted, symlinked folders not followed)."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield p


def _hash_safely(
    path: Path,
    fast: bool,
    video_engine: str | None,
    seconds_per_hash: float,
    video_workers: int | None = None,
) -> HashResult:
    """Like hash_path, but a file that fails becomes a result with ``error`` (exact hashes kept if read)."""
    try:
        return hash_path(
            path,
            fast=fast,
            video_engine=video_engine,
            seconds_per_hash=seconds_per_hash,
            video_workers=video_workers,
        )
    except (HavenError, OSError, ValueError, MemoryError) as exc:
        message = exc.message if isinstance(exc, HavenError) else f"{type(exc).__name__}: {exc}"
        try:
            d = digest_file(path)
            media = detect_media(path)
            return HashResult(str(path), media, d.size, d.sha256, d.md5, error=message, fast=fast)
        except OSError:
            return HashResult(str(path), "file", 0, "", "", error=message, fast=fast)


def _worker(job: tuple[str, bool, str | None, float, int | None]) -> HashResult:
    path, fast, engine, sph, video_workers = job
    return _hash_safely(Path(path), fast, engine, sph, video_workers)


def hash_paths(
    paths: Iterable[str | Path],
    *,
    fast: bool = True,
    workers: int | None = None,
    video_engine: str | None = None,
    seconds_per_hash: float = 1.0,
    progress: Callable[[HashResult], None] | None = None,
) -> Iterator[HashResult]:
    """Hash every file (folders walked), in order, on ``workers`` processes (default: every core).

    A file that cannot be hashed yields a result with ``error`` set; the others carry on. With few
    files, one process hashes them and each video is decoded on ``workers`` threads; with many, each
    worker process decodes its videos on one thread.
    """
    files = list(iter_files(paths))
    workers = workers or os.cpu_count() or 1
    pooled = workers > 1 and len(files) >= PARALLEL_MIN_FILES
    video_workers = 1 if pooled else workers
    jobs = [(str(f), fast, video_engine, seconds_per_hash, video_workers) for f in files]
    if not pooled:
        results: Iterable[HashResult] = map(_worker, jobs)
        yield from _report(results, progress)
        return
    ctx = _pool_context()
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker) as pool:
        yield from _report(pool.map(_worker, jobs, chunksize=chunk), progress)


def _init_worker() -> None:
    """Each worker uses one core: native thread pools (BLAS, OpenMP) held to one thread, so N workers
    on N cores do not oversubscribe them."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # for libraries loaded from now on
    from haven.protect.pdq_jpeg import pin_blas_to_one_thread

    pin_blas_to_one_thread()  # and those already loaded (fork)


def _pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` (fast start) when this process has a single thread, else the thread-safe ``forkserver``."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["haven.protect.hashing"])
    return ctx


def _report(
    results: Iterable[HashResult], progress: Callable[[HashResult], None] | None
) -> Iterator[HashResult]:
    for r in results:
        if progress:
            progress(r)
        yield r
