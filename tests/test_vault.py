"""The vault store: encryption at rest, passphrase handling, the ledger and ``verify`` catching tampering."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from haven.core.errors import HavenError, NotAVault, WrongPassphrase
from haven.core.models import GENESIS
from haven.vault import Vault, VaultExists
from haven.vault.blobs import CHUNK, HEADER_SIZE, TAG, BlobDamaged
from haven.vault.keys import unlock
from test_vault_support import FAST_KDF, ToyChat, raw_bytes_of, snapshot, write_chat

PASS = "correct horse battery staple"
MARKER = "HAVEN-PLAINTEXT-MARKER-7319"


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    return tmp_path / "case"


@pytest.fixture
def vault(case_dir: Path):
    v = Vault.create(case_dir, PASS, kdf=FAST_KDF, region="scotland", reference="CR/1/24")
    yield v
    v.close()


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "photo.jpg").write_bytes(b"\xff\xd8\xff" + MARKER.encode() + os.urandom(3 * CHUNK + 17))
    return write_chat(
        src / "chat.txt",
        [
            ("2024-05-01T10:01:00+00:00", "Sam", f"second {MARKER}", ""),
            ("2024-05-01T10:00:00+00:00", "Alex", "first", "photo.jpg"),
        ],
    )


def _raw_conn(case_dir: Path) -> sqlcipher3.Connection:
    """A raw SQLCipher connection with the right key, as someone tampering with the database would have."""
    _, keys = unlock(case_dir, PASS)
    conn = sqlcipher3.connect(str(case_dir / "vault.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{keys.db.hex()}'\"")
    conn.execute("DROP TRIGGER IF EXISTS ledger_no_update")
    conn.execute("DROP TRIGGER IF EXISTS ledger_no_delete")
    return conn


def test_create_open_roundtrip(case_dir: Path, vault: Vault, chat: Path):
    assert vault.case.region == "scotland" and not vault.case.minor
    summary = vault.import_paths([chat], fmt=ToyChat())
    assert summary.ok and summary.new_messages == 2 and summary.items == 2
    vault.close()
    with Vault.open(case_dir, PASS) as again:
        assert again.case.reference == "CR/1/24"
        texts = [m.text for m in again.messages()]
        assert texts == ["first", f"second {MARKER}"]  # time order, not file order
        photo = next(i for i in again.items() if i.filename == "photo.jpg")
        assert again.read_item(photo.id) == (chat.parent / "photo.jpg").read_bytes()
        with again.open_item(photo.id) as fh:  # streaming, chunk by chunk
            assert fh.read(10) == (chat.parent / "photo.jpg").read_bytes()[:10]
        assert again.conversations() == ["chat"]
        assert again.verify() == []


def test_database_is_not_plain_sqlite(case_dir: Path, vault: Vault, chat: Path):
    vault.import_paths([chat], fmt=ToyChat())
    vault.close()
    db = case_dir / "vault.db"
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    plain = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT * FROM sqlite_master").fetchall()
    plain.close()


def test_no_plaintext_anywhere_in_case_folder(case_dir: Path, vault: Vault, chat: Path):
    vault.import_paths([chat], fmt=ToyChat())
    vault.add_note(f"he said {MARKER} on the phone")
    assert MARKER.encode() in (chat.parent / "photo.jpg").read_bytes()  # the marker is really in the inputs
    raw = raw_bytes_of(case_dir)  # database, WAL, blobs, header, head, tmp: everything on disk
    assert MARKER.encode() not in raw
    assert MARKER.encode("utf-16-le") not in raw
    assert b"photo.jpg" not in raw and b"Alex" not in raw
    vault.close()
    assert MARKER.encode() not in raw_bytes_of(case_dir)


def test_blob_names_do_not_reveal_hashes(case_dir: Path, vault: Vault, chat: Path):
    vault.import_paths([chat], fmt=ToyChat())
    names = {p.parent.name + p.name for p in (case_dir / "blobs").rglob("*") if p.is_file()}
    shas = {i.sha256 for i in vault.items()}
    assert len(names) == 2 and not names & shas


def test_wrong_passphrase_is_refused_and_changes_nothing(case_dir: Path, vault: Vault, chat: Path):
    vault.import_paths([chat], fmt=ToyChat())
    vault.close()
    before = snapshot(case_dir)
    with pytest.raises(WrongPassphrase) as err:
        Vault.open(case_dir, "wrong passphrase")
    assert err.value.exit_code == 3
    assert snapshot(case_dir) == before


def test_not_a_vault(tmp_path: Path):
    with pytest.raises(NotAVault):
        Vault.open(tmp_path, PASS)
    (tmp_path / "vault.json").write_text('{"format": "something-else"}')
    with pytest.raises(NotAVault) as err:
        Vault.open(tmp_path, PASS)
    assert err.value.exit_code == 3


def test_create_refuses_existing_or_non_empty_folder(case_dir: Path, vault: Vault, tmp_path: Path):
    with pytest.raises(VaultExists):
        Vault.create(case_dir, PASS, kdf=FAST_KDF)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(VaultExists):
        Vault.create(busy, PASS, kdf=FAST_KDF)
    assert sorted(p.name for p in busy.iterdir()) == ["holiday.jpg"]


def test_age_under_18_makes_a_minor_case(tmp_path: Path):
    with Vault.create(tmp_path / "c", PASS, kdf=FAST_KDF, age=15) as v:
        assert v.case.minor and v.is_minor


def test_case_folder_is_private(case_dir: Path, vault: Vault):
    assert case_dir.stat().st_mode & 0o077 == 0


def test_ledger_logs_every_action(vault: Vault, chat: Path):
    vault.import_paths([chat], fmt=ToyChat())
    photo = next(i for i in vault.items() if i.filename == "photo.jpg")
    vault.add_note("called the police")
    vault.mark_intimate(photo.id)
    vault.log("export", {"to": "/tmp/x.zip"}, sha256="ab" * 32)
    entries = vault.ledger()
    actions = [e.action for e in entries]
    assert actions[0] == "create" and entries[0].prev_hash == GENESIS
    assert actions.count("add-item") == 2 and "import" in actions
    assert actions[-3:] == ["note", "mark-intimate", "export"]
    assert entries[-1].sha256 == "ab" * 32 and entries[-1].tool_version.startswith("haven ")
    assert all(e.time_utc.utcoffset().total_seconds() == 0 for e in entries)
    assert {e.sha256 for e in entries if e.action == "add-item"} == {i.sha256 for i in vault.items()}
    assert vault.verify() == []


def test_ledger_table_is_append_only(vault: Vault):
    with pytest.raises(sqlcipher3.DatabaseError):
        vault._conn.execute("UPDATE ledger SET entry = 'x' WHERE seq = 0")
    with pytest.raises(sqlcipher3.DatabaseError):
        vault._conn.execute("DELETE FROM ledger")


def _tampered(case_dir: Path, *statements: tuple[str, tuple]) -> list[str]:
    conn = _raw_conn(case_dir)
    for sql, args in statements:
        conn.execute(sql, args)
    conn.close()
    with Vault.open(case_dir, PASS) as v:
        return v.verify()


@pytest.fixture
def busy_case(case_dir: Path, vault: Vault, chat: Path) -> Path:
    vault.import_paths([chat], fmt=ToyChat())
    vault.add_note("first note")
    vault.add_note("second note")
    vault.log("export", {"to": "report.pdf"})
    assert vault.verify() == []
    vault.close()
    return case_dir


def test_verify_detects_edited_ledger_entry(busy_case: Path):
    conn = _raw_conn(busy_case)
    entry = json.loads(conn.execute("SELECT entry FROM ledger WHERE seq = 1").fetchone()[0])
    entry["params"]["filename"] = "innocent.txt"
    conn.close()
    problems = _tampered(busy_case, ("UPDATE ledger SET entry = ? WHERE seq = 1", (json.dumps(entry),)))
    assert any("entry 1: contents do not match its hash" in p for p in problems), problems


def test_verify_detects_deleted_ledger_entry(busy_case: Path):
    problems = _tampered(busy_case, ("DELETE FROM ledger WHERE seq = 2", ()))
    assert any("expected 2" in p or "does not follow" in p for p in problems), problems


def test_verify_detects_reordered_ledger_entries(busy_case: Path):
    conn = _raw_conn(busy_case)
    rows = conn.execute(
        "SELECT seq, entry, entry_hash FROM ledger WHERE seq IN (5, 6) ORDER BY seq"
    ).fetchall()
    conn.close()
    (s5, e5, h5), (s6, e6, h6) = rows
    problems = _tampered(
        busy_case,
        ("UPDATE ledger SET entry = ?, entry_hash = ? WHERE seq = ?", (e6, h6, s5)),
        ("UPDATE ledger SET entry = ?, entry_hash = ? WHERE seq = ?", (e5, h5, s6)),
    )
    assert any("does not follow" in p or "sequence number" in p for p in problems), problems


def test_verify_detects_cut_off_ledger_tail(busy_case: Path):
    last = _raw_conn(busy_case).execute("SELECT max(seq) FROM ledger").fetchone()[0]
    problems = _tampered(busy_case, ("DELETE FROM ledger WHERE seq = ?", (last,)))
    assert any("the ledger was cut" in p for p in problems), problems


def test_verify_detects_edited_message(busy_case: Path):
    conn = _raw_conn(busy_case)
    msg_id, data = conn.execute("SELECT id, data FROM messages LIMIT 1").fetchone()
    conn.close()
    data = data.replace("Sam", "Someone else").replace("Alex", "Someone else")
    problems = _tampered(busy_case, ("UPDATE messages SET data = ? WHERE id = ?", (data, msg_id)))
    assert any("were changed, added or deleted" in p for p in problems), problems


def test_verify_detects_edited_note_and_item_row(busy_case: Path):
    conn = _raw_conn(busy_case)
    item_id, data = conn.execute("SELECT id, data FROM items LIMIT 1").fetchone()
    conn.close()
    forged = json.loads(data)
    forged["sha256"] = "0" * 64
    problems = _tampered(
        busy_case,
        ("UPDATE notes SET text = 'rewritten' WHERE id = 1", ()),
        ("UPDATE items SET data = ? WHERE id = ?", (json.dumps(forged), item_id)),
    )
    assert any(p.startswith("note 1:") for p in problems), problems
    assert any(item_id in p and "edited" in p for p in problems), problems


def test_verify_detects_modified_and_missing_blob(busy_case: Path):
    with Vault.open(busy_case, PASS) as v:
        items = {i.filename: i for i in v.items()}
        photo, chat_item = items["photo.jpg"], items["chat.txt"]
        blob = v.blobs.path_for(photo.sha256)
        data = bytearray(blob.read_bytes())
        data[HEADER_SIZE + 100] ^= 0x01
        blob.write_bytes(bytes(data))
        v.blobs.path_for(chat_item.sha256).unlink()
        problems = v.verify()
        assert any(photo.id in p and "changed, cut or damaged" in p for p in problems), problems
        assert any(chat_item.id in p and "missing" in p for p in problems), problems
        with pytest.raises(BlobDamaged):
            v.read_item(photo.id)


def test_truncated_blob_at_chunk_boundary_is_detected(busy_case: Path):
    with Vault.open(busy_case, PASS) as v:
        photo = next(i for i in v.items() if i.filename == "photo.jpg")
        blob = v.blobs.path_for(photo.sha256)
        raw = blob.read_bytes()
        blob.write_bytes(raw[: HEADER_SIZE + 3 * (CHUNK + TAG)])  # drop the final chunk exactly
        assert any("changed, cut or damaged" in p for p in v.verify())


def test_open_item_refuses_unknown_id(vault: Vault):
    with pytest.raises(HavenError):
        vault.open_item("item-does-not-exist")


def test_stale_temporary_files_are_swept_on_open(case_dir: Path, vault: Vault):
    tmp = case_dir / "tmp"
    dead = tmp / "999999999.deadbeef.part"  # no such pid: a killed import's partial (encrypted) write
    dead.write_bytes(b"ciphertext")
    mine = tmp / f"{os.getpid()}.cafe.part"  # a live writer's file stays
    mine.write_bytes(b"ciphertext")
    Vault.open(case_dir, PASS).close()
    assert not dead.exists() and mine.exists()


def test_ledger_head_may_lag_but_not_be_forged(case_dir: Path, vault: Vault):
    head = case_dir / "ledger.head"
    old = head.read_bytes()
    vault.add_note("one")
    head.write_bytes(old)  # as after a crash between a commit and the head update
    assert vault.verify() == []
    vault.add_note("two")
    assert json.loads(head.read_text())["seq"] == len(vault.ledger()) - 1
    forged = json.loads(head.read_text())
    forged["seq"] += 5
    head.write_text(json.dumps(forged))
    assert any("seal does not match" in p for p in vault.verify())


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK])
def test_blob_roundtrip_at_chunk_edges(vault: Vault, size: int):
    import io

    data = os.urandom(size)
    digest, created = vault.blobs.put(io.BytesIO(data))
    assert created and digest.size == size
    with vault.blobs.open(digest.sha256, size) as fh:
        assert fh.read() == data
    blob = vault.blobs.path_for(digest.sha256)
    chunks = max(1, -(-size // CHUNK))
    assert blob.stat().st_size == HEADER_SIZE + size + chunks * TAG
    assert vault.blobs.check(digest.sha256, size) is None
    assert vault.blobs.check(digest.sha256, size + 1) is not None  # a wrong recorded size is caught


def test_verify_detects_deleted_item_and_message(busy_case: Path):
    conn = _raw_conn(busy_case)
    item_id = conn.execute("SELECT id FROM items WHERE data LIKE '%photo.jpg%'").fetchone()[0]
    conn.close()
    problems = _tampered(
        busy_case,
        ("DELETE FROM items WHERE id = ?", (item_id,)),
        ("DELETE FROM messages WHERE rowid = (SELECT max(rowid) FROM messages)", ()),
    )
    assert any(item_id in p and "gone from the case" in p for p in problems), problems
    assert any("were changed, added or deleted" in p for p in problems), problems


def test_create_refuses_empty_passphrase_and_odd_age(tmp_path: Path):
    from haven.core.errors import BadAnswers

    with pytest.raises(BadAnswers):
        Vault.create(tmp_path / "a", "", kdf=FAST_KDF)
    with pytest.raises(BadAnswers):
        Vault.create(tmp_path / "b", PASS, kdf=FAST_KDF, age=400)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_create_again_after_an_interrupted_create(tmp_path: Path):
    d = tmp_path / "case"
    Vault.create(d, PASS, kdf=FAST_KDF).close()
    (d / "vault.json").unlink()  # as if create was killed just before writing its header
    with pytest.raises(NotAVault):
        Vault.open(d, PASS)
    with Vault.create(d, PASS, kdf=FAST_KDF) as v:
        assert v.verify() == [] and [e.action for e in v.ledger()] == ["create"]
