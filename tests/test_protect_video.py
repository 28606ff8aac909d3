"""Video engines: the ``fast`` engine's decoding plan, and its frames against Meta's ``vpdq``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import need
from haven.protect import hash_path, hash_paths
from haven.protect.signals import VPDQ_MATCH_PERCENT, pdq_distance, vpdq_match_percent
from haven.protect.video import ENGINES, UnreadableVideo, hash_video
from haven.protect.video_fast import (
    DROP,
    FULL,
    REFS_ONLY,
    _decode_all,
    _decode_range,
    _Packet,
    _scan,
    frame_step,
    plan_decode,
    split_plan,
)

needs_ffmpeg = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg (Debian) makes the test videos")


def pk(pts: int, key: bool = False, size: int = 100) -> _Packet:
    return _Packet(pts, key, False, size)


def test_frame_step_truncates_like_vpdq():
    assert frame_step(30.0, 1.0) == 30
    assert frame_step(30000 / 1001, 1.0) == 29  # vpdq: frameMod = int(seconds x fps)
    assert frame_step(25.0, 2.0) == 50
    assert frame_step(0.5, 1.0) == 1 and frame_step(30.0, 0) == 1


def test_plan_decodes_only_what_wanted_frames_need():
    # decode order of I P B B | I P B B (display: 0 3 1 2 | 4 7 5 6), one wanted frame every 2.
    packets = [pk(0, True), pk(3), pk(1), pk(2), pk(4, True), pk(7), pk(5), pk(6)]
    plan = plan_decode(packets, 2)
    assert plan is not None
    assert plan.wanted == {0: 0, 2: 2, 4: 4, 6: 6}
    # wanted frames decoded in full; packets before a wanted one (same GOP) only if others refer to them
    assert plan.actions == [FULL, REFS_ONLY, REFS_ONLY, FULL, FULL, REFS_ONLY, REFS_ONLY, FULL]
    plan3 = plan_decode(packets, 3)  # wanted: 0, 3, 6
    assert plan3 is not None and plan3.wanted == {0: 0, 3: 3, 6: 6}
    assert plan3.actions[:4] == [FULL, FULL, DROP, DROP]  # after frame 3 (decode #1) nothing is needed


def test_plan_keeps_what_leading_frames_need_and_refuses_odd_streams():
    # open GOP: B frames after the second key frame are shown before it, so they need the first GOP.
    packets = [pk(0, True), pk(4), pk(8, True), pk(6), pk(7), pk(12), pk(10), pk(11)]
    plan = plan_decode(packets, 7)  # wanted display ranks 0 and 7 -> pts 0 and 12
    assert plan is not None and plan.barriers == [0]
    assert plan.actions[1:4] == [REFS_ONLY] * 3  # nothing before the open-GOP key frame is dropped
    assert plan_decode([pk(1), pk(0, True)], 1) is None  # does not start with a key frame
    assert plan_decode([pk(0, True), _Packet(None, False, False, 9)], 1) is None  # no timestamp
    assert plan_decode([pk(0, True), pk(0)], 1) is None  # two frames shown at the same time


def test_split_plan_cuts_at_key_frames_into_balanced_parts():
    packets = [pk(i, key=i % 10 == 0) for i in range(40)]
    plan = plan_decode(packets, 5)
    assert plan is not None
    parts = split_plan(plan, 2)
    assert parts == [(0, 20), (20, 40)]
    assert split_plan(plan, 1) == [(0, 40)]
    assert all(packets[a].key for a, _ in split_plan(plan, 3))


def _clip(path: Path, *extra: str, rate: str = "30", seconds: int = 8, size: str = "480x270") -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
         "-vf", "noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "veryfast", *extra,
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need(bool(shutil.which("ffmpeg")), "ffmpeg (Debian) makes the test videos")
    d = tmp_path_factory.mktemp("videos")
    # B-frames, a key frame every 2 s exactly
    bframes = _clip(d / "bframes.mp4", "-g", "60", "-bf", "3", "-sc_threshold", "0")
    return {
        "bframes": bframes,
        "ntsc": _clip(d / "ntsc.mkv", "-g", "45", "-bf", "2", rate="30000/1001", seconds=6),
        "hd": _clip(d / "hd.mp4", "-g", "90", size="1280x720", seconds=4),
    }


@needs_ffmpeg
@pytest.mark.parametrize("name", ["bframes", "ntsc", "hd"])
def test_fast_engine_hashes_the_frames_vpdq_hashes(clips: dict[str, Path], name: str):
    ref = hash_video(clips[name], engine="vpdq")
    fast = hash_video(clips[name], engine="fast")
    assert [f.frame for f in fast] == [f.frame for f in ref]
    assert [f.timestamp for f in fast] == [f.timestamp for f in ref]
    dists = [pdq_distance(a.pdq, b.pdq) for a, b in zip(fast, ref, strict=True) if b.quality >= 50]
    assert dists and max(dists) <= 31, dists
    assert all(abs(a.quality - b.quality) <= 1 for a, b in zip(fast, ref, strict=True))
    assert min(vpdq_match_percent(fast, ref)) >= VPDQ_MATCH_PERCENT


@needs_ffmpeg
def test_skipping_decodes_the_wanted_frames_bit_exact(clips: dict[str, Path]):
    """Hashes after skipping frames equal the hashes after decoding every frame, and work is skipped."""
    rate, packets = _scan(clips["bframes"])
    plan = plan_decode(packets, frame_step(rate, 1.0))
    assert plan is not None
    assert plan.actions.count(DROP) > 0 and plan.actions.count(REFS_ONLY) > 0
    skipped = _decode_range(clips["bframes"], plan, 0, len(packets), 1, True)
    _, everything = _decode_all(clips["bframes"], frame_step(rate, 1.0), 1, True)
    assert skipped == everything and len(skipped) == 8


@needs_ffmpeg
def test_threads_give_the_same_hashes(clips: dict[str, Path]):
    one = hash_video(clips["bframes"], engine="fast", workers=1)
    two = hash_video(clips["bframes"], engine="fast", workers=2)
    assert one == two


@needs_ffmpeg
def test_stream_without_leading_key_frame_falls_back_to_counting(clips: dict[str, Path], tmp_path: Path):
    ts = tmp_path / "whole.ts"
    cut = tmp_path / "cut.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clips["bframes"]), "-c", "copy", str(ts)], check=True)
    cut_cmd = ["ffmpeg", "-v", "error", "-i", str(ts), "-ss", "1.3", "-c", "copy", "-copyinkf", str(cut)]
    subprocess.run(cut_cmd, check=True)
    _, packets = _scan(cut)
    assert not packets[0].key and plan_decode(packets, 30) is None
    ref, fast = hash_video(cut, engine="vpdq"), hash_video(cut, engine="fast")
    assert [f.frame for f in fast] == [f.frame for f in ref]
    assert max(pdq_distance(a.pdq, b.pdq) for a, b in zip(fast, ref, strict=True)) <= 31


@needs_ffmpeg
def test_keyframes_engine_hashes_only_key_frames(clips: dict[str, Path]):
    frames = hash_video(clips["bframes"], engine="keyframes")
    assert [f.timestamp for f in frames] == [0.0, 2.0, 4.0, 6.0]


@needs_ffmpeg
def test_default_engine_and_exact_switch(clips: dict[str, Path]):
    fast = hash_path(clips["hd"])
    exact = hash_path(clips["hd"], fast=False)
    assert fast.vpdq == hash_video(clips["hd"], engine="fast")
    assert exact.vpdq == hash_video(clips["hd"], engine="vpdq")


@pytest.mark.parametrize("engine", ENGINES)
def test_broken_video_is_a_clear_error(tmp_path: Path, engine: str):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    with pytest.raises(UnreadableVideo, match=r"broken\.mp4"):
        hash_video(bad, engine=engine)
    (result,) = hash_paths([bad], video_engine=engine)
    assert result.media == "video" and "broken.mp4" in (result.error or "") and result.sha256


def test_unknown_engine_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown video engine"):
        hash_video(tmp_path / "x.mp4", engine="magic")
