"""``haven flags FILE`` and ``haven case flags DIR``: real chat files read by the importers, a real vault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haven.cli.main import app

CHAT = """14/03/2025, 20:02 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.
14/03/2025, 20:02 - Anna: Hi Tom! I found you on Facebook
14/03/2025, 20:04 - Tom Reid: haha thanks, do I know you?
14/03/2025, 20:05 - Anna: I am Anna, 24, I am a nurse from Manchester
14/03/2025, 20:07 - Anna: add me on Skype so we can talk better
14/03/2025, 20:08 - Anna: Let's do a video call baby
14/03/2025, 20:50 - Anna: I recorded everything you did on camera
14/03/2025, 20:51 - Anna: Send £500 by Western Union or I send the video to all your friends
14/03/2025, 20:52 - Anna: You have 1 hour
14/03/2025, 21:10 - Tom Reid: i can't go on
"""  # noqa: E501

runner = CliRunner()


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    path = tmp_path / "WhatsApp Chat with Anna.txt"
    path.write_text(CHAT, encoding="utf-8")
    return path


def test_flags_file_json(chat_file: Path) -> None:
    result = runner.invoke(app, ["flags", str(chat_file), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"summary", "flags"}
    for flag in data["flags"]:
        assert set(flag) == {"message_id", "flag", "evidence", "explanation", "confidence"}
    names = [f["flag"] for f in data["flags"]]
    for expected in (
        "identity-claim",
        "move-platform",
        "image-request",
        "recording-claim",
        "threat-to-share",
        "payment-demand",
        "deadline",
        "self-harm-risk",
    ):
        assert expected in names, expected
    s = data["summary"]
    assert s["victim"] == ["Tom Reid"] and s["other_side"] == ["Anna"]
    assert s["stage"] == "extortion" and s["crisis"] is True
    assert s["first_contact"]["time"].startswith("2025-03-14T") and s["first_contact"]["sender"] == "Anna"
    assert s["first_platform_move"]["evidence"].startswith("add me on Skype")


def test_flags_file_me_option_and_table(chat_file: Path) -> None:
    result = runner.invoke(app, ["flags", str(chat_file), "--me", "Tom Reid", "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "Stage reached" in result.stdout and "recording-claim" in result.stdout
    assert "You matter" in result.stdout  # crisis words shown first, calmly
    bad = runner.invoke(app, ["flags", str(chat_file), "--me", "Nobody"])
    assert bad.exit_code == 2 and "Nobody" in bad.output


def test_flags_file_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["flags", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "not a file" in missing.output
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\nnothing like a chat\n", encoding="utf-8")
    result = runner.invoke(app, ["flags", str(notes)])
    assert result.exit_code == 2 and "No chat messages" in result.output


@pytest.mark.slow
def test_case_flags_over_a_vault(chat_file: Path, tmp_path: Path, monkeypatch) -> None:
    vault_mod = pytest.importorskip("haven.vault")
    case = tmp_path / "case"
    cheap = vault_mod.KdfParams(time_cost=1, memory_cost_kib=8 * 1024)
    with vault_mod.Vault.create(case, "correct horse", kdf=cheap) as vault:
        vault.import_paths([chat_file])
    monkeypatch.setenv("HAVEN_TEST_PASS", "correct horse")
    result = runner.invoke(
        app, ["case", "flags", str(case), "--format", "json", "--passphrase-env", "HAVEN_TEST_PASS"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["stage"] == "extortion"
    assert {"recording-claim", "threat-to-share", "self-harm-risk"} <= {f["flag"] for f in data["flags"]}
    monkeypatch.setenv("HAVEN_TEST_PASS", "wrong")
    wrong = runner.invoke(app, ["case", "flags", str(case), "--passphrase-env", "HAVEN_TEST_PASS"])
    assert wrong.exit_code == 3
