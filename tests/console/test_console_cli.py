"""The command-line contract, as checks outside the project run it (``haven console …`` in a subprocess)."""

from __future__ import annotations

import json
import subprocess

from .conftest import WALLET, haven_cmd


def console(*args: str, key_file) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*haven_cmd(), "console", *args, "--key-file", str(key_file)],
                          capture_output=True, text=True, timeout=120)


def test_cli_contract(database, key_file, packages):
    made = console("users", "create", "--role", "analyst", "--name", "an-1", "--database", database,
                   "--format", "json", key_file=key_file)
    assert made.returncode == 0, made.stderr
    user = json.loads(made.stdout)
    assert set(user) == {"user", "password", "totp_secret"} and len(user["totp_secret"]) >= 16
    first = json.loads(console("ingest", str(packages["a"]), "--database", database, "--format", "json",
                               key_file=key_file).stdout)
    assert first["verified"] is True and first["links"] == [] and first["case_id"].startswith("HC-")
    second = console("ingest", str(packages["b"]), "--database", database, "--format", "json",
                     key_file=key_file)
    assert second.returncode == 0, second.stderr
    out = json.loads(second.stdout)
    assert out["verified"] is True
    assert out["links"] == [{"identifier": f"btc:{WALLET}", "cases": [first["case_id"]]}]
    bad = console("ingest", str(packages["tampered"]), "--database", database, "--format", "json",
                  key_file=key_file)
    assert bad.returncode == 1
    refused = json.loads(bad.stdout)
    assert refused["verified"] is False and any("messages.jsonl" in r for r in refused["reasons"])
    links = console("links", "--database", database, "--format", "json", key_file=key_file)
    clusters = json.loads(links.stdout)["clusters"]
    assert len(clusters) == 1  # the tampered copy of package a stored nothing, so no second link
    assert sorted(clusters[0]["cases"]) == sorted([first["case_id"], out["case_id"]])
    assert clusters[0]["identifiers"][0]["identifier"] == f"btc:{WALLET}"


def test_wrong_key_is_refused(tmp_path, packages):
    db = str(tmp_path / "c.sqlite")
    assert console("ingest", str(packages["a"]), "--database", db, key_file=tmp_path / "k1").returncode == 0
    (tmp_path / "k2").write_text("00" * 32)
    wrong = console("links", "--database", db, key_file=tmp_path / "k2")
    assert wrong.returncode == 3 and "Traceback" not in wrong.stderr and "key" in wrong.stderr
