"""The indicators commands: ``haven indicators extract`` on files and stdin, ``haven case indicators`` on a
real (SQLCipher) vault holding an imported WhatsApp chat."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from haven.cli.main import app
from haven.vault import KdfParams, Vault

runner = CliRunner()
PASS = "correct horse battery staple"
CHEAP_KDF = KdfParams(time_cost=1, memory_cost_kib=8 * 1024)
TEXT = (
    "Send £500 to bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7 within 24 hours\n"
    "or pay by Western Union, MTCN 123-456-7890. snap: cash_queen99\n"
)


def test_extract_file_json(tmp_path):
    f = tmp_path / "chat.txt"
    f.write_text(TEXT, encoding="utf-8")
    result = runner.invoke(app, ["indicators", "extract", str(f), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    got = {(d["kind"], d["normalized"], d["valid"]) for d in data}
    assert got == {
        ("amount", "GBP:500", True),
        ("btc", "bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7", True),
        ("deadline", "within 24 hours", True),
        ("mtcn", "1234567890", True),
        ("handle", "snapchat:cash_queen99", True),
    }
    btc = next(d for d in data if d["kind"] == "btc")
    assert TEXT[btc["provenance"]["start"] : btc["provenance"]["end"]] == btc["value"]
    assert btc["extra"]["file"] == str(f)


def test_extract_stdin_table_and_region():
    result = runner.invoke(app, ["indicators", "extract", "-", "--format", "table", "--region", "NG"],
                           input="call me 0803 123 4567")
    assert result.exit_code == 0, result.output
    assert "+2348031234567" in result.stdout
    assert "1 offender detail" in result.stdout


def test_extract_bad_input_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["indicators", "extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "Cannot read" in result.output
    result = runner.invoke(app, ["indicators", "extract", "-", "--format", "csv"], input="x")
    assert result.exit_code == 2


@pytest.fixture
def case_dir(tmp_path):
    chat = tmp_path / "WhatsApp Chat with Alex.txt"
    chat.write_text(
        "14/03/2024, 21:03 - Alex: hey, saw you on insta\n"
        "14/03/2024, 21:04 - Me: who is this?\n"
        "14/03/2024, 21:09 - Alex: Send £500 to bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7 within 24 hours\n"
        "15/03/2024, 08:00 - Alex: last chance bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7 or I post it\n",
        encoding="utf-8",
    )
    d = tmp_path / "case"
    with Vault.create(d, PASS, kdf=CHEAP_KDF, region="scotland") as v:
        v.import_paths([chat])
    return d


def test_case_indicators_json_csv_and_ledger(case_dir, monkeypatch):
    monkeypatch.setenv("HAVEN_TEST_PASS", PASS)
    result = runner.invoke(app, ["case", "indicators", str(case_dir), "--format", "json",
                                 "--passphrase-env", "HAVEN_TEST_PASS"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    btc = next(r for r in rows if r["kind"] == "btc")
    assert btc["normalized"] == "bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7"
    assert btc["count"] == 2 and btc["valid"] is True
    assert btc["first_seen"] < btc["last_seen"]
    assert len(btc["conversations"]) == 1
    kinds = {r["kind"] for r in rows}
    assert {"amount", "deadline", "name"} <= kinds

    result = runner.invoke(app, ["case", "indicators", str(case_dir), "--format", "csv",
                                 "--passphrase-env", "HAVEN_TEST_PASS"])
    assert result.exit_code == 0, result.output
    parsed = list(csv.DictReader(io.StringIO(result.stdout)))
    assert any(r["kind"] == "btc" and r["count"] == "2" for r in parsed)

    with Vault.open(case_dir, PASS) as v:
        assert [e.action for e in v.ledger()].count("indicators") == 2
        assert v.verify() == []


def test_case_indicators_wrong_passphrase(case_dir, monkeypatch):
    monkeypatch.setenv("HAVEN_TEST_PASS", "not it")
    result = runner.invoke(app, ["case", "indicators", str(case_dir), "--passphrase-env", "HAVEN_TEST_PASS"])
    assert result.exit_code == 3
