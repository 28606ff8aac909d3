"""vPDQ hashes of videos: a PDQ hash (with quality and timestamp) per sampled frame.

Two engines, both on this computer only:

* ``vpdq`` (the default and the reference): Meta's ``vpdq`` package decodes every frame with libav and
  hashes one frame per ``seconds_per_hash`` (frame numbers that are multiples of round(fps x seconds)).
* ``noref``: ``ffmpeg`` skips decoding frames no other frame refers to (``-skip_frame noref``, so the
  frames it does decode are exact), takes one frame per ``seconds_per_hash`` (the nearest decoded one),
  scales it to 512 pixels wide and hashes it with PDQ.
* ``keyframes``: ``ffmpeg`` decodes only the key (intra) frames (``-skip_frame nokey``). Decoding a 1080p
  video is what makes vPDQ slow; skipping the frames in between is several times faster, but the frames
  hashed are wherever the encoder put key frames, not one per second, so matches against 1-per-second
  hashes are weaker. ``benchmarks/bench_hashing.py`` measures all three (see ``docs/usage/protect.md``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import vpdq

from haven.core.errors import HavenError
from haven.protect.images import pdq_from_array
from haven.protect.signals import VpdqFrame

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".flv", ".3gp", ".3g2", ".mpg", ".mpeg"}
    | {".ts", ".mts", ".m2ts", ".ogv", ".vob"}
)
ENGINES = ("vpdq", "noref", "keyframes")
FFMPEG_WIDTH = 512  # the ffmpeg engines scale frames to this width (aspect kept) before hashing


class UnreadableVideo(HavenError):
    """The file could not be decoded as a video. Nothing was changed."""

    exit_code = 2


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


def hash_video(path: str | Path, *, seconds_per_hash: float = 1.0, engine: str = "vpdq") -> list[VpdqFrame]:
    """vPDQ frames of a video file. ``seconds_per_hash=0`` hashes every frame (vpdq engine only)."""
    path = Path(path)
    if engine == "vpdq":
        return _hash_vpdq(path, seconds_per_hash)
    if engine in ("noref", "keyframes"):
        return _hash_ffmpeg(path, "nokey" if engine == "keyframes" else "noref", seconds_per_hash or 1.0)
    raise ValueError(f"unknown video engine {engine!r} (known: {', '.join(ENGINES)})")


def _hash_vpdq(path: Path, seconds_per_hash: float) -> list[VpdqFrame]:
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
    except (ValueError, RuntimeError, OSError) as exc:
        raise UnreadableVideo(f"{path.name} could not be read as a video: {exc}") from None
    if not features:
        raise UnreadableVideo(f"{path.name} has no video frames Haven can read.")
    return [
        VpdqFrame(f.hex, int(f.quality), round(float(f.timestamp), 3), int(f.frame_number)) for f in features
    ]


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        raise HavenError("ffmpeg is not installed (Debian package 'ffmpeg'); this video mode needs it.")
    return exe


def _probe(path: Path) -> tuple[int, int, float]:
    """(width, height, frames per second) of the first video stream, via ffprobe."""
    exe = shutil.which("ffprobe")
    if not exe:
        raise HavenError("ffprobe is not installed (Debian package 'ffmpeg').")
    cmd = [exe, "-v", "error", "-select_streams", "v:0", "-of", "json"]
    cmd += ["-show_entries", "stream=width,height,avg_frame_rate", str(path)]
    out = subprocess.run(cmd, capture_output=True, check=False, timeout=60)
    try:
        stream = json.loads(out.stdout)["streams"][0]
        num, _, den = stream.get("avg_frame_rate", "0/1").partition("/")
        fps = float(num) / float(den or 1) if float(den or 1) else 0.0
        return int(stream["width"]), int(stream["height"]), fps
    except (KeyError, IndexError, ValueError, json.JSONDecodeError):
        raise UnreadableVideo(f"{path.name} has no video stream Haven can read.") from None


def _hash_ffmpeg(path: Path, skip: str, seconds_per_hash: float) -> list[VpdqFrame]:
    width, height, fps = _probe(path)
    out_w = max(2, min(FFMPEG_WIDTH, width) // 2 * 2)
    out_h = max(2, round(height * out_w / width / 2) * 2)
    scale = f"scale={out_w}:{out_h}:flags=area"
    if skip == "nokey":
        filters = f"{scale},showinfo"
    else:  # the first decoded frame in each seconds_per_hash interval (vpdq takes frame k x fps x secs)
        s = f"{seconds_per_hash:g}"
        pick = rf"select='isnan(prev_selected_t)+gt(floor(t/{s})\,floor(prev_selected_t/{s}))'"
        filters = f"{pick},{scale},showinfo"
    cmd = [
        _ffmpeg(), "-hide_banner", "-v", "info", "-nostdin", "-skip_frame", skip, "-i", str(path),
        "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", filters,
        "-pix_fmt", "rgb24", "-f", "rawvideo", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False, timeout=3600)
    size = out_w * out_h * 3
    if proc.returncode != 0 or not proc.stdout or len(proc.stdout) % size:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no frames"]
        raise UnreadableVideo(f"{path.name} could not be decoded: {detail[0]}")
    times = [
        float(line.split("pts_time:", 1)[1].split()[0])
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
        if "pts_time:" in line
    ]
    frames = np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, out_h, out_w, 3)
    result = []
    for i, rgb in enumerate(frames):
        pdq, quality = pdq_from_array(rgb)
        ts = times[i] if i < len(times) else 0.0
        result.append(VpdqFrame(pdq, quality, round(ts, 3), round(ts * fps) if fps else i))
    return result
