"""``haven case create|import|timeline|verify|info|items|ledger|note|mark-intimate`` end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from haven.cli import vault as vault_cli
from haven.vault import Vault
from test_vault_support import FAST_KDF, snapshot, write_chat

ENV = {"HAVEN_TEST_PASS": "a long test passphrase"}
TIMELINE_KEYS = {
    "id",
    "source_format",
    "conversation",
    "sender",
    "sender_id",
    "timestamp_utc",
    "timestamp_original",
    "kind",
    "text",
    "attachments",
}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """Only the vault commands, registered the way ``haven.cli.main`` does."""
    root = typer.Typer()
    case_app = typer.Typer()
    root.add_typer(case_app, name="case")
    vault_cli.register(root, case_app)
    return root


def run(app: typer.Typer, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["case", *args], env=env or ENV)


def _flat(text: str) -> str:
    """Rich wraps long lines at the terminal width; compare words, not line breaks."""
    return " ".join(text.split())


def _p(*args: str) -> list[str]:
    return [*args, "--passphrase-env", "HAVEN_TEST_PASS"]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A case made with cheap KDF settings (read back from its header by every later command)."""
    d = tmp_path / "case"
    Vault.create(d, ENV["HAVEN_TEST_PASS"], kdf=FAST_KDF, region="wales", reference="WP-123").close()
    return d


def test_create_command(app: typer.Typer, tmp_path: Path):
    d = tmp_path / "new-case"
    res = run(app, *_p("create", str(d), "--age", "15", "--region", "wales", "--reference", "WP-9"))
    assert res.exit_code == 0, res.output
    assert "under 18" in _flat(res.stdout)
    with Vault.open(d, ENV["HAVEN_TEST_PASS"]) as v:
        assert v.case.minor and v.case.age == 15 and v.case.reference == "WP-9"
        assert v.header.kdf.memory_cost_kib == 64 * 1024  # the real argon2id settings by default
    again = run(app, *_p("create", str(d)))
    assert again.exit_code == 2 and "already holds a Haven case" in _flat(again.output)


def test_create_import_timeline_verify(app: typer.Typer, case: Path, tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.bin").write_bytes(b"\x00\x01 attachment")
    before = snapshot(src)
    res = run(app, *_p("import", str(case), str(src), "--output", "json"))
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["ok"] and summary["items"] == 1 and summary["files"][0]["format"]
    assert snapshot(src) == before

    res = run(app, *_p("timeline", str(case), "--format", "json"))
    assert res.exit_code == 0 and json.loads(res.stdout) == []

    res = run(app, *_p("verify", str(case)))
    assert res.exit_code == 0 and "All is well" in res.stdout

    res = run(app, *_p("info", str(case), "--format", "json"))
    info = json.loads(res.stdout)
    assert info["case"]["reference"] == "WP-123" and info["items"] == 1
    assert info["ledger_entries"] == 3  # create, add-item, import


def test_timeline_json_fields(app: typer.Typer, case: Path, tmp_path: Path):
    from test_vault_support import ToyChat

    src = tmp_path / "chat"
    src.mkdir()
    (src / "p.jpg").write_bytes(b"\xff\xd8 picture")
    chat = write_chat(src / "c.txt", [("2024-03-01T12:00:00+00:00", "Kim", "look", "p.jpg")])
    with Vault.open(case, ENV["HAVEN_TEST_PASS"]) as v:
        v.import_paths([chat], fmt=ToyChat())
    res = run(app, *_p("timeline", str(case), "--format", "json"))
    assert res.exit_code == 0, res.output
    (msg,) = json.loads(res.stdout)
    assert set(msg) == TIMELINE_KEYS
    assert msg["sender"] == "Kim" and msg["timestamp_utc"].startswith("2024-03-01T12:00:00")
    assert msg["attachments"][0]["filename"] == "p.jpg" and len(msg["attachments"][0]["sha256"]) == 64
    assert set(msg["attachments"][0]) == {"item_id", "sha256", "filename"}
    table = run(app, *_p("timeline", str(case)))
    assert table.exit_code == 0 and "Kim" in table.stdout


def test_wrong_passphrase_exit_3(app: typer.Typer, case: Path):
    before = snapshot(case)
    res = run(app, *_p("verify", str(case)), env={"HAVEN_TEST_PASS": "nope"})
    assert res.exit_code == 3
    assert "passphrase does not open" in _flat(res.output)
    assert snapshot(case) == before


def test_not_a_vault_exit_3(app: typer.Typer, tmp_path: Path):
    res = run(app, *_p("info", str(tmp_path)))
    assert res.exit_code == 3 and "not a Haven case" in _flat(res.output)


def test_verify_exit_1_on_tampered_blob(app: typer.Typer, case: Path, tmp_path: Path):
    f = tmp_path / "e.bin"
    f.write_bytes(b"evidence " * 100)
    assert run(app, *_p("import", str(case), str(f))).exit_code == 0
    blob = next(p for p in (case / "blobs").rglob("*") if p.is_file())
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0xFF
    blob.write_bytes(bytes(data))
    res = run(app, *_p("verify", str(case)))
    assert res.exit_code == 1 and "changed, cut or damaged" in _flat(res.output)


def test_import_reports_errors_with_exit_2(app: typer.Typer, case: Path, tmp_path: Path):
    good = tmp_path / "good.bin"
    good.write_bytes(b"fine")
    res = run(app, *_p("import", str(case), str(good), str(tmp_path / "absent.txt")))
    assert res.exit_code == 2
    assert "absent.txt" in res.stdout and "not found" in res.stdout and "good.bin" in res.stdout


def test_note_items_ledger_and_mark_intimate_minor(app: typer.Typer, tmp_path: Path):
    case = tmp_path / "minor"
    Vault.create(case, ENV["HAVEN_TEST_PASS"], kdf=FAST_KDF, age=15).close()
    img = tmp_path / "img.jpg"
    img.write_bytes(b"\xff\xd8 not really a picture")
    assert run(app, *_p("import", str(case), str(img))).exit_code == 0
    items = json.loads(run(app, *_p("items", str(case), "--format", "json")).stdout)
    assert items[0]["stored"] is True
    res = run(app, *_p("mark-intimate", str(case), items[0]["id"]))
    assert res.exit_code == 0 and "copy in the vault was removed" in res.stdout
    assert not [p for p in (case / "blobs").rglob("*") if p.is_file()]
    assert run(app, *_p("note", str(case), "He asked for money at 9pm")).exit_code == 0
    entries = json.loads(run(app, *_p("ledger", str(case), "--format", "json")).stdout)
    assert [e["action"] for e in entries][-2:] == ["mark-intimate", "note"]
    assert run(app, *_p("verify", str(case))).exit_code == 0
    assert run(app, *_p("mark-intimate", str(case), "item-nope")).exit_code == 2


@pytest.mark.slow
def test_installed_haven_command_runs_vault_commands(tmp_path: Path):
    """The real console script (all command groups loaded), not just this module."""
    exe = shutil.which("haven") or str(Path(sys.executable).parent / "haven")
    case = tmp_path / "c"
    env = {"PATH": "/usr/bin:/bin", **ENV}
    out = subprocess.run([exe, *_p("case", "create", str(case))], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([exe, *_p("case", "verify", str(case))], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "All is well" in out.stdout


def test_import_date_order_option_reaches_the_importer(app: typer.Typer, case: Path, tmp_path: Path):
    """``--date-order mdy`` wins over the case's region (Wales: day first) for dates that cannot say."""
    chat = tmp_path / "WhatsApp Chat with Jess.txt"
    chat.write_text("03/06/2024, 10:00 - Jess: hi\n04/06/2024, 11:00 - Jess: hello again\n", encoding="utf-8")
    res = run(app, *_p("import", str(case), str(chat), "--date-order", "mdy", "--quiet"))
    assert res.exit_code == 0, res.output
    with Vault.open(case, ENV["HAVEN_TEST_PASS"]) as v:
        first = next(iter(v.messages()))
    assert (first.timestamp_utc.month, first.timestamp_utc.day) == (3, 6)
    assert "as chosen at import" in first.timestamp_basis
    bad = run(app, *_p("import", str(case), str(chat), "--date-order", "dd-mm", "--quiet"))
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_ledger_and_items_tables_and_jsonl(app: typer.Typer, case: Path, tmp_path: Path):
    chat = tmp_path / "WhatsApp Chat with Jess.txt"
    chat.write_text("25/03/2024, 10:00 - Jess: hi\n", encoding="utf-8")
    assert run(app, *_p("import", str(case), str(chat), "--quiet")).exit_code == 0
    table = run(app, *_p("ledger", str(case)))
    assert table.exit_code == 0 and "Ledger" in table.stdout and "import" in table.stdout
    lines = run(app, *_p("items", str(case), "--format", "jsonl")).stdout.splitlines()
    assert [json.loads(line)["filename"] for line in lines] == ["WhatsApp Chat with Jess.txt"]
    flags = run(app, *_p("red-flags", str(case), "--format", "jsonl"))
    assert flags.exit_code == 0 and flags.stdout.strip() == ""
