"""Forged and damaged packages (issue 21, item 1): ``haven verify`` refuses a second copy of any member
placed before the original, names a re-signed package's key as not pinned (and refuses it with
``--public-key``), turns every zip-level error into a plain FAIL line with exit code 1, and a killed
export leaves no partial file behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from haven.report.package import MANIFEST, SIGNATURE, export_package
from haven.report.signing import fingerprint, public_key_hex
from haven.report.verify import verify_package
from haven.vault import Vault

PASS = "correct horse battery staple"
CHAT = """\
12/03/2025, 21:02 - Jess: hey, saw your pics
12/03/2025, 22:40 - Jess: I recorded our video call. Pay £500 or I send it to all your followers
12/03/2025, 22:41 - Jess: send bitcoin to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq within 24 hours
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("forged")
    (root / "WhatsApp Chat with Jess.txt").write_text(CHAT, encoding="utf-8")
    (root / "note.png").write_bytes(bytes.fromhex("89504e470d0a1a0a") + b"not really a picture")
    with Vault.create(root / "case", PASS, region="england", age=30) as vault:
        vault.import_paths([root / "WhatsApp Chat with Jess.txt", root / "note.png"])
    return root / "case"


@pytest.fixture(scope="module")
def package(case: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forged-pkg") / "package.zip"
    with Vault.open(case, PASS) as vault:
        export_package(vault, out)
    return out


def _members(package: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(package) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _item_member(package: Path) -> str:
    return next(i.filename for i, _ in _members(package) if i.filename.startswith("items/"))


@pytest.mark.parametrize("member", ["messages.jsonl", "ledger.jsonl", "indicators.csv", "item", MANIFEST,
                                    SIGNATURE])
def test_a_forged_copy_before_the_original_is_refused(package: Path, tmp_path: Path, member: str):
    name = _item_member(package) if member == "item" else member
    forged = tmp_path / "forged.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the forgery
        zf.writestr(name, b"forged content shown by readers that take the first copy\n")
        for info, data in _members(package):
            zf.writestr(info, data)
    res = verify_package(forged)
    assert not res.ok
    assert any(f"member {name}: appears 2 times" in p for p in res.problems), res.problems
    assert not any(c.startswith("members: all") for c in res.checks)


def test_a_re_signed_forgery_is_named_as_not_pinned_and_refused_with_the_real_key(package: Path,
                                                                                   tmp_path: Path):
    members = _members(package)
    manifest = json.loads(dict((i.filename, d) for i, d in members)[MANIFEST])
    real_key = manifest["signature"]["public_key"]
    forged_messages = b'{"id": "msg-forged", "text": "nothing happened"}\n'
    for m in manifest["members"]:
        if m["path"] == "messages.jsonl":
            import hashlib

            m["sha256"], m["size"] = hashlib.sha256(forged_messages).hexdigest(), len(forged_messages)
    key = Ed25519PrivateKey.generate()
    manifest["signature"]["public_key"] = public_key_hex(key)
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    forged = tmp_path / "resigned.zip"
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == "messages.jsonl":
                data = forged_messages
            elif info.filename == MANIFEST:
                data = manifest_bytes
            elif info.filename == SIGNATURE:
                data = key.sign(manifest_bytes)
            zf.writestr(info.filename, data)
    res = verify_package(forged)
    assert res.ok and not res.key_pinned  # internally consistent, but signed by a stranger's key
    assert fingerprint(public_key_hex(key)) in res.verdict() and "not pinned" in res.verdict()
    pinned = verify_package(forged, public_key=real_key)
    assert not pinned.ok and any("different key" in p for p in pinned.problems)
    good = verify_package(package, public_key=real_key)
    assert good.ok and good.key_pinned and "the one you gave with --public-key" in good.verdict()
    out = subprocess.run([sys.executable, "-m", "haven", "verify", str(forged)], capture_output=True,
                         text=True)
    assert out.returncode == 0
    assert fingerprint(public_key_hex(key)) in " ".join(out.stdout.split())
    assert "not pinned" in out.stdout


def test_raw_byte_flips_give_plain_failures_never_a_traceback(package: Path, tmp_path: Path):
    raw = package.read_bytes()
    step = max(1, len(raw) // 60)
    failed = 0
    positions = list(range(0, len(raw), step))
    for pos in positions:
        flipped = bytearray(raw)
        flipped[pos] ^= 0xFF
        target = tmp_path / "flip.zip"
        target.write_bytes(bytes(flipped))
        res = verify_package(target)  # must never raise
        assert res.ok or res.problems
        failed += not res.ok
    assert failed >= len(positions) * 0.8  # headers, data and directory: almost every flip is caught
    for pos in (positions[1], len(raw) // 2, len(raw) - 30):
        flipped = bytearray(raw)
        flipped[pos] ^= 0xFF
        target = tmp_path / f"cli-{pos}.zip"
        target.write_bytes(bytes(flipped))
        out = subprocess.run([sys.executable, "-m", "haven", "verify", str(target)], capture_output=True,
                             text=True)
        assert "Traceback" not in out.stderr + out.stdout
        if out.returncode:
            assert out.returncode == 1 and "FAIL" in out.stdout


def test_not_a_zip_and_a_missing_file_are_plain_failures(tmp_path: Path):
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    for path in (tmp_path / "x.zip", tmp_path / "missing.zip"):
        out = subprocess.run([sys.executable, "-m", "haven", "verify", str(path)], capture_output=True,
                             text=True)
        assert out.returncode == 1 and "FAIL" in out.stdout and "Traceback" not in out.stderr


KILL_SCRIPT = """
import sys, time
import haven.report.package as p
from haven.vault import Vault
original = p._Writer.add_bytes
def slow(self, name, data, **kwargs):
    digest = original(self, name, data, **kwargs)
    if name == "report.pdf":
        print("writing", flush=True)
        time.sleep(120)
    return digest
p._Writer.add_bytes = slow
with Vault.open(sys.argv[1], sys.argv[2]) as vault:
    p.export_package(vault, sys.argv[3])
"""


def test_a_killed_export_leaves_no_partial_file(case: Path, tmp_path: Path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(case), PASS, str(out_dir / "p.zip")],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        assert os.listdir(out_dir) == []  # the zip being written has no name yet
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert os.listdir(out_dir) == []


def test_verdict_report_and_continuity_statement_print_the_same_fingerprint(package: Path, tmp_path: Path):
    res = verify_package(package)
    assert res.ok and res.key_fingerprint and res.key_fingerprint in res.verdict()
    with zipfile.ZipFile(package) as zf:
        statement = zf.read("continuity-statement.txt").decode()
        (tmp_path / "r.pdf").write_bytes(zf.read("report.pdf"))
    pdf = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert res.key_fingerprint in statement
    assert res.key_fingerprint in " ".join(pdf.split())
