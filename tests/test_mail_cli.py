"""Tests for ``haven check-email`` (the CLI face of haven.mail)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haven.cli.main import app
from test_mail_pwned import _StubApi, stub_api  # noqa: F401  (fixture: a real HTTP server on loopback)

MAILING = "sextortion-emails-mailing-lists"
SCAM = (
    "From: you@example.org\nTo: you@example.org\nSubject: Your password\n\n"
    "I know that hunter2016 is your password. I hacked your computer and recorded you through your webcam "
    "while you watched porn. Send 1000 USD in Bitcoin to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq within "
    "48 hours or I send the video to all your contacts.\n"
)
runner = CliRunner()


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, ["check-email", *args], input=input, env=env)


def test_json_for_real_mails_and_negative(corpora: Path) -> None:
    folder = corpora / MAILING
    files = sorted(str(p) for p in folder.glob("*.eml*"))
    result = run(*files, "--format", "json", "--no-ocr")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_name = {Path(d["file"]).name: d for d in data}
    assert len(data) == 4
    for name, entry in by_name.items():
        expected = "not-sextortion" if name.startswith("NEGATIVE") else "scam-bluff"
        assert entry["verdict"] == expected, name
        if expected == "scam-bluff":
            assert all(a["valid"] for a in entry["crypto_addresses"]) and entry["crypto_addresses"]
        else:
            assert entry["crypto_addresses"] == []


def test_text_output_and_known_list(corpora: Path, tmp_path: Path) -> None:
    email = tmp_path / "scam.eml"
    email.write_text(SCAM)
    known = tmp_path / "known.csv"
    known.write_text("address,count\nbc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq,12\n")
    result = run(str(email), "--known-addresses", str(known))
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # Rich wraps long lines
    assert "A mass scam email (a bluff)" in out
    assert "appears in 12 known sextortion spam emails" in out
    assert "report@phishing.gov.uk" in out
    assert "hunter2016 (not checked)" in out


def test_stdin_paste() -> None:
    body = SCAM.split("\n\n", 1)[1]
    result = run("-", "--format", "json", input=body)
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert entry["verdict"] == "scam-bluff" and entry["file"] == "stdin"


def test_mbox_gives_one_result_per_message(tmp_path: Path) -> None:
    box = tmp_path / "inbox.mbox"
    box.write_text(
        "From a@b Mon Jan  1 00:00:00 2024\n" + SCAM + "\n"
        "From a@b Mon Jan  1 00:00:01 2024\nFrom: friend@example.org\nSubject: lunch\n\n"
        "See you at noon?\n"
    )
    result = run(str(box), "--format", "json", "--no-ocr")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(d["file"], d["verdict"]) for d in data] == [
        ("inbox.mbox#1", "scam-bluff"),
        ("inbox.mbox#2", "not-sextortion"),
    ]


def test_one_bad_file_is_an_error_line_not_a_stop(tmp_path: Path) -> None:
    good = tmp_path / "scam.eml"
    good.write_text(SCAM)
    bad = tmp_path / "photo.eml"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = run(str(bad), str(good), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert "binary" in data[0]["error"] and data[1]["verdict"] == "scam-bluff"
    assert "Could not check" in result.stderr


def test_exit_code_4_when_every_file_fails(tmp_path: Path) -> None:
    bad = tmp_path / "empty.eml"
    bad.write_bytes(b"")
    result = run(str(bad), str(tmp_path / "missing.eml"))
    assert result.exit_code == 4
    err = " ".join(result.stderr.split())
    assert "empty" in err and "does not exist" in err


def test_pwned_range_dir_offline(tmp_path: Path) -> None:
    digest = hashlib.sha1(b"hunter2016").hexdigest().upper()
    ranges = tmp_path / "ranges"
    ranges.mkdir()
    (ranges / f"{digest[:5]}.txt").write_text(f"{digest[5:]}:321\n")
    email = tmp_path / "scam.eml"
    email.write_text(SCAM)
    result = run(str(email), "--format", "json", "--pwned-range-dir", str(ranges))
    pw = json.loads(result.stdout)[0]["quoted_password"]
    assert (pw["present"], pw["value"], pw["breached"], pw["count"], pw["checked"]) == (
        True,
        "hunter2016",
        True,
        321,
        "offline",
    )


def test_online_flag_uses_the_api_and_says_so(stub_api: str, tmp_path: Path) -> None:  # noqa: F811
    email = tmp_path / "scam.eml"
    email.write_text(SCAM)
    result = run(str(email), "--format", "json", "--online", "--pwned-api", stub_api)
    assert result.exit_code == 0, result.output
    assert "only the first 5 characters" in " ".join(result.stderr.split())
    pw = json.loads(result.stdout)[0]["quoted_password"]
    digest = hashlib.sha1(b"hunter2016").hexdigest().upper()
    assert pw["checked"] == "online" and pw["sent"] == digest[:5]
    assert [path for path, _ in _StubApi.requests] == [f"/range/{digest[:5]}"]


def test_without_online_the_api_is_not_called(stub_api: str, tmp_path: Path) -> None:  # noqa: F811
    email = tmp_path / "scam.eml"
    email.write_text(SCAM)
    result = run(str(email), "--format", "json", "--pwned-api", stub_api)
    assert result.exit_code == 0
    assert _StubApi.requests == []
    assert json.loads(result.stdout)[0]["quoted_password"]["checked"] == "no"


@pytest.mark.slow
def test_add_to_case_keeps_the_email_first(tmp_path: Path) -> None:
    from haven.vault import KdfParams, Vault

    case = tmp_path / "case"
    Vault.create(case, "correct horse", kdf=KdfParams(time_cost=1, memory_cost_kib=8192)).close()
    email = tmp_path / "scam.eml"
    email.write_text(SCAM)
    env = {"HAVEN_TEST_PASS": "correct horse"}
    result = run(str(email), "--add-to-case", str(case), "--passphrase-env", "HAVEN_TEST_PASS", env=env)
    assert result.exit_code == 0, result.output
    with Vault.open(case, "correct horse") as vault:
        stored = [i for i in vault.items() if i.sha256 == hashlib.sha256(SCAM.encode()).hexdigest()]
        assert stored and vault.read_item(stored[0].id) == SCAM.encode()
        actions = [e.action for e in vault.ledger()]
        assert "check-email" in actions
        logged = next(e for e in vault.ledger() if e.action == "check-email")
        assert logged.params["verdict"] == "scam-bluff"
        # the email was kept before the check was logged
        assert actions.index("check-email") > max(i for i, a in enumerate(actions) if a != "check-email")
    wrong = run(str(email), "--add-to-case", str(case), "--passphrase-env", "WRONG", env={"WRONG": "not it"})
    assert wrong.exit_code == 3
