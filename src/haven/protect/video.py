"""vPDQ hashes of videos: a PDQ hash (with quality and timestamp) per sampled frame.

Engines, all on this computer only:

* ``fast`` (the default): the same frames as Meta's ``vpdq`` (frame numbers 0, k, 2k, ... with
  k = int(fps x seconds per hash)), decoded bit-exact with PyAV while skipping every frame they do not
  depend on, shrunk to half size (grey) and hashed with PDQ as the full-size frame. See ``video_fast``.
* ``vpdq`` (the reference, ``--exact``): Meta's ``vpdq`` package decodes every frame with libav and
  hashes the chosen ones at full size.
* ``fast-nodeblock``: ``fast`` that also skips H.264/HEVC deblocking (a little faster; hashes drift a
  few bits further from Meta's).
* ``keyframes``: only the key (intra) frames. Fastest, but the frames are wherever the encoder put key
  frames, not one per second, so they match one-per-second hashes poorly.

``benchmarks/bench_hashing.py`` measures them all against ``vpdq`` (see ``docs/usage/protect.md``).
"""

from __future__ import annotations

from pathlib import Path

import vpdq

from haven.protect.signals import VpdqFrame
from haven.protect.video_fast import UnreadableVideo, hash_keyframes, hash_video_fast

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".flv", ".3gp", ".3g2", ".mpg", ".mpeg"}
    | {".ts", ".mts", ".m2ts", ".ogv", ".vob"}
)
ENGINES = ("fast", "vpdq", "fast-nodeblock", "keyframes")
DEFAULT_ENGINE = "fast"
EXACT_ENGINE = "vpdq"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "EXACT_ENGINE", "UnreadableVideo", "hash_video", "is_video"]


def _sniff_video(head: bytes) -> bool:
    """Container magic numbers: MP4/MOV/3GP (ftyp), Matroska/WebM, AVI, FLV, MPEG-PS, ASF/WMV, Ogg."""
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
        or head.startswith(b"\x1a\x45\xdf\xa3")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or head.startswith(b"FLV")
        or head.startswith(b"\x00\x00\x01\xba")
        or head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")
        or (head.startswith(b"OggS") and b"theora" in head[:64])
    )


def is_video(path: Path, head: bytes) -> bool:
    """True if the file's first bytes (or, failing that, its suffix) say it is a video."""
    return _sniff_video(head) or (path.suffix.lower() in VIDEO_SUFFIXES and len(head) > 0)


def hash_video(
    path: str | Path,
    *,
    seconds_per_hash: float = 1.0,
    engine: str = DEFAULT_ENGINE,
    workers: int | None = None,
) -> list[VpdqFrame]:
    """vPDQ frames of a video file. ``seconds_per_hash=0`` hashes every frame (not ``keyframes``).

    ``workers`` caps the threads one video is decoded with (default: every core).
    """
    path = Path(path)
    if engine == "vpdq":
        return _hash_vpdq(path, seconds_per_hash, workers)
    if engine in ("fast", "fast-nodeblock"):
        return hash_video_fast(path, seconds_per_hash, workers=workers, deblock=engine == "fast")
    if engine == "keyframes":
        return hash_keyframes(path, workers=workers)
    raise ValueError(f"unknown video engine {engine!r} (known: {', '.join(ENGINES)})")


def _hash_vpdq(path: Path, seconds_per_hash: float, workers: int | None) -> list[VpdqFrame]:
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash, thread_count=workers or 0)
    except Exception as exc:  # vpdq raises a bare Exception("Fail to create VPDQ hash")
        raise UnreadableVideo(f"{path.name} could not be read as a video: {exc}") from None
    if not features:
        raise UnreadableVideo(f"{path.name} has no video frames Haven can read.")
    return [
        VpdqFrame(f.hex, int(f.quality), round(float(f.timestamp), 3), int(f.frame_number)) for f in features
    ]
