"""Police-grade evidence (issue 15): exhibits used everywhere, the continuity statement, findings with
provenance grouped by side, dates read by the case's region and said so, payment evidence from both
sides, TLP-marked STIX, MISP ``to_ids`` only for the offender, and re-packed packages that still verify.

One Scotland case is built once per module (a WhatsApp chat with ambiguous dates, one whose dates settle
month-first, a screenshot, a mailing-list email, a note, the person's shared answers) and exported once.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from haven.report.package import export_package
from haven.report.verify import verify_package
from haven.vault import Vault

PASS = "correct horse battery staple"
AMBIGUOUS_CHAT = """\
06/03/2017, 21:02 - Jess: hey cutie, saw your pics on insta
06/03/2017, 21:05 - Me: who is this?
06/03/2017, 22:40 - Jess: I recorded our video call. Pay £500 or I send it to all your followers
06/03/2017, 22:41 - Jess: buy a Steam card and send me the code within 24 hours
06/03/2017, 22:50 - Me: here is the code 7QX4M-9KJ2T-WP3RZ
07/03/2017, 09:00 - Jess: now send 300 more to revolut.me/jessxo22 or paypal me at paypal.me/okafor22
07/03/2017, 09:01 - Jess: or bank: Account name: Daniel Okafor, sort code 20-00-00, account 55779911
07/03/2017, 09:05 - Aunt May: who is Jess? call me on 07700 900123
"""
MONTH_FIRST_CHAT = """\
03/25/2017, 10:00 - Sam: did you see the message from Jess?
03/25/2017, 10:02 - Me: yes, I am scared
03/26/2017, 11:00 - Sam: tell the police
"""
LIST_EMAIL = """\
From: "Weekly News" <news@lists.example.org>
To: someone@example.net
Reply-To: list-admin@lists.example.org
List-Id: <weekly.lists.example.org>
Subject: This week's news
Date: Tue, 07 Mar 2017 08:00:00 +0000
Message-ID: <abc@lists.example.org>
Content-Type: text/plain; charset=utf-8

Hello subscribers, nothing to see here.
"""


def _pdf_text(pdf: bytes, tmp: Path) -> str:
    (tmp / "r.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(tmp / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("police")
    src = root / "evidence"
    src.mkdir()
    (src / "WhatsApp Chat with Jess.txt").write_text(AMBIGUOUS_CHAT, encoding="utf-8")
    (src / "WhatsApp Chat with Sam.txt").write_text(MONTH_FIRST_CHAT, encoding="utf-8")
    (src / "newsletter.eml").write_text(LIST_EMAIL, encoding="utf-8")
    im = Image.new("RGB", (900, 200), (255, 255, 255))
    ImageDraw.Draw(im).text((20, 80), "PAY NOW or everyone sees it", fill=(0, 0, 0))
    im.save(src / "threat.png")
    case_dir = root / "case"
    with Vault.create(case_dir, PASS, reference="PS-2017-0099", region="scotland", age=24) as vault:
        from haven.report.exhibits import set_initials

        set_initials(vault, "s.j.")
        vault.update_case(me=["Me"], own_accounts={"whatsapp": "+44 7700 900777"},
                          police_account={"paid": True, "amount": "£50 Steam card", "how": "gift card"})
        summary = vault.import_paths([src / "WhatsApp Chat with Jess.txt", src / "WhatsApp Chat with Sam.txt",
                                      src / "newsletter.eml", src / "threat.png"])
        assert summary.ok, summary.to_dict()
        vault.add_note("He first wrote on Instagram on 6 March; I paid with a Steam card that night.")
    return case_dir


@pytest.fixture(scope="module")
def package(case: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("police-pkg") / "package.zip"
    with Vault.open(case, PASS) as vault:
        export_package(vault, out)
    return out


@pytest.fixture(scope="module")
def members(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.startswith("items/")}


@pytest.fixture(scope="module")
def pdf_text(members: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> str:
    return _pdf_text(members["report.pdf"], tmp_path_factory.mktemp("pdftext"))


@pytest.fixture(scope="module")
def rows(members: dict[str, bytes]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(members["indicators.csv"].decode())))


def _messages(case: Path, conversation: str):
    with Vault.open(case, PASS) as vault:
        return list(vault.messages(conversation))


def test_ambiguous_dates_in_a_scotland_case_are_read_day_first_and_the_pdf_says_so(case: Path, pdf_text: str):
    msgs = _messages(case, "Jess")
    assert msgs[0].timestamp_utc.month == 3 and msgs[0].timestamp_utc.day == 6  # 6 March, not 3 June
    assert all(m.timestamp_ambiguous for m in msgs)
    assert "day first (the case region's usual order" in msgs[0].timestamp_basis
    assert "Europe/London (the case's region, scotland)" in msgs[0].timestamp_basis
    flat = " ".join(pdf_text.split())
    assert "dates read day first (the case region's usual order" in flat
    assert "day/month unsure" in flat


def test_a_file_whose_own_dates_settle_the_order_overrides_the_region(case: Path):
    msgs = _messages(case, "Sam")
    assert (msgs[0].timestamp_utc.month, msgs[0].timestamp_utc.day) == (3, 25)
    assert not any(m.timestamp_ambiguous for m in msgs)
    assert "settled by the file's own dates" in msgs[0].timestamp_basis


def test_date_order_option_wins(tmp_path: Path):
    (tmp_path / "WhatsApp Chat with Jess.txt").write_text(AMBIGUOUS_CHAT, encoding="utf-8")
    with Vault.create(tmp_path / "c", PASS, region="scotland") as vault:
        vault.import_paths([tmp_path / "WhatsApp Chat with Jess.txt"], options={"date_order": "mdy"})
        first = next(iter(vault.messages()))
    assert (first.timestamp_utc.month, first.timestamp_utc.day) == (6, 3)
    assert "as chosen at import" in first.timestamp_basis


def test_every_exhibit_is_in_pdf_manifest_csv_stix_misp_and_continuity(case: Path, members, pdf_text, rows):
    manifest = json.loads(members["manifest.json"])
    refs = {i["exhibit"]: i for i in manifest["items"]}
    with Vault.open(case, PASS) as vault:
        n_items = len(vault.items())
    assert sorted(refs) == sorted(f"SJ/{n}" for n in range(1, n_items + 1))
    stix = members["stix-bundle.json"].decode()
    misp = members["misp-event.json"].decode()
    continuity = members["continuity-statement.txt"].decode()
    csv_exhibits = {e for r in rows for e in r["exhibits"].split("; ") if e}
    flat_pdf = " ".join(pdf_text.split())
    for ref, item in refs.items():
        assert ref in flat_pdf, ref
        assert f"Exhibit {ref}" in stix and f"exhibit {ref} " in misp, ref
        # the continuity statement lists every exhibit with its SHA-256
        assert f"{ref}: {item['filename']}" in continuity and f"SHA-256 {item['sha256']}" in continuity
    chat_refs = {refs[r]["exhibit"] for r in refs if refs[r]["filename"].startswith("WhatsApp Chat with")}
    assert chat_refs <= csv_exhibits  # the findings' CSV names the exhibits they came from
    listed = list(csv.DictReader(io.StringIO(members["exhibits.csv"].decode())))
    assert [(r["exhibit"], r["sha256"]) for r in listed] == [(ref, refs[ref]["sha256"]) for ref in sorted(
        refs, key=lambda x: int(x.split("/")[1]))]


def test_continuity_statement_is_first_person_and_leaves_the_statement_to_the_officer(members, pdf_text):
    text = members["continuity-statement.txt"].decode()
    assert text.startswith("Continuity statement") and "I collected" in text
    assert "officer who takes my statement will write the formal witness statement" in text
    assert "I did not change any of the original files" in text and "hash chain of" in text
    assert "WhatsApp: +44 7700 900777" in text  # the person's own account
    assert "Continuity statement" in pdf_text and "I did not change any of the original" in " ".join(
        pdf_text.split())


def test_every_offender_detail_in_the_csv_has_an_exhibit_and_a_message_id(rows):
    offender = [r for r in rows if r["side"] == "offender"]
    assert offender
    for r in offender:
        assert r["exhibits"], r
        if not r["conversations"].startswith("screenshot "):
            assert r["message_ids"], r
        assert r["first_seen"], r


def test_participants_and_header_addresses_are_not_offender_details(rows, members):
    by_value = {r["normalized"]: r for r in rows}
    for addr in ("news@lists.example.org", "list-admin@lists.example.org", "someone@example.net"):
        assert by_value[addr]["side"] == "address from email headers", by_value[addr]
        assert by_value[addr]["to_ids"] == "False"
    assert by_value["aunt may"]["side"] == "other person in these conversations"
    # written by a third person in a conversation whose offender is known: not an offender detail
    assert by_value["+447700900123"]["side"] == "other person in these conversations"
    assert by_value["jess"]["side"] == "offender"  # the sender who made the threats is the offender
    event = json.loads(members["misp-event.json"])
    attrs = [a for o in event.get("Object", []) for a in o["Attribute"]] + event.get("Attribute", [])
    for a in attrs:
        if "lists.example.org" in a["value"] or a["value"] == "someone@example.net":
            assert a["to_ids"] is False, a
    assert any(a["to_ids"] for a in attrs)  # the offender's details are for blocklists
    assert event["date"] == "2017-03-06"
    stix = json.loads(members["stix-bundle.json"])
    patterns = " ".join(o.get("pattern", "") for o in stix["objects"] if o["type"] == "indicator")
    assert "lists.example.org" not in patterns and "revolut" in patterns


def test_victim_sent_gift_card_code_is_kept_and_labelled(rows, pdf_text):
    code = [r for r in rows if r["kind"] == "gift-card"]
    assert [(r["normalized"], r["side"]) for r in code] == [("steam:7QX4M9KJ2TWP3RZ", "sent by the victim")]
    assert code[0]["to_ids"] == "False"
    # the victim's other words are not taken for the offender's
    assert not any(r["normalized"] == "me" or r["senders"] == "Me" for r in rows if r["side"] == "offender")
    flat = " ".join(pdf_text.split())
    assert "Sent by the victim (evidence of payment)" in flat and "7QX4M9KJ2TWP3RZ" in flat


def test_payment_apps_and_payee_name_are_found_and_paypal_gives_no_email(rows):
    found = {(r["kind"], r["normalized"]) for r in rows}
    assert ("revolut", "revolut:jessxo22") in found
    assert ("paypalme", "paypal:okafor22") in found
    assert ("payee-name", "daniel okafor") in found
    assert not [r for r in rows if r["kind"] == "email" and "paypal" in r["normalized"]]


def test_notes_and_shared_answers_reach_the_pdf(pdf_text):
    flat = " ".join(pdf_text.split())
    assert "I paid with a Steam card that night" in flat
    assert "£50 Steam card" in flat and "+44 7700 900777" in flat


def test_platform_report_drafts(members, pdf_text):
    text = members["platform-reports.txt"].decode()
    assert "== WhatsApp ==" in text and "How to report:" in text and "PS-2017-0099" in text
    assert "Reports to the platforms" in pdf_text


def test_transcript_is_paged_html_and_csv(members):
    assert b"Jess" in members["transcript/page-00001.html"]
    assert b"page-00001.html" in members["transcript/index.html"]
    lines = list(csv.DictReader(io.StringIO(members["transcript/messages.csv"].decode())))
    assert len(lines) == members["messages.jsonl"].count(b"\n") and lines[0]["exhibit"].startswith("SJ/")


def test_stix_parses_every_object_is_marked_and_a_report_ties_them(members, case: Path, tmp_path: Path):
    import stix2

    bundle = stix2.parse(members["stix-bundle.json"].decode(), allow_custom=False)
    marking = [o for o in bundle.objects if o.type == "marking-definition"]
    assert [m.id for m in marking] == [stix2.TLP_AMBER.id]
    others = [o for o in bundle.objects if o.type != "marking-definition"]
    assert all(o.object_marking_refs == [stix2.TLP_AMBER.id] for o in others)
    report = [o for o in others if o.type == "report"]
    assert len(report) == 1 and report[0].report_types == ["threat-report"]
    tied = set(report[0].object_refs)
    assert all(o.id in tied for o in others if o.type not in ("report", "extension-definition"))
    with Vault.open(case, PASS) as vault:
        export_package(vault, tmp_path / "red.zip", tlp="red")
    with zipfile.ZipFile(tmp_path / "red.zip") as zf:
        red = json.loads(zf.read("stix-bundle.json"))
        assert "tlp:red" in zf.read("misp-event.json").decode()
    assert {o["id"] for o in red["objects"] if o["type"] == "marking-definition"} == {stix2.TLP_RED.id}


@pytest.mark.skipif(shutil.which("zip") is None, reason="the zip tool is not installed")
def test_package_rezipped_with_zip_r_verifies_and_one_changed_byte_fails(package: Path, tmp_path: Path):
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(unpacked)
    rezipped = tmp_path / "rezipped.zip"
    subprocess.run(["zip", "-qr", str(rezipped), "."], cwd=unpacked, check=True)
    with zipfile.ZipFile(rezipped) as zf:
        assert any(i.filename.endswith("/") for i in zf.infolist())  # zip -r adds folder entries
    res = verify_package(rezipped)
    assert res.ok, res.problems
    assert any("folder entr" in n for n in res.notes)
    target = unpacked / "messages.jsonl"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    changed = tmp_path / "changed.zip"
    subprocess.run(["zip", "-qr", str(changed), "."], cwd=unpacked, check=True)
    res = verify_package(changed)
    assert not res.ok and any("messages.jsonl" in p for p in res.problems)


def test_uploaded_files_keep_their_names_and_say_how_they_came(tmp_path: Path):
    from haven.report.exhibits import UPLOADED, acquisition
    from haven.web.uploads import MemFile, exposed

    files = []
    for text in (AMBIGUOUS_CHAT, MONTH_FIRST_CHAT):
        f = MemFile("WhatsApp Chat with Jess.txt", "text/plain")
        f.write(text.encode())
        files.append(f)
    with Vault.create(tmp_path / "c", PASS, region="scotland") as vault:
        with exposed(tmp_path / "run", files) as paths:
            assert [p.name for p in paths] == ["WhatsApp Chat with Jess.txt"] * 2
            vault.import_paths(paths)
        items = vault.items()
        assert [i.filename for i in items] == ["WhatsApp Chat with Jess.txt"] * 2
        assert all(acquisition(i) == UPLOADED for i in items)
        out = tmp_path / "p.zip"
        export_package(vault, out)
    for f in files:
        f.close()
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        text = _pdf_text(zf.read("report.pdf"), tmp_path)
    items = manifest["items"]
    assert all(i["acquired_how"] == UPLOADED and i["source_path"].startswith("upload:") for i in items)
    assert "uploaded in the Haven app" in text and "browser-upload" not in text


def test_initials_are_fixed_after_the_first_export(case: Path, package: Path):
    from haven.core.errors import HavenError
    from haven.report.exhibits import set_initials

    with Vault.open(case, PASS) as vault:
        assert vault.case.initials == "SJ"
        with pytest.raises(HavenError, match="already been exported"):
            set_initials(vault, "AB")


def test_the_persons_account_goes_in_only_with_agreement(tmp_path: Path):
    import os
    import sys

    from haven.core.errors import HavenError
    from haven.guide.models import Answers
    from haven.report.account import share_with_police

    with Vault.create(tmp_path / "c", PASS, region="wales") as vault:
        with pytest.raises(HavenError, match="only added"):
            share_with_police(vault, Answers(paid="yes-collected"), agreed=False)
        assert vault.case.police_account == {}
    env = {**os.environ, "HAVEN_TEST_PASS": PASS}
    args = ["case", "share-account", str(tmp_path / "c"), "--yes", "--paid", "yes-collected",
            "--amount", "£120", "--how", "gift-card", "--platform", "instagram",
            "--account", "instagram=sam.j2009",
            "--passphrase-env", "HAVEN_TEST_PASS"]
    res = subprocess.run([sys.executable, "-m", "haven", *args], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    with Vault.open(tmp_path / "c", PASS) as vault:
        case = vault.case
        assert case.police_account["paid"] == "yes, and it was collected"
        assert case.police_account["amount"] == "£120"
        assert case.own_accounts == {"instagram": "sam.j2009"}
        export_package(vault, tmp_path / "p.zip")
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        flat = " ".join(_pdf_text(zf.read("report.pdf"), tmp_path).split())
        drafts = zf.read("platform-reports.txt").decode()
    assert "£120" in flat and "sam.j2009" in flat and "yes, and it was collected" in flat
    assert "== Instagram ==" in drafts and "My own account here is sam.j2009" in drafts
