"""Plain words for what the app shows from the case's data: kinds of detail, amounts, time zones, file
kinds, warnings, red flags and the email check, in English and in Welsh, and quotes that never stop inside
a word or a web address."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

from haven.core.warnings import Notice
from haven.web import flag_words, i18n, mail_words, words

from .conftest import CHAT, EXAMPLES, csrf, new_case

SRC = Path(__file__).resolve().parents[2] / "src" / "haven"
BLUFF = (
    "Subject: Your account is hacked\n\nI hacked your computer and recorded you with your webcam. "
    "Your password is hunter2. Pay 1500 USD in Bitcoin to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT "
    "within 48 hours. "
    "If I do not get the payment, I will send the video to all your contacts. Do not tell the police.\n"
)


def test_raw_kinds_amounts_and_zones_in_plain_words():
    assert words.kind_label("btc") == "Bitcoin wallet"
    assert words.kind_label("uk-bank-account") == "UK bank account"
    assert words.money("USD:1300") == "$1,300" and words.money("GBP:12.5") == "£12.50"
    assert words.detail_value({"kind": "amount", "normalized": "USD:1300"}) == "$1,300"
    assert (
        words.zone_name("Europe/London") == "UK time"
        and words.zone_name("America/New_York") == "New York time"
    )
    basis = (
        "local time in Europe/London (the case's region, wales); dates read day first (as chosen at import)"
    )
    assert words.basis_text(basis) == (
        "Time zone: UK time, from where you live. Dates: day first, like 14/03, as you chose."
    )
    assert words.format_label("whatsapp") == "WhatsApp chat"
    zone = Notice("zone-assumed", file="chat.txt", zone="Etc/UTC", basis="this computer's zone")
    assert "Etc/UTC" not in words.notice_text(zone) and "world time" in words.notice_text(zone)
    old = "chat.txt: 2 attached file(s) named in the chat are not in the export (kept as file names only)"
    assert "file(s)" not in words.notice_text(old) and "2 attached files" in words.notice_text(old)


def test_quotes_never_stop_inside_a_word_or_an_address():
    text = "hi. pay 200 to paypal.me/samj0nes or everyone sees this"
    assert words.quote(text, 0, 0, "pay 200 to paypal.") == "… pay 200 to paypal.me/samj0nes …"
    assert words.quote(text, 26, 30) == "… paypal.me/samj0nes …"
    assert words.context_text("…5-WA0001.jpg (file attached) pay 200") == "… (file attached) pay 200"
    long = "word " * 100
    assert words.quote(long, 0, len(long)).endswith("word …")


def test_every_red_flag_and_email_reason_is_listed_for_the_catalogue():
    flags = tomllib.loads((SRC / "flags" / "data" / "en.toml").read_text(encoding="utf-8"))["flags"]
    assert set(flags) == set(flag_words.FLAG_LABELS)
    assert {f["explanation"] for f in flags.values()} == set(flag_words.EXPLANATIONS)
    reasons = tomllib.loads((SRC / "mail" / "data" / "reasons.toml").read_text(encoding="utf-8"))["reasons"]
    assert reasons == mail_words.REASONS
    advice = tomllib.loads((SRC / "mail" / "data" / "advice.toml").read_text(encoding="utf-8"))["advice"]
    assert {a["id"]: a["text"] for a in advice} == mail_words.ADVICE
    cy = {m.id: m.string for m in i18n.catalogue("cy") if m.id}
    for template in mail_words.REASONS.values():  # the {places} survive translation
        assert set(re.findall(r"\{\w+\}", template)) == set(re.findall(r"\{\w+\}", cy[template])), template


def test_case_pages_show_plain_words(client):
    c, app = client
    new_case(c, app)
    files = [("files", (p.name, p.read_bytes())) for p in (CHAT, EXAMPLES / "email" / "threat.eml")]
    added = c.post("/evidence/add", data={"csrf": csrf(app)}, files=files).text
    assert "WhatsApp chat" in added and "file(s)" not in added and "Etc/UTC" not in added
    details = c.get("/evidence/details").text
    assert "Amount asked" in details and "£500" in details and "GBP:500" not in details
    assert "Format checked" not in details and ">paypalme" not in details and "…5-WA0001" not in details
    flags = c.get("/evidence/flags").text
    assert (
        "paypal.me/samj0nes" in flags and "payment-demand" not in flags.split("<main")[1].split("value=")[0]
    )
    assert "pay 200 to paypal.<" not in flags
    timeline = c.get("/evidence/timeline").text
    assert "Time zone:" in timeline and "local time in" not in timeline
    cy = c.get("/evidence/details?lang=cy").text
    assert "Swm a ofynnwyd" in cy and "Amount asked" not in cy


def test_the_email_check_in_plain_words_and_in_welsh(client):
    c, app = client
    r = c.post("/email", data={"csrf": csrf(app), "email": BLUFF})
    assert "It asks for payment in Bitcoin" in r.text and "in BTC" not in r.text
    assert 'href="mailto:report@phishing.gov.uk"' in r.text  # an address to tap, not to retype
    c.get("/home?lang=cy")
    r = c.post("/email", data={"csrf": csrf(app), "email": BLUFF})
    text = html.unescape(r.text)
    assert "Mae'n gofyn am daliad mewn Bitcoin" in text and "Do not pay." not in text
    assert "It says it filmed you" not in text
