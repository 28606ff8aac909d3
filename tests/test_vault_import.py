"""The import pipeline: originals untouched, idempotent re-import, per-file errors, minors' intimate images,
and crash safety with a real ``kill -9`` of an importing process."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import need
from haven.core.errors import HavenError
from haven.vault import Vault, VaultBusy
from test_vault_support import FAST_KDF, ToyChat, raw_bytes_of, snapshot, write_chat

PASS = "pass phrase for tests"
IMAGE_MARKER = b"INTIMATE-IMAGE-BYTES-5521"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "exports"
    d.mkdir()
    (d / "a.jpg").write_bytes(b"\xff\xd8" + IMAGE_MARKER + os.urandom(5000))
    write_chat(
        d / "one.txt",
        [
            ("2024-01-02T09:00:00+00:00", "Ann", "hi", "a.jpg"),
            ("2024-01-02T09:05:00+00:00", "Bo", "send more", ""),
        ],
    )
    write_chat(d / "two.txt", [("2024-01-01T08:00:00+00:00", "Bo", "hello", "missing.jpg")])
    return d


@pytest.fixture
def vault(tmp_path: Path):
    v = Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF)
    yield v
    v.close()


@pytest.fixture
def minor_vault(tmp_path: Path):
    v = Vault.create(tmp_path / "minor-case", PASS, kdf=FAST_KDF, minor=True)
    yield v
    v.close()


def test_originals_are_untouched(vault: Vault, src: Path):
    before = snapshot(src)
    stat_before = {p.name: p.stat() for p in src.iterdir()}
    summary = vault.import_paths([src], fmt=ToyChat())
    assert summary.ok
    assert snapshot(src) == before  # same bytes, same mtime
    for p in src.iterdir():
        assert p.stat().st_size == stat_before[p.name].st_size
        assert p.stat().st_mtime_ns == stat_before[p.name].st_mtime_ns
    assert sorted(p.name for p in src.iterdir()) == ["a.jpg", "one.txt", "two.txt"]


def test_summary_per_file_and_links(vault: Vault, src: Path):
    summary = vault.import_paths([src / "one.txt", src / "two.txt"], fmt=ToyChat())
    one, two = summary.files
    assert (one.format, one.messages, one.items, one.errors) == ("toychat", 2, 2, [])
    assert (two.messages, two.items) == (1, 1)
    assert two.warnings == ["missing.jpg is named but not included"]
    msgs = list(vault.messages())
    assert [m.text for m in msgs] == ["hello", "hi", "send more"]
    hi = msgs[1]
    photo = vault.get_item(hi.attachments[0].item_id)
    assert photo.filename == "a.jpg" and photo.parent_id == vault.get_item(hi.source_item_id).id
    assert msgs[0].attachments[0].item_id is None  # named, not included: kept, not invented
    assert [m.text for m in vault.messages("two")] == ["hello"]


def test_reimport_is_idempotent(vault: Vault, src: Path):
    first = vault.import_paths([src], fmt=ToyChat())
    items, messages = len(vault.items()), vault.message_count()
    blobs = sorted((vault.root / "blobs").rglob("*"))
    second = vault.import_paths([src], fmt=ToyChat())
    assert second.ok and second.new_messages == 0 and sum(f.new_items for f in second.files) == 0
    assert first.messages == second.messages
    assert (len(vault.items()), vault.message_count()) == (items, messages)
    assert sorted((vault.root / "blobs").rglob("*")) == blobs
    assert vault.verify() == []


def test_one_bad_file_is_one_error_and_the_rest_carries_on(vault: Vault, src: Path):
    write_chat(src / "broken.txt", [("2024-01-03T00:00:00+00:00", "X", "lost?", "a.jpg")], ("BOOM",))
    write_chat(src / "buggy.txt", [("2024-01-03T00:00:00+00:00", "X", "y", "")], ("CRASH",))
    summary = vault.import_paths([src], fmt=ToyChat())
    by_name = {Path(f.path).name: f for f in summary.files}
    assert not summary.ok and len(summary.errors) == 2
    assert by_name["broken.txt"].errors == ["broken.txt: line 3 is broken"]
    assert "ValueError" in by_name["buggy.txt"].errors[0]
    assert by_name["one.txt"].ok and by_name["two.txt"].ok
    # the failed files' partial messages were rolled back, but the files themselves are kept, unread
    assert "lost?" not in [m.text for m in vault.messages()]
    kept = {i.filename for i in vault.items()}
    assert {"broken.txt", "buggy.txt", "one.txt", "a.jpg"} <= kept
    assert vault.verify() == []


def test_rolled_back_file_leaves_no_new_blob(vault: Vault, tmp_path: Path):
    d = tmp_path / "only"
    d.mkdir()
    (d / "new.jpg").write_bytes(os.urandom(2048))
    chat = write_chat(d / "c.txt", [("2024-01-03T00:00:00+00:00", "X", "", "new.jpg")], ("BOOM",))
    summary = vault.import_paths([chat], fmt=ToyChat())
    assert not summary.ok
    assert [i.filename for i in vault.items()] == ["c.txt"]  # kept unread; the attachment's blob is gone
    assert len([p for p in (vault.root / "blobs").rglob("*") if p.is_file()]) == 1


def test_file_changed_while_read_is_not_kept(vault: Vault, src: Path):
    chat = write_chat(src / "moving.txt", [("2024-01-03T00:00:00+00:00", "X", "y", "")], ("TOUCH",))
    summary = vault.import_paths([chat], fmt=ToyChat())
    assert "changed while it was being read" in summary.files[0].errors[0]
    assert vault.items() == [] and vault.message_count() == 0


def test_missing_path_and_case_folder_itself_are_errors(vault: Vault, src: Path):
    summary = vault.import_paths([src / "nope.txt", vault.root, src / "one.txt"], fmt=ToyChat())
    errors = [f.errors for f in summary.files]
    assert ["not found"] in errors and ["this is inside the case folder itself"] in errors
    assert summary.files[-1].ok


def test_progress_reports_bytes(vault: Vault, src: Path):
    calls: list[tuple[int, int, str]] = []
    vault.import_paths([src], fmt=ToyChat(), progress=lambda d, t, n: calls.append((d, t, n)))
    total = sum(p.stat().st_size for p in src.iterdir())
    assert calls and calls[-1][:2] == (total, total)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_minor_intimate_import_is_hash_only(minor_vault: Vault, src: Path):
    image = src / "a.jpg"
    summary = minor_vault.import_paths([image], fmt=ToyChat(), intimate=True)
    item = minor_vault.items()[0]
    assert item.intimate and not item.stored and item.size == image.stat().st_size
    assert summary.files[0].sha256 == item.sha256
    assert minor_vault.item_locations(item.id)[0]["source_path"] == str(image)
    assert not minor_vault.blobs.exists(item.sha256)
    assert not [p for p in (minor_vault.root / "blobs").rglob("*") if p.is_file()]
    with pytest.raises(HavenError):
        minor_vault.read_item(item.id)
    assert IMAGE_MARKER not in raw_bytes_of(minor_vault.root)
    # importing it again without --intimate must not copy it either
    minor_vault.import_paths([image], fmt=ToyChat())
    assert not minor_vault.get_item(item.id).stored and not minor_vault.blobs.exists(item.sha256)
    assert minor_vault.verify() == []


def test_minor_mark_intimate_removes_copy_and_its_container(minor_vault: Vault, src: Path):
    minor_vault.import_paths([src / "one.txt"], fmt=ToyChat())
    photo = next(i for i in minor_vault.items() if i.filename == "a.jpg")
    chat_item = next(i for i in minor_vault.items() if i.filename == "one.txt")
    assert photo.stored and minor_vault.blobs.exists(photo.sha256)
    marked = minor_vault.mark_intimate(photo.id)
    assert marked.intimate and not marked.stored
    assert not minor_vault.blobs.exists(photo.sha256)
    # the chat item is the photo's container (parent): its copy goes too, its messages stay
    assert not minor_vault.get_item(chat_item.id).stored and not minor_vault.blobs.exists(chat_item.sha256)
    assert minor_vault.message_count() == 2
    assert IMAGE_MARKER not in raw_bytes_of(minor_vault.root)
    actions = [e.action for e in minor_vault.ledger()]
    assert actions[-2:] == ["mark-intimate", "drop-copy"]
    assert minor_vault.verify() == []


def test_adult_intimate_image_is_stored_but_marked(vault: Vault, src: Path):
    vault.import_paths([src / "a.jpg"], fmt=ToyChat(), intimate=True)
    item = vault.items()[0]
    assert item.intimate and item.stored
    assert vault.read_item(item.id) == (src / "a.jpg").read_bytes()


def test_case_becoming_minor_drops_intimate_copies(vault: Vault, src: Path):
    vault.import_paths([src / "a.jpg"], fmt=ToyChat(), intimate=True)
    item = vault.items()[0]
    vault.update_case(age=16)
    assert vault.is_minor and not vault.get_item(item.id).stored
    assert not vault.blobs.exists(item.sha256)
    assert vault.verify() == []


def test_orphan_blob_from_a_killed_import_is_harmless(vault: Vault, src: Path):
    data = (src / "a.jpg").read_bytes()
    digest, created = vault.blobs.put(io.BytesIO(data))  # written, but its transaction never committed
    assert created and vault.verify() == []
    vault.import_paths([src / "one.txt"], fmt=ToyChat())
    assert vault.get_item(f"item-{digest.sha256[:32]}").stored
    assert vault.verify() == []


def test_zip_member_source_paths_and_real_importers_if_present(vault: Vault, tmp_path: Path):
    """Auto-detection through ``haven.importers`` (the generic fallback at least) stores any file."""
    pytest.importorskip("haven.importers")
    z = tmp_path / "thing.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("x.bin", os.urandom(100))
    odd = tmp_path / "odd.xyz"
    odd.write_bytes(os.urandom(300))
    summary = vault.import_paths([odd, z])
    assert all(f.format for f in summary.files)
    assert {i.filename for i in vault.items()} >= {"odd.xyz", "thing.zip"}
    assert vault.verify() == []


KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[3])
    from pathlib import Path
    from test_vault_support import ToyChat
    from haven.vault import Vault
    with Vault.open(sys.argv[1], "{passphrase}") as v:
        def progress(done, total, name):
            print("progress", done, name, flush=True)
        v.import_paths([Path(sys.argv[2])], fmt=ToyChat(), progress=progress)
    print("finished", flush=True)
""")


@pytest.mark.slow
def test_killed_import_recovers(tmp_path: Path):
    case = tmp_path / "case"
    Vault.create(case, PASS, kdf=FAST_KDF).close()
    exports = tmp_path / "many"
    exports.mkdir()
    n = 40
    for i in range(n):
        (exports / f"m{i:02}.bin").write_bytes(os.urandom(700_000))
        write_chat(
            exports / f"c{i:02}.txt",
            [
                (f"2024-02-01T10:{i:02}:00+00:00", "P", f"msg {i}", f"m{i:02}.bin"),
                (f"2024-02-01T11:{i:02}:00+00:00", "Q", f"reply {i}", ""),
            ],
        )
    script = tmp_path / "run_import.py"
    script.write_text(KILL_SCRIPT.replace("{passphrase}", PASS))
    tests_dir = str(Path(__file__).parent)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(case), str(exports), tests_dir], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        if line.startswith("progress") and line.strip().endswith(".txt"):
            seen += 1
            if seen >= 15:  # a good part committed; the process is mid-way through the next files
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with Vault.open(case, PASS) as v:
        assert v.verify() == []
        committed = {e.params["path"] for e in v.ledger() if e.action == "import"}
        assert 0 < len(committed) < 2 * n
        stored = {i.filename for i in v.items()}
        for path in committed:  # every committed file is complete, with its messages
            assert Path(path).name in stored
        summary = v.import_paths([exports], fmt=ToyChat())
        assert summary.ok
        assert len(v.items()) == 2 * n  # 40 chats + 40 media, no duplicates
        assert v.message_count() == 2 * n
        assert len({i.sha256 for i in v.items()}) == 2 * n
        assert v.verify() == []
        assert not list((case / "tmp").iterdir())


def test_busy_case_stops_the_import_clearly(vault: Vault, src: Path):
    other = Vault.open(vault.root, PASS)
    with other.reading() as conn:
        conn.execute("PRAGMA busy_timeout = 100")
    try:
        with vault.write():  # this process is in the middle of a change
            with pytest.raises(VaultBusy):
                other.import_paths([src / "one.txt"], fmt=ToyChat())
            with pytest.raises(VaultBusy):
                other.log("export")
    finally:
        other.close()
    assert vault.items() == [] and vault.verify() == []


def test_minor_intimate_photo_gets_perceptual_hash_without_a_copy(minor_vault: Vault, tmp_path: Path):
    pytest.importorskip("haven.protect.hashing")
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    img = Image.new("RGB", (256, 256))
    img.putdata([((x * 7) % 256, (y * 3) % 256, (x * y) % 256) for y in range(256) for x in range(256)])
    img.save(photo, quality=90)
    summary = minor_vault.import_paths([photo], fmt=ToyChat(), intimate=True)
    assert summary.ok, summary.errors
    item = minor_vault.items()[0]
    assert not item.stored and len(item.perceptual["pdq"]) == 64
    assert "perceptual-hash" in [e.action for e in minor_vault.ledger()]
    assert not [p for p in (minor_vault.root / "blobs").rglob("*") if p.is_file()]
    assert minor_vault.verify() == []


def test_folder_holding_the_case_skips_the_case(tmp_path: Path):
    home = tmp_path / "home"
    (home / "pics").mkdir(parents=True)
    (home / "pics" / "shot.png").write_bytes(b"\x89PNG not really")
    with Vault.create(home / "case", PASS, kdf=FAST_KDF) as v:
        summary = v.import_paths([home], fmt=ToyChat())
        assert summary.ok and [f.path for f in summary.files] == [str(home / "pics" / "shot.png")]


def test_minor_reimport_after_marking_keeps_no_copy(minor_vault: Vault, src: Path):
    minor_vault.import_paths([src / "one.txt"], fmt=ToyChat())
    photo = next(i for i in minor_vault.items() if i.filename == "a.jpg")
    minor_vault.mark_intimate(photo.id)
    again = minor_vault.import_paths([src / "one.txt", src / "a.jpg"], fmt=ToyChat())
    assert again.ok and again.new_messages == 0
    assert not [i.filename for i in minor_vault.items() if i.stored]
    assert not [p for p in (minor_vault.root / "blobs").rglob("*") if p.is_file()]
    assert minor_vault.verify() == []


def test_upload_is_imported_without_touching_disk(vault: Vault):
    need(Path("/dev/shm").is_dir(), "no /dev/shm on this system: uploads are refused there (tested below)")
    before = set(Path("/dev/shm").glob("haven-upload-*"))
    data = b"TOYCHAT\n2024-01-05T10:00:00+00:00|Max|" + IMAGE_MARKER + b"|\n"
    summary = vault.import_stream(io.BytesIO(data), "../../evil/chat.txt", fmt=ToyChat())
    assert summary.ok and summary.path == "upload:chat.txt" and summary.new_messages == 1
    item = vault.items()[0]
    assert item.source_path == "upload:chat.txt" and vault.read_item(item.id) == data
    assert vault.item_locations(item.id)[0]["source_path"] == "upload:chat.txt"
    assert [e.params["path"] for e in vault.ledger() if e.action == "import"] == ["upload:chat.txt"]
    assert set(Path("/dev/shm").glob("haven-upload-*")) == before
    assert IMAGE_MARKER not in raw_bytes_of(vault.root)


def test_upload_refused_without_memory_backed_storage(vault: Vault, monkeypatch: pytest.MonkeyPatch):
    from haven.vault import pipeline

    monkeypatch.setattr(pipeline, "SHM", Path("/nonexistent-shm"))
    with pytest.raises(HavenError, match="cannot be taken in safely"):
        vault.import_stream(io.BytesIO(b"x"), "a.txt", fmt=ToyChat())
    assert vault.items() == []


def test_time_keys_sort_and_read_as_utc_text():
    from datetime import UTC, datetime, timedelta, timezone

    from haven.core.models import Message
    from haven.vault.sink import ts_key

    cases = [
        datetime(2019, 3, 1, 8, 0, tzinfo=UTC),
        datetime(2019, 3, 1, 8, 0, 0, 1234, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2024, 2, 29, 23, 59, 59),
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    ]
    for ts in cases:
        utc = ts.astimezone(UTC) if ts.tzinfo else ts
        msg = Message(id="m", source_format="x", conversation="c", timestamp_utc=ts)
        assert ts_key(msg) == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert ts_key(Message(id="m", source_format="x", conversation="c")) is None
