"""The police-ready report and the verifiable package, end to end on a real vault.

A case is built from a real chat export in ``../shared/corpora`` plus a sextortion chat and screenshots
written here; it is exported, verified, and then tampered with in every way the issue names, each of which
``haven verify`` must catch and name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from haven.report.package import MANIFEST, SIGNATURE, export_package
from haven.report.verify import verify_package
from haven.vault import Vault

PASS = "correct horse battery staple"
BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
IBAN = "GB82WEST12345698765432"
OFFENDER_CHAT = f"""\
12/03/2025, 21:02 - Jess: hey cutie, saw your pics on insta
12/03/2025, 21:05 - Me: who is this?
12/03/2025, 21:06 - Jess: add me on snap: jess.xo2024 it's easier there
12/03/2025, 22:40 - Jess: I recorded our video call. Pay £500 or I send it to all your followers
12/03/2025, 22:41 - Jess: send bitcoin to {BTC} within 24 hours
12/03/2025, 22:43 - Jess: or bank transfer, IBAN {IBAN}
12/03/2025, 22:44 - Jess: email me at payments.jess@protonmail.com or call +44 7911 123456
"""


def _haven() -> list[str]:
    exe = shutil.which("haven")
    return [exe] if exe else [sys.executable, "-m", "haven"]


def _screenshot(path: Path, text: str, colour: tuple[int, int, int] = (255, 255, 255)) -> Path:
    im = Image.new("RGB", (900, 300), colour)
    ImageDraw.Draw(im).text((20, 120), text, fill=(0, 0, 0))
    im.save(path)
    return path


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory, corpora: Path) -> Path:
    root = tmp_path_factory.mktemp("report")
    src = root / "evidence"
    src.mkdir()
    (src / "WhatsApp Chat with Jess.txt").write_text(OFFENDER_CHAT, encoding="utf-8")
    _screenshot(src / "threat.png", "PAY NOW or everyone sees it")
    # A distinctive pure-magenta "intimate" image: it must never be drawn in a report.
    Image.new("RGB", (640, 480), (255, 0, 255)).save(src / "private.jpg", quality=95)
    case_dir = root / "case"
    vault = Vault.create(case_dir, PASS, reference="PS-2025-0042", region="scotland", age=24)
    with vault:
        summary = vault.import_paths(
            [
                src / "WhatsApp Chat with Jess.txt",
                src / "threat.png",
                corpora / "whatsapp-chat-parser" / "short-chat.txt",
            ]
        )
        assert summary.ok, summary.to_dict()
        vault.import_paths([src / "private.jpg"], intimate=True)
        vault.update_case(me=["Me"])
    return case_dir


@pytest.fixture(scope="module")
def package(case: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pkg") / "package.zip"
    with Vault.open(case, PASS) as vault:
        res = export_package(vault, out)
        assert res.items_withheld == 1  # the intimate image, by default
    return out


def _rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a zip member by member, letting ``change(name, data)`` return new bytes or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def test_fresh_package_verifies(package: Path):
    res = verify_package(package)
    assert res.ok, res.problems
    assert any(c.startswith("signature") for c in res.checks)
    assert any(c.startswith("ledger") for c in res.checks)
    names = zipfile.ZipFile(package).namelist()
    for member in (
        "report.pdf",
        "manifest.json",
        "manifest.sig",
        "ledger.jsonl",
        "messages.jsonl",
        "indicators.csv",
        "stix-bundle.json",
        "misp-event.json",
    ):
        assert member in names


def test_intimate_image_is_withheld_from_package(package: Path):
    manifest = json.loads(zipfile.ZipFile(package).read(MANIFEST))
    withheld = [i for i in manifest["items"] if "withheld" in i]
    assert [i["filename"] for i in withheld] == ["private.jpg"]
    assert not any(n.endswith("private.jpg") for n in zipfile.ZipFile(package).namelist())


def test_flipped_byte_is_named(package: Path, tmp_path: Path):
    def flip(name: str, data: bytes) -> bytes:
        if name == "messages.jsonl":
            return bytes([data[0] ^ 1]) + data[1:]
        return data

    res = verify_package(_rewrite(package, tmp_path / "t.zip", flip))
    assert not res.ok
    assert any("messages.jsonl" in p and "SHA-256" in p for p in res.problems)


def test_deleted_member_is_named(package: Path, tmp_path: Path):
    res = verify_package(
        _rewrite(package, tmp_path / "t.zip", lambda n, d: None if n == "indicators.csv" else d)
    )
    assert not res.ok
    assert any("indicators.csv" in p and "missing" in p for p in res.problems)


def test_added_member_is_named(package: Path, tmp_path: Path):
    dst = shutil.copy(package, tmp_path / "t.zip")
    with zipfile.ZipFile(dst, "a") as zf:
        zf.writestr("items/extra/evil.txt", b"planted")
    res = verify_package(dst)
    assert not res.ok
    assert any("evil.txt" in p and "not listed" in p for p in res.problems)


def test_reordered_ledger_is_named(package: Path, tmp_path: Path):
    def reorder(name: str, data: bytes) -> bytes:
        if name == "ledger.jsonl":
            lines = data.decode().splitlines(keepends=True)
            lines[1], lines[2] = lines[2], lines[1]
            return "".join(lines).encode()
        return data

    res = verify_package(_rewrite(package, tmp_path / "t.zip", reorder))
    assert not res.ok
    assert any(p.startswith("ledger:") for p in res.problems)
    assert any("ledger.jsonl" in p for p in res.problems)


def test_swapped_signature_is_named(package: Path, tmp_path: Path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate()

    def swap(name: str, data: bytes) -> bytes:
        return other.sign(b"something else") if name == SIGNATURE else data

    res = verify_package(_rewrite(package, tmp_path / "t.zip", swap))
    assert not res.ok
    assert any(p.startswith("signature") for p in res.problems)


def test_verify_cli_exit_codes_and_json(package: Path, tmp_path: Path):
    ok = subprocess.run(
        [*_haven(), "verify", str(package), "--format", "json"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    bad = _rewrite(package, tmp_path / "bad.zip", lambda n, d: None if n == "report.pdf" else d)
    res = subprocess.run([*_haven(), "verify", str(bad)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "report.pdf" in res.stdout


def test_pinned_public_key_must_match(package: Path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from haven.report.signing import public_key_hex

    assert not verify_package(package, public_key=public_key_hex(Ed25519PrivateKey.generate())).ok
    manifest = json.loads(zipfile.ZipFile(package).read(MANIFEST))
    assert verify_package(package, public_key=manifest["signature"]["public_key"]).ok


def test_stix_bundle_parses_and_names_offender_details(package: Path):
    import stix2

    import haven.report.stix  # noqa: F401  (registers Haven's custom observables)

    raw = zipfile.ZipFile(package).read("stix-bundle.json").decode()
    bundle = stix2.parse(raw, allow_custom=False)
    types = {o.type for o in bundle.objects}
    assert {
        "haven-crypto-wallet",
        "email-addr",
        "user-account",
        "indicator",
        "observed-data",
        "file",
        "extension-definition",
    } <= types
    wallets = [o for o in bundle.objects if o.type == "haven-crypto-wallet"]
    assert [w.address for w in wallets] == [BTC]


def test_misp_event_matches_misp_object_definitions(case: Path, corpora: Path):
    from pymisp import MISPEvent

    from haven.report.data import collect
    from haven.report.misp import build_event

    with Vault.open(case, PASS) as vault:
        data = collect(vault)
    event_dict = build_event(data, definitions=corpora / "misp-objects")
    event = MISPEvent()
    event.load(event_dict)
    names = {o.name for o in event.objects}
    assert {"btc-wallet", "bank-account", "phone-number", "email"} <= names
    wallet = next(o for o in event.objects if o.name == "btc-wallet")
    assert wallet.get_attributes_by_relation("wallet-address")[0].value == BTC


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdf_text_has_every_offender_detail_and_no_intimate_image(case: Path, tmp_path: Path):
    out = tmp_path / "report.pdf"
    env = {**os.environ, "HAVEN_TEST_PASS": PASS}
    res = subprocess.run(
        [*_haven(), "case", "report", str(case), "--out", str(out), "--passphrase-env", "HAVEN_TEST_PASS"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    with Vault.open(case, PASS) as vault:
        from haven.indicators import aggregate, extract_messages

        found = aggregate(extract_messages(list(vault.messages()), vault.items()))
        intimate = [i for i in vault.items() if i.intimate]
    assert {a["kind"] for a in found} >= {"btc", "iban", "email", "phone", "handle"}
    # The person's own name (Case.me) is never listed as an offender detail.
    assert not any(a["kind"] == "name" and a["normalized"].lower() == "me" for a in found)
    for a in found:
        assert "".join(a["normalized"].split()) in flat, a
    assert "PS-2025-0042" in text
    assert "Image not shown" in text and intimate[0].sha256 in flat
    # Exactly one picture is embedded: the screenshot. The intimate image is not.
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True)
    assert len(listing.stdout.strip().splitlines()) - 2 == 1
    # And no page shows the intimate image's magenta.
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    for page in pages:
        px = np.asarray(Image.open(page).convert("RGB")).astype(int)
        magenta = (px[..., 0] > 220) & (px[..., 1] < 40) & (px[..., 2] > 220)
        assert not magenta.any(), page


def test_minor_case_never_exports_intimate_images(tmp_path: Path):
    from haven.core.errors import HavenError

    img = tmp_path / "img.jpg"
    Image.new("RGB", (64, 64), (10, 200, 30)).save(img)
    with Vault.create(tmp_path / "c", PASS, minor=True) as vault:
        vault.import_paths([img], intimate=True)
        with pytest.raises(HavenError, match="under 18"):
            export_package(vault, tmp_path / "p.zip", include_intimate=True)
        res = export_package(vault, tmp_path / "p.zip")
    assert res.items_withheld == 1 and verify_package(tmp_path / "p.zip").ok


def test_every_indicator_kind_goes_into_stix_and_misp(corpora: Path):
    """Each registered offender-detail kind, with its own first positive example, is exported without error
    (MISP objects checked against the MISP project's templates where that copy has them)."""
    import stix2

    from haven.core.models import Case
    from haven.indicators import KINDS, extract
    from haven.report.data import ReportData
    from haven.report.misp import build_event
    from haven.report.stix import build_bundle

    aggregated = []
    for name, kind in KINDS.items():
        for example in kind.examples:
            found = [i for i in extract(example.text) if i.kind == name]
            if found:
                i = found[0]
                aggregated.append({"kind": name, "value": i.value, "normalized": i.normalized, "count": 1,
                                   "valid": i.valid})
                break
    assert {a["kind"] for a in aggregated} == set(KINDS.names())
    data = ReportData(case=Case(id="c1"), tool_version="t", items=[], messages=[], indicators=[],
                      aggregated=aggregated, flags=[], flag_summary={}, key_moments=[], ledger=[])
    event = build_event(data, definitions=corpora / "misp-objects")
    assert len(event["Object"]) + len(event["Attribute"]) >= len(aggregated) - 1  # names have no MISP form
    bundle = stix2.parse(json.dumps(build_bundle(data)), allow_custom=False)
    assert sum(1 for o in bundle.objects if o.type == "indicator") >= 10
