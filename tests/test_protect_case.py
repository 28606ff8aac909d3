"""``haven protect``: hash, case create/show/withdraw/delete/export, scan; and no network use."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import typer
from PIL import Image, ImageDraw, ImageFilter
from typer.testing import CliRunner

from haven.cli.protect import register
from haven.protect import hash_path
from haven.protect.case import PinNeeded, ProtectCase, WrongPin, record_path

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg (Debian) is needed for videos")


def photo(width: int, height: int, seed: int) -> Image.Image:
    """A photo-like picture (soft shapes on smooth light, with noise)."""
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (width, height), tuple(int(v) for v in rng.integers(60, 200, 3)))
    draw = ImageDraw.Draw(im)
    for _ in range(14):
        x0, y0 = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        w, h = rng.uniform(0.1, 0.45) * width, rng.uniform(0.1, 0.45) * height
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=fill)
    arr = np.asarray(im.filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    arr += rng.normal(0, 3, (height, width, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_video(path: Path, *, size: str = "320x240", crf: int = 23, seconds: int = 4) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={size}:rate=15:duration={seconds}", "-c:v", "libx264",
         "-preset", "ultrafast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("private")
    mine = d / "mine"
    mine.mkdir()
    photo(800, 600, 1).save(mine / "secret-one.jpg", quality=92)
    photo(640, 640, 2).save(mine / "secret-two.png")
    make_video(mine / "secret-clip.mp4")
    found = d / "downloads"
    found.mkdir()
    with Image.open(mine / "secret-one.jpg") as im:  # a platform's resized, re-compressed copy
        im.resize((400, 300), Image.Resampling.LANCZOS).save(found / "img_4411.jpg", quality=70)
    shutil.copy(mine / "secret-two.png", found / "same-bytes.png")
    photo(800, 600, 99).save(found / "holiday.jpg")  # unrelated
    subprocess.run(  # a platform's re-encoded, downscaled copy of the clip
        ["ffmpeg", "-v", "error", "-y", "-i", str(mine / "secret-clip.mp4"), "-vf", "scale=256:192",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "33", str(found / "reupload.mp4")],
        check=True,
    )  # fmt: skip
    (found / "notes.txt").write_text("nothing to see")
    return {"mine": mine, "found": found, "root": d}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    app = typer.Typer()
    register(app, typer.Typer())
    store = tmp_path / "store"
    monkeypatch.setenv("HAVEN_PROTECT_DIR", str(store))
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)

    run.store = store  # type: ignore[attr-defined]
    return run


def _create(cli, media, age: str = "25") -> dict:
    res = cli("protect", "case", "create", media["mine"], "--age", age, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_hash_command_walks_folders(cli, media):
    res = cli("protect", "hash", media["mine"], "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {Path(r["path"]).name: r for r in json.loads(res.stdout)}
    assert set(rows) == {"secret-one.jpg", "secret-two.png", "secret-clip.mp4"}
    img, vid = rows["secret-one.jpg"], rows["secret-clip.mp4"]
    assert img["media"] == "image" and len(img["pdq"]) == 64 and img["quality"] >= 80
    assert {"path", "media", "sha256", "md5", "pdq", "quality"} <= set(img)
    assert vid["media"] == "video" and [f["timestamp"] for f in vid["vpdq"]] == [0.0, 1.0, 2.0, 3.0]
    assert set(vid["vpdq"][0]) == {"frame", "quality", "pdq", "timestamp"}
    table = cli("protect", "hash", media["mine"] / "secret-one.jpg")
    assert table.exit_code == 0 and img["md5"][:12] in table.stdout
    assert cli("protect", "hash", media["root"] / "nope.jpg").exit_code == 2


def test_case_lifecycle(cli, media, tmp_path):
    made = _create(cli, media, age="16")
    number, pin = made["case_number"], made["pin"]
    env = {"PIN": pin}
    assert made["status"] == "Active" and [h["status"] for h in made["history"]] == ["Received", "Active"]
    assert {s["id"] for s in made["services"]} == {"take_it_down", "report_remove"}
    assert all(s["sources"] for s in made["services"])
    case_file = record_path(number, cli.store)
    assert Path(made["stored_at"]) == case_file and list(cli.store.iterdir()) == [case_file]
    text = case_file.read_text()
    assert stat.S_IMODE(case_file.stat().st_mode) == 0o600
    _assert_sealed(text, number, pin, [f for f in made["files"]])

    needs_pin = cli("protect", "case", "show", number)
    assert needs_pin.exit_code == 1 and "PIN" in needs_pin.output  # no terminal, no PIN: nothing shown
    shown = json.loads(
        cli("protect", "case", "show", number, "--format", "json", "--pin-env", "PIN", env=env).stdout
    )
    assert sorted(Path(f["path"]).name for f in shown["files"]) == [
        "secret-clip.mp4", "secret-one.jpg", "secret-two.png"
    ]  # fmt: skip
    assert "pin_hash" not in shown and shown["minor"] is True
    assert number in cli("protect", "case", "show", number, "--pin-env", "PIN", env=env).stdout
    wrong_show = cli("protect", "case", "show", number, "--pin-env", "PIN", env={"PIN": "0000-0000"})
    assert wrong_show.exit_code == 3

    out = tmp_path / "submission.json"
    assert cli("protect", "case", "export", number, "--out", out, "--pin-env", "PIN", env=env).exit_code == 0
    sub = out.read_text()
    for private in ("secret", str(media["root"]), "mine", '"path"', ".jpg", ".png", ".mp4", pin):
        assert private not in sub
    data = json.loads(sub)
    assert len(data["hashes"]) == 3 and {h["media"] for h in data["hashes"]} == {"image", "video"}
    pdqs = {h["pdq"] for h in data["hashes"] if "pdq" in h}
    assert {f["pdq"] for f in shown["files"] if f.get("pdq")} == pdqs

    def status() -> str:
        return ProtectCase.load(number, store=cli.store, pin=pin).status

    wrong = cli("protect", "case", "withdraw", number, "--pin-env", "PIN", env={"PIN": "0000-0000"})
    assert wrong.exit_code == 3 and status() == "Active"
    ok = cli("protect", "case", "withdraw", number, "--pin-env", "PIN", env={"PIN": pin.replace("-", " ")})
    assert ok.exit_code == 0 and status() == "Withdrawn"
    _assert_sealed(case_file.read_text(), number, pin, shown["files"])
    again = tmp_path / "again.json"
    refused = cli("protect", "case", "export", number, "--out", again, "--pin-env", "PIN", env=env)
    assert refused.exit_code == 1 and "Withdrawn" in refused.output and not again.exists()
    assert cli("protect", "case", "delete", number, "--pin-env", "PIN", env=env).exit_code == 0
    gone = ProtectCase.load(number, store=cli.store, pin=pin)
    assert gone.status == "Deleted" and gone.files == []
    assert all(p.exists() for p in media["mine"].iterdir())  # the person's files are never touched


def _assert_sealed(text: str, number: str, pin: str, files: list[dict]) -> None:
    """The record on disk holds no case number, PIN, file name, age flag, status or hash in the clear."""
    secrets = [number, pin, pin.replace("-", ""), "minor", "Active", "Withdrawn", "secret", ".jpg", "path"]
    for f in files:
        secrets += [f[k] for k in ("md5", "sha256", "pdq") if f.get(k)]
    for s in secrets:
        assert s not in text, s
    assert json.loads(text)["format"] == "haven-protect-sealed/1"


def test_an_older_plain_record_is_read_and_sealed_on_save(tmp_path):
    from argon2 import PasswordHasher

    store = tmp_path / "store"
    store.mkdir()
    plain = store / "HVN-AAAA-BBBB.json"
    record = {
        "format": "haven-protect-case/1",
        "case_number": "HVN-AAAA-BBBB",
        "pin_hash": PasswordHasher().hash("12345678"),
        "status": "Active",
        "created": "2026-01-01T00:00:00+00:00",
        "updated": "2026-01-01T00:00:00+00:00",
        "minor": True,
        "history": [],
        "files": [{"path": "/home/me/secret.jpg", "media": "image", "md5": "a" * 32, "sha256": "b" * 64}],
    }
    plain.write_text(json.dumps(record))
    with pytest.raises(WrongPin):
        ProtectCase.load("HVN-AAAA-BBBB", store=store, pin="0000-0000")
    case = ProtectCase.load("hvn-aaaa-bbbb", store=store, pin="1234-5678")
    case.withdraw("1234-5678")
    assert not plain.exists() and list(store.iterdir()) == [record_path("HVN-AAAA-BBBB", store)]
    _assert_sealed(
        record_path("HVN-AAAA-BBBB", store).read_text(), "HVN-AAAA-BBBB", "1234-5678", record["files"]
    )
    assert ProtectCase.load("HVN-AAAA-BBBB", store=store, pin="12345678").status == "Withdrawn"


def test_a_changed_record_is_refused(tmp_path):
    media = tmp_path / "m"
    media.mkdir()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(media / "a.png")
    case, pin = ProtectCase.create([media], store=tmp_path / "store")
    data = json.loads(case.path.read_text())
    data["ciphertext"] = data["ciphertext"][:-8] + (
        "A" * 8 if not data["ciphertext"].endswith("A" * 8) else "B" * 8
    )
    case.path.write_text(json.dumps(data))
    with pytest.raises(WrongPin):
        ProtectCase.load(case.case_number, store=tmp_path / "store", pin=pin)
    with pytest.raises(PinNeeded):
        ProtectCase.load(case.case_number, store=tmp_path / "store")


def test_adult_advice_and_bad_age(cli, media):
    made = _create(cli, media, age="30")
    assert made["services"][0]["id"] == "stopncii"
    assert not any(s["id"] == "take_it_down" for s in made["services"])
    assert cli("protect", "case", "create", media["mine"], "--age", "-3").exit_code == 2
    assert cli("protect", "case", "show", "HVN-0000-0000", "--pin-env", "P", env={"P": "1"}).exit_code == 2


def test_scan_finds_copies(cli, media, tmp_path):
    made = _create(cli, media)
    number, env = made["case_number"], {"PIN": made["pin"]}
    locked = cli("protect", "scan", media["found"], "--against", number)
    assert locked.exit_code == 1 and "PIN" in locked.output  # a case's hashes are read only with its PIN
    res = cli(
        "protect",
        "scan",
        media["found"],
        "--against",
        number,
        "--format",
        "json",
        "--pin-env",
        "PIN",
        env=env,
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    found = {Path(m["path"]).name: m for m in report["matches"]}
    assert set(found) == {"img_4411.jpg", "same-bytes.png", "reupload.mp4"}
    assert found["img_4411.jpg"]["signal"] == "pdq" and found["img_4411.jpg"]["score"] <= 31
    assert found["same-bytes.png"]["signal"] == "sha256"
    assert found["reupload.mp4"]["signal"] == "vpdq" and found["reupload.mp4"]["score"] >= 80
    assert Path(found["img_4411.jpg"]["matches"]).name == "secret-one.jpg"
    assert report["scanned"] == 5

    sub = tmp_path / "sub.json"
    exported = cli("protect", "case", "export", number, "--out", sub, "--pin-env", "PIN", env=env)
    assert exported.exit_code == 0, exported.output
    res = cli("protect", "scan", media["found"], "--against", sub, "--format", "json")
    by_export = json.loads(res.stdout)
    assert {Path(m["path"]).name for m in by_export["matches"]} == set(found)

    plain = tmp_path / "hashes.txt"
    one = hash_path(media["mine"] / "secret-one.jpg")
    plain.write_text(f"# wanted\n{one.pdq}\nmd5:{'0' * 32}\n")
    text = cli("protect", "scan", media["found"], "--against", plain)
    assert text.exit_code == 0 and "img_4411.jpg" in text.stdout and "holiday" not in text.stdout

    bad = tmp_path / "bad.txt"
    bad.write_text("pdq:xyz\n")
    res = cli("protect", "scan", media["found"], "--against", bad)
    assert res.exit_code == 2 and "line 1" in res.output


EGRESS_PROBE = textwrap.dedent(
    """
    import socket, sys
    def hook(event, args):
        if event == "socket.connect":
            sock, address = args
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                raise RuntimeError(f"network connection attempted: {address}")
        elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
            raise RuntimeError(f"name lookup attempted: {args[0]}")
    sys.addaudithook(hook)
    """
)


def test_no_network_in_hashing_case_and_export(media, tmp_path):
    """Every Python process (the CLI, the forkserver, the worker pool) refuses internet sockets.

    A ``sitecustomize`` on PYTHONPATH installs an audit hook in each of them; any attempt to connect to
    an internet address or resolve a name raises, which would fail the commands below.
    """
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(EGRESS_PROBE)
    many = tmp_path / "many"
    many.mkdir()
    for i in range(6):  # enough files for the process pool
        photo(300, 200, 40 + i).save(many / f"p{i}.jpg")
    shutil.copy(media["mine"] / "secret-clip.mp4", many / "clip.mp4")
    env = {**os.environ, "PYTHONPATH": str(probe), "HAVEN_PROTECT_DIR": str(tmp_path / "store")}
    haven = [sys.executable, "-m", "haven"]

    check = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 9), timeout=1)"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "attempted" in check.stderr  # the probe really is active

    hashed = subprocess.run([*haven, "protect", "hash", many, "--format", "json", "--workers", "2"],
                            env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert hashed.returncode == 0, hashed.stderr
    assert len(json.loads(hashed.stdout)) == 7 and "attempted" not in hashed.stderr
    made = subprocess.run([*haven, "protect", "case", "create", many, "--format", "json"],
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    number, env["PIN"] = json.loads(made.stdout)["case_number"], json.loads(made.stdout)["pin"]
    out = tmp_path / "sub.json"
    export = [*haven, "protect", "case", "export", number, "--out", str(out), "--pin-env", "PIN"]
    exported = subprocess.run(export, env=env, capture_output=True, text=True, check=False)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(out.read_text())["hashes"]) == 7
