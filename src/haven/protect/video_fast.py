"""Fast vPDQ: hash exactly the frames Meta's ``vpdq`` hashes, but decode only what those frames need.

Meta's ``vpdq`` decodes every frame of a video and hashes frame numbers 0, k, 2k, ... (k = int(frames
per second x seconds per hash)). Decoding is nearly all of its time. This engine (PyAV, FFmpeg's own
libraries) gets the *same* frames, pixel for pixel, while decoding far fewer:

1. A quick pass reads the packets' timestamps and key-frame flags (no decoding). The display-order
   rank of each packet is its frame number, as ``vpdq`` counts them; the packets of the wanted frames
   are known before anything is decoded.
2. Packets after the last wanted frame of a group of pictures are never sent to the decoder (the next
   key frame starts afresh). Packets up to a wanted frame are sent with ``skip_frame=NONREF``, so the
   decoder skips frames no other frame refers to; the wanted frame itself is decoded in full. Only
   frames that nothing needs are skipped, so the wanted frames come out bit-exact.
3. With more than one core, the video is cut at key frames into parts of similar work, decoded by
   threads (FFmpeg releases the GIL); a video with a single group of pictures uses FFmpeg's own frame
   threads instead.
4. Each frame is shrunk by an integer factor (area average: the block means of its luma) so its short
   side stays at least ``MIN_SIDE`` pixels, as grey, and hashed as the full-size frame: PDQ's box filter
   and decimation are linear, so they fold over the blocks into two small matrices (``pdq_jpeg``'s
   operators). Meta's C++ on the shrunk picture cost about as much as decoding a frame and hashed the
   small picture, not the full frame ``vpdq`` hashes (mean 2.9 bits from it on the 1080p benchmark clip,
   now 0.8).

If anything looks unusual (packets without timestamps, a stream that does not start with a key frame,
a wanted frame that did not come out) the engine falls back to decoding every frame and counting them
exactly as ``vpdq`` does. How far the hashes move from Meta's and how much faster this is, is measured
by ``benchmarks/bench_hashing.py`` and written down in ``docs/usage/protect.md``.

The same module also offers ``keyframes``: only the key frames, decoded and hashed (fastest, but the
frames are wherever the encoder put key frames, so they match one-per-second hashes poorly).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import av
import numpy as np

from haven.core.errors import HavenError
from haven.protect.images import bits_hex
from haven.protect.pdq_jpeg import (  # its PDQ operators, shared (the JPEG path folds them the same way)
    _block_operators,
    _dct,
    _quality,
    _sample_operator,
    one_blas_thread,
)
from haven.protect.signals import VpdqFrame

MIN_SIDE = 512  # frames are shrunk by an integer factor while the short side stays >= this
DROP, REFS_ONLY, FULL = 0, 1, 2  # what to do with each packet


class UnreadableVideo(HavenError):
    """The file could not be decoded as a video. Nothing was changed."""

    exit_code = 2


@dataclass(frozen=True)
class _Packet:
    pts: int | None
    key: bool
    discard: bool
    size: int


@dataclass
class Plan:
    """What to do with each packet (decode order) and which presentation times are wanted frames."""

    actions: list[int]
    wanted: dict[int, int]  # pts -> vpdq frame number
    barriers: list[int]  # packet indices where decoding may start afresh (key frames, no leading frames)
    weights: list[int]  # rough decoding work per packet (bytes sent to the decoder)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"{path.name} could not be read as a video ({exc.strerror}).") from None
    except (OSError, ValueError) as exc:
        raise UnreadableVideo(f"{path.name} could not be read as a video: {exc}") from None


def _video_stream(container: av.container.InputContainer, path: Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise UnreadableVideo(f"{path.name} has no video stream Haven can read.")
    return container.streams.video[0]


def frame_rate(stream: av.video.stream.VideoStream) -> float:
    """Frames per second the way ``vpdq`` reads it: the average frame rate, else the base (r_) rate."""
    for rate in (stream.average_rate, stream.base_rate, stream.guessed_rate):
        if rate and float(rate) > 0:
            return float(rate)
    return 0.0


def frame_step(rate: float, seconds_per_hash: float) -> int:
    """vpdq's ``frameMod``: every how many frames one is hashed (C++ truncation, at least 1)."""
    return max(1, int(seconds_per_hash * rate)) if seconds_per_hash > 0 else 1


def _scan(path: Path) -> tuple[float, list[_Packet]]:
    """Frame rate and every video packet's timestamp, key flag and size, without decoding anything."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        rate = frame_rate(stream)
        packets = [
            _Packet(p.pts, bool(p.is_keyframe), bool(p.is_discard), p.size)
            for p in container.demux(stream)
            if p.size
        ]
    return rate, packets


def plan_decode(packets: list[_Packet], step: int) -> Plan | None:
    """The decoding plan for wanted frames 0, step, 2 x step, ... (display order); None if unsafe."""
    if not packets or not packets[0].key or any(p.pts is None for p in packets):
        return None
    shown = sorted((p.pts for p in packets if not p.discard), key=int)  # type: ignore[arg-type]
    if len(set(shown)) != len(shown):
        return None
    wanted = {pts: n for n, pts in enumerate(shown) if n % step == 0}
    n = len(packets)
    keys = [i for i, p in enumerate(packets) if p.key]
    barriers = []
    for a, b in zip(keys, [*keys[1:], n], strict=True):  # no leading (earlier-shown) frames after it
        if all(packets[j].pts > packets[a].pts for j in range(a + 1, b)):  # type: ignore[operator]
            barriers.append(a)
    if not barriers or barriers[0] != 0:
        return None
    barrier_set = set(barriers)
    actions = [DROP] * n
    need = False
    for i in range(n - 1, -1, -1):  # walk backwards: a packet is needed if a wanted frame follows it
        if packets[i].pts in wanted:
            actions[i], need = FULL, True
        elif need:
            actions[i] = REFS_ONLY
        if i in barrier_set:
            need = False
    weights = [p.size if a else 0 for p, a in zip(packets, actions, strict=True)]
    return Plan(actions, wanted, barriers, weights)  # type: ignore[arg-type]


def split_plan(plan: Plan, parts: int) -> list[tuple[int, int]]:
    """Cut the packets at barrier key frames into at most ``parts`` ranges of similar work."""
    total = sum(plan.weights)
    cum = np.cumsum([0, *plan.weights])
    cuts = [0]
    for k in range(1, parts):
        target = total * k / parts
        best = min(plan.barriers, key=lambda b: abs(cum[b] - target))
        if best > cuts[-1]:
            cuts.append(best)
    cuts.append(len(plan.actions))
    ranges = [(a, b) for a, b in pairwise(cuts) if b > a]
    return [(a, b) for a, b in ranges if any(plan.actions[a:b])]


def _hash_frame(frame: av.VideoFrame) -> tuple[str, int]:
    """PDQ hex and quality of the full-size frame from its grey shrink by an integer factor (the block
    means of its luma, short side >= ``MIN_SIDE``): PDQ's box filter and decimation folded over the
    blocks (``pdq_jpeg``'s operators), then its DCT, median and quality, so two small matrix products
    replace Meta's C++ on a shrunk picture (which cost about a frame's decoding, and hashed the small
    picture rather than the full frame ``vpdq`` hashes). Call under ``one_blas_thread``."""
    factor = max(1, min(frame.width, frame.height) // MIN_SIDE)
    w, h = max(1, frame.width // factor), max(1, frame.height // factor)
    grey = frame.reformat(width=w, height=h, format="gray", interpolation="AREA").to_ndarray()
    rows, cols = _operator(frame.height, h, factor), _operator(frame.width, w, factor)
    b64 = rows @ grey.astype(np.float32) @ cols.T
    return bits_hex(_dct(b64)), _quality(b64)


@lru_cache(maxsize=32)
def _operator(n: int, blocks: int, factor: int) -> np.ndarray:
    """64 x ``blocks``: PDQ's filter and decimation along ``n`` pixels, over blocks of ``factor``."""
    if factor == 1:
        return _sample_operator(n).astype(np.float32)
    return _block_operators(n, blocks, factor, False)[0]


def _decoder(
    container: av.container.InputContainer, path: Path, threads: int, deblock: bool
) -> tuple[av.video.stream.VideoStream, av.codec.context.CodecContext]:
    stream = _video_stream(container, path)
    codec = stream.codec_context
    codec.thread_count = threads
    codec.thread_type = "AUTO" if threads > 1 else "SLICE"
    if not deblock:
        codec.options = {"skip_loop_filter": "all"}
    return stream, codec


def _decode_range(
    path: Path, plan: Plan, start: int, end: int, threads: int, deblock: bool
) -> dict[int, tuple[str, int]]:
    """Hashes (by frame number) of the wanted frames among packets ``start:end`` (decode order)."""
    out: dict[int, tuple[str, int]] = {}

    def take(frames: list[av.VideoFrame]) -> None:
        for f in frames:
            number = plan.wanted.get(f.pts) if f.pts is not None else None
            if number is not None:
                out[number] = _hash_frame(f)

    with _open(path) as container:
        stream, codec = _decoder(container, path, threads, deblock)
        index = -1
        for packet in container.demux(stream):
            if not packet.size:
                continue
            index += 1
            if index < start:
                continue
            if index >= end:
                break
            action = plan.actions[index]
            if action == DROP:
                continue
            codec.skip_frame = "DEFAULT" if action == FULL else "NONREF"
            take(codec.decode(packet))  # type: ignore[attr-defined]
        codec.skip_frame = "DEFAULT"
        take(codec.decode(None))  # type: ignore[attr-defined]
    return out


def _decode_all(
    path: Path, step: int, threads: int, deblock: bool
) -> tuple[float, dict[int, tuple[str, int]]]:
    """Decode every frame and count them as ``vpdq`` does; hash every ``step``-th."""
    out: dict[int, tuple[str, int]] = {}
    with _open(path) as container:
        stream, codec = _decoder(container, path, threads, deblock)
        rate = frame_rate(stream)
        count = 0
        for packet in container.demux(stream):
            for f in codec.decode(packet if packet.size else None):  # type: ignore[attr-defined]
                if count % step == 0:
                    out[count] = _hash_frame(f)
                count += 1
    return rate, out


def _frames(rate: float, hashes: dict[int, tuple[str, int]]) -> list[VpdqFrame]:
    return [
        VpdqFrame(pdq, quality, round(n / rate, 3) if rate else 0.0, n)
        for n, (pdq, quality) in sorted(hashes.items())
    ]


def hash_video_fast(
    path: Path, seconds_per_hash: float = 1.0, *, workers: int | None = None, deblock: bool = True
) -> list[VpdqFrame]:
    """vPDQ frames of the same frame numbers as Meta's ``vpdq``, decoding only what they need.

    ``workers``: threads to decode with (default: every core). ``deblock=False`` also skips H.264/HEVC
    deblocking (faster; the hashes drift a few bits further from Meta's).
    """
    workers = max(1, workers or os.cpu_count() or 1)
    with one_blas_thread():  # once per video: the frames' small products gain nothing from BLAS threads
        return _hash_video_fast(path, seconds_per_hash, workers, deblock)


def _hash_video_fast(path: Path, seconds_per_hash: float, workers: int, deblock: bool) -> list[VpdqFrame]:
    try:
        rate, packets = _scan(path)
        if rate <= 0:
            raise UnreadableVideo(f"{path.name} has no frame rate Haven can read.")
        step = frame_step(rate, seconds_per_hash)
        plan = plan_decode(packets, step) if step > 1 else None
        if plan is not None:
            ranges = split_plan(plan, workers)
            threads = workers if len(ranges) == 1 else 1
            with ThreadPoolExecutor(max_workers=max(1, len(ranges))) as pool:
                parts = pool.map(lambda r: _decode_range(path, plan, r[0], r[1], threads, deblock), ranges)
                hashes = {n: h for part in parts for n, h in part.items()}
            if set(hashes) == set(plan.wanted.values()):
                return _frames(rate, hashes)
        rate, hashes = _decode_all(path, step, workers, deblock)  # unusual stream: count like vpdq
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"{path.name} could not be decoded ({exc.strerror}).") from None
    if not hashes:
        raise UnreadableVideo(f"{path.name} has no video frames Haven can read.")
    return _frames(rate, hashes)


def hash_keyframes(path: Path, *, workers: int | None = None) -> list[VpdqFrame]:
    """PDQ of the key frames only (timestamps from the stream; frame numbers from the frame rate)."""
    result = []
    try:
        with one_blas_thread(), _open(path) as container:
            stream, codec = _decoder(container, path, max(1, workers or os.cpu_count() or 1), True)
            rate = frame_rate(stream)
            codec.skip_frame = "NONKEY"
            for f in _decoded(container, stream, codec):
                ts = float(f.pts * stream.time_base) if f.pts is not None else 0.0  # type: ignore[operator]
                pdq, quality = _hash_frame(f)
                result.append(VpdqFrame(pdq, quality, round(ts, 3), round(ts * rate)))
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"{path.name} could not be decoded ({exc.strerror}).") from None
    if not result:
        raise UnreadableVideo(f"{path.name} has no video frames Haven can read.")
    return result


def _decoded(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    codec: av.codec.context.CodecContext,
) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        yield from codec.decode(packet if packet.size else None)  # type: ignore[attr-defined]
