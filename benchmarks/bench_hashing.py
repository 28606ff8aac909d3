"""Benchmark: Haven's image hashing (fast path, every core) against the reference pipeline (full Pillow
decode + ``pdqhash.compute``, one process) in the same run; and vPDQ video engines against Meta's
``vpdq`` on 1080p clips.

    python benchmarks/bench_hashing.py                     # 12 x 12 MP + 16 x 1.6 MP JPEGs, 2 x 8 s of video
    python benchmarks/bench_hashing.py --n12 40 --n16 80 --video-seconds 30 \
        --video-clips bench,phone30,gop60b,hevc
    python benchmarks/bench_hashing.py --no-video
    python benchmarks/bench_hashing.py --video-only        # last line: fast engine / ffmpeg decode-only

Images are photo-like JPEGs made from Meta's real test photos (the 12 MP EXIF photo, the bridge, the
LabelMe photos; read from ../shared/conformance, never copied into the repo): random crops, resized to
4000x3000 (12 MP) or 1600x1000 (1.6 MP), film grain, small colour shifts, JPEG quality 85-95.
Without ../shared it falls back to synthetic pictures.

Videos are Meta's sample video scaled to 1080p with grain, encoded like the benchmark's original clip
(x264 defaults), like a phone camera (a key frame every second, no B-frames), with 2 s GOPs and B-frames,
or as HEVC (see ``CLIPS``).

Prints images/s for both pipelines at both sizes, the distance between Haven's fast hash and the
reference hash (mean / max / count over 10 bits); for each clip and video engine, seconds of video
hashed per wall-clock second and per CPU-second, and its agreement with Meta's vpdq (same frames,
distance, share within 31 bits, whether vPDQ video matching at 80% still holds); and as the LAST line
``ratio haven/anchor: X`` (12 MP images/s, Haven on every core / reference on one; with
``--video-only``: the fast engine's speed / ``ffmpeg -threads N -f null`` decoding the same clip, the
physical limit, geometric mean over the clips; fast / vpdq is printed just before it).

The default clips are ``bench`` (long GOP: x264's key frame every 250 frames, B-frames) and ``phone30``
(a key frame every second).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from haven.protect import hash_paths, pdq_distance
from haven.protect.signals import vpdq_match_percent
from haven.protect.video import hash_video

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HAVEN_SHARED", ROOT.parent / "shared"))
PDQ_DATA = SHARED / "conformance/threatexchange/pdq/data"
VIDEOS = SHARED / "conformance/threatexchange/tmk/sample-videos"


def sources() -> list[Image.Image]:
    names = [
        "reg-test-input/exif-rotn/exif-rotn-1.jpg",
        "bridge-mods/aaa-orig.jpg",
        "reg-test-input/pen-and-coaster.png",
        *(f"reg-test-input/labelme-subset/{q}.jpg" for q in ("q0122", "q0291", "q0746", "q1050", "q2821")),
    ]
    found = [PDQ_DATA / n for n in names if (PDQ_DATA / n).is_file()]
    if found:
        return [ImageOps.exif_transpose(Image.open(p)).convert("RGB") for p in found]
    rng = np.random.default_rng(0)  # fallback: smooth colour fields with noise
    y, x = np.mgrid[0:600, 0:800]
    return [
        Image.fromarray(
            np.clip(
                np.stack([128 + 100 * np.sin(x / rng.uniform(20, 90) + c) * np.cos(y / rng.uniform(20, 90))
                          for c in range(3)], -1) + rng.normal(0, 8, (600, 800, 3)), 0, 255,
            ).astype(np.uint8)
        )
        for _ in range(4)
    ]  # fmt: skip


def make_photos(folder: Path, n: int, size: tuple[int, int], seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    srcs = sources()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src = srcs[i % len(srcs)]
        w, h = src.size
        cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        x0, y0 = int(rng.uniform(0, w - cw)), int(rng.uniform(0, h - ch))
        im = src.crop((x0, y0, x0 + cw, y0 + ch))
        if rng.random() < 0.5:
            im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        target = size if cw >= ch else (size[1], size[0])
        im = im.resize(target, Image.Resampling.BICUBIC)
        arr = np.asarray(im, np.float32) * rng.uniform(0.85, 1.15, 3) + rng.normal(0, rng.uniform(2, 5), 1)
        arr += rng.normal(0, rng.uniform(2, 5), arr.shape[:2])[..., None]  # film grain
        path = folder / f"photo-{size[0]}-{i:03d}.jpg"
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=int(rng.integers(85, 96)))
        out.append(path)
    return out


def reference_hash(path: Path) -> str:
    """The anchor: full decode with Pillow, EXIF orientation, RGB, ``pdqhash.compute``."""
    with Image.open(path) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    bits, _quality = pdqhash.compute(np.asarray(rgb))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def bench_images(label: str, files: list[Path], workers: int) -> float:
    c0, t0 = time.process_time(), time.perf_counter()
    ref = {str(p): reference_hash(p) for p in files}
    t_ref, cpu_ref = time.perf_counter() - t0, time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    list(hash_paths(files, fast=True, workers=1))
    t_one, cpu_one = time.perf_counter() - t0, time.process_time() - c0
    c0, t0 = _cpu(), time.perf_counter()
    ours = {r.path: r.pdq for r in hash_paths(files, fast=True, workers=workers)}
    t_ours, cpu_ours = time.perf_counter() - t0, _cpu() - c0  # the workers are reaped: counted
    dists = [pdq_distance(ours[k], v) for k, v in ref.items()]
    n = len(files)
    ref_rate, our_rate = n / t_ref, n / t_ours
    print(f"{label}: {n} JPEGs")
    print(f"  reference (Pillow full decode + pdqhash.compute, 1 process): {ref_rate:8.2f} images/s")
    print(f"  haven fast path, 1 process:                                  {n / t_one:8.2f} images/s")
    print(f"  haven fast path, {workers} processes (incl. pool start):          {our_rate:8.2f} images/s "
          f"({t_ours:.2f} s wall, {cpu_ours:.2f} CPU-s; 1 process: {t_one:.2f} s wall, {cpu_one:.2f} CPU-s; "
          f"reference: {t_ref:.2f} s wall, {cpu_ref:.2f} CPU-s)")  # fmt: skip
    print(f"  CPU per image: reference {cpu_ref / n * 1000:.0f} ms, haven {cpu_one / n * 1000:.0f} ms "
          f"({cpu_ref / cpu_one:.1f}x less)")  # fmt: skip
    print(f"  distance haven vs reference: mean {statistics.mean(dists):.2f}, max {max(dists)}, "
          f"over 10 bits: {sum(d > 10 for d in dists)} of {len(dists)}")  # fmt: skip
    print(f"  ratio {label} per core (reference CPU-s / haven CPU-s, 1 process): {cpu_ref / cpu_one:.2f}")
    print(f"  ratio {label}: {our_rate / ref_rate:.2f}")
    return our_rate / ref_rate


# Test clips, made from Meta's sample video (or ffmpeg's testsrc2 without ../shared), 1080p, 30 fps.
CLIPS = {
    # the original benchmark clip: x264 defaults (a key frame every 250 frames, B-frames)
    "bench": ["-preset", "veryfast", "-crf", "21"],
    # phone camera-like: a key frame every second exactly, no B-frames, 16 Mbit/s
    "phone30": ["-preset", "veryfast", "-g", "30", "-bf", "0", "-sc_threshold", "0", "-b:v", "16M",
                "-maxrate", "20M", "-bufsize", "20M"],
    # a key frame every 2 s with B-frames, 12 Mbit/s
    "gop60b": ["-preset", "veryfast", "-g", "60", "-bf", "2", "-b:v", "12M"],
    # HEVC (x265), a key frame every 2 s
    "hevc": ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=60:log-level=error"],
}  # fmt: skip
VIDEO_ENGINES = ("vpdq", "fast", "fast-nodeblock", "keyframes")


def make_clip(folder: Path, name: str, seconds: int) -> Path | None:
    if not shutil.which("ffmpeg"):
        return None
    clip = folder / f"clip-{name}.mp4"
    src = VIDEOS / "chair-orig-22-sd-bar.mp4"
    # -stream_loop: the 22.4 s sample is looped, so a clip of any length really lasts ``seconds``
    inp = (["-stream_loop", "-1", "-i", str(src)] if src.is_file()
           else ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"])  # fmt: skip
    codec = [] if "-c:v" in CLIPS[name] else ["-c:v", "libx264"]
    subprocess.run(
        ["nice", "-n", "10", "ffmpeg", "-v", "error", "-y", *inp, "-t", str(seconds),
         "-vf", "scale=1920:1080:flags=bicubic,noise=alls=5:allf=t", "-r", "30",
         *codec, *CLIPS[name], "-pix_fmt", "yuv420p", str(clip)],
        check=True,
    )  # fmt: skip
    return clip


def _duration(clip: Path) -> float:
    """The clip's length in seconds, from its container (PyAV)."""
    import av

    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return float(container.duration or 0) / 1_000_000


def _cpu() -> float:
    """CPU-seconds used so far by this process (all threads) and its children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(clip: Path, engine: str, workers: int) -> tuple[list, float, float]:
    c0, t0 = _cpu(), time.perf_counter()
    frames = hash_video(clip, engine=engine, workers=workers)
    return frames, time.perf_counter() - t0, _cpu() - c0


def _decode_only(clip: Path, workers: int) -> tuple[float, float]:
    """The physical limit: wall and CPU seconds of ``ffmpeg -threads N -f null`` decoding every frame."""
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-threads", str(workers), "-i", str(clip), "-map", "0:v:0",
         "-f", "null", "-"],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - t0, _cpu() - c0


def bench_video(folder: Path, seconds: int, workers: int, clips: list[str]) -> tuple[float, float] | None:
    """Seconds of video hashed per second, per engine and clip, beside ffmpeg's decode alone; returns the
    fast engine's speed over vpdq's and over decode-only (geometric means over the clips)."""
    ratios, limits = [], []
    for name in clips:
        clip = make_clip(folder, name, seconds)
        if clip is None:
            print("video: ffmpeg not installed, skipped")
            return None
        print(f"video {name}: {seconds} s of 1080p ({' '.join(CLIPS[name])}), 1 hash per second, "
              f"{workers} threads")  # fmt: skip
        results, speed = {}, {}
        length = _duration(clip)  # what was really encoded, not what was asked for
        wall, cpu = _decode_only(clip, workers)
        speed["decode"] = length / wall
        print(f"  {'ffmpeg decode':15s}: {length / wall:6.2f}x real time, "
              f"{length / cpu:6.2f}x per CPU-second (ffmpeg -threads {workers} -f null, every frame; "
              f"{length:.1f} s clip)")  # fmt: skip
        for engine in VIDEO_ENGINES:
            frames, wall, cpu = _timed(clip, engine, workers)
            results[engine], speed[engine] = frames, length / wall
            line = f"  {engine:15s}: {length / wall:6.2f}x real time, {length / cpu:6.2f}x per CPU-second"
            if engine != "vpdq":
                line += "; " + _agreement(frames, results["vpdq"])
            print(line)
        _, wall1, _ = _timed(clip, "fast", 1)
        print(f"  fast on 1 thread: {length / wall1:6.2f}x real time "
              f"(threads speed-up {wall1 * speed['fast'] / length:.2f}x)")  # fmt: skip
        ratios.append(speed["fast"] / speed["vpdq"])
        limits.append(speed["fast"] / speed["decode"])
        print(f"  fast / vpdq {ratios[-1]:.2f}, fast / decode-only {limits[-1]:.2f}")
    ratio, limit = statistics.geometric_mean(ratios), statistics.geometric_mean(limits)
    print(f"ratio video fast/vpdq (wall, geometric mean over {len(ratios)} clips): {ratio:.2f}")
    print(f"ratio video fast/decode-only (wall, geometric mean over {len(limits)} clips): {limit:.2f}")
    return ratio, limit


def _agreement(frames: list, ref: list) -> str:
    """Same frame numbers? Distance on the same frames (both of quality >= 50, as Meta compares them),
    share within 31, and whether vPDQ video-level matching (80% of frames) holds both ways."""
    by_frame = {f.frame: f for f in ref}
    pairs = [(f, by_frame[f.frame]) for f in frames if f.frame in by_frame]
    same = [pdq_distance(a.pdq, b.pdq) for a, b in pairs if min(a.quality, b.quality) >= 50]
    q_pct, t_pct = vpdq_match_percent(frames, ref)
    text = f"{len(pairs)}/{len(ref)} same frames as vpdq"
    if same:
        within = 100 * sum(d <= 31 for d in same) / len(same)
        text += f" (distance mean {statistics.mean(same):.1f}, max {max(same)}, {within:.0f}% within 31)"
    verdict = "holds" if min(q_pct, t_pct) >= 80 else "FAILS"
    return text + f"; frames matching {q_pct:.0f}% / {t_pct:.0f}%: video match {verdict}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n12", type=int, default=12, help="12 MP JPEGs (default 12)")
    ap.add_argument("--n16", type=int, default=16, help="1.6 MP JPEGs (default 16)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--video-seconds", type=int, default=8)
    ap.add_argument("--video-clips", default="bench,phone30", help=f"any of: {','.join(CLIPS)}")
    ap.add_argument("--no-video", action="store_true")
    ap.add_argument("--video-only", action="store_true")
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, workers={args.workers}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="haven-bench-") as tmp:
        work = Path(tmp)
        if args.video_only:
            got = bench_video(work, args.video_seconds, args.workers, args.video_clips.split(","))
            print(f"ratio haven/anchor: {got[1] if got else 0:.2f}")  # fast engine / ffmpeg decode-only
            return
        small = make_photos(work / "p16", args.n16, (1600, 1000), seed=16)
        big = make_photos(work / "p12", args.n12, (4000, 3000), seed=12)
        bench_images("1.6 MP", small, args.workers)
        if not args.no_video:
            bench_video(work, args.video_seconds, args.workers, args.video_clips.split(","))
        ratio = bench_images("12 MP", big, args.workers)
    print(f"ratio haven/anchor: {ratio:.2f}")


if __name__ == "__main__":
    main()
