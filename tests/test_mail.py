"""Tests for haven.mail.check_email: verdicts, extraction, obfuscation, sender checks, known lists, advice."""

from __future__ import annotations

import io
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from haven.core.errors import ImportFileError
from haven.mail import NOT, SCAM, TARGETED, KnownAddresses, check_email, load_known_addresses
from haven.mail.ocr import looks_like_photo, tesseract_available

MAILING = "sextortion-emails-mailing-lists"
REAL = {
    "2021-11-02_v9fs-developer_btc-extort_base64.eml": "bc1q8we4usmw0nf6rfm04gh8d47zqny2f0alpwernf",
    "2022-05-16_industrypack-devel_btc-extort.eml": "bc1qezav9wqhsrxyszvc9egyrd7v47pqanxx8lw48h",
    "2022-06-06_linux-f2fs-devel_btc-extort.eml": "bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7",
}
CONTRACT_KEYS = {
    "verdict",
    "confidence",
    "reasons",
    "crypto_addresses",
    "amount",
    "deadline",
    "quoted_password",
    "sender_spoofing",
    "language",
    "advice",
}

SCAM_BODY = (
    "Hello!\n\nI know that hunter2016 is your password. I hacked your computer with my malware.\n"
    "While you were watching adult videos, I recorded you through your webcam.\n"
    "Send $1,450 in Bitcoin to my wallet: {address}\n"
    "You have 48 hours. If I do not get the money, I will send the video to all your contacts.\n"
    "Do not go to the police.\n"
)


def make_email(
    body: str,
    *,
    subject: str = "Security alert",
    sender: str = "x@mail.example",
    to: str = "you@example.org",
    reply_to: str | None = None,
    auth: str | None = None,
    html: str | None = None,
    images: list[tuple[bytes, str]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if reply_to:
        msg["Reply-To"] = reply_to
    if auth:
        msg["Authentication-Results"] = auth
    if html is None:
        msg.set_content(body)
    else:
        msg.set_content(html, subtype="html")
    for data, subtype in images:
        msg.add_attachment(data, maintype="image", subtype=subtype, filename=f"picture.{subtype}")
    return msg.as_bytes()


# --------------------------------------------------------------------------------------- the real emails


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_sextortion_mails_are_scam_bluff(corpora: Path, name: str) -> None:
    verdict = check_email((corpora / MAILING / name).read_bytes(), name)
    data = verdict.to_dict()
    assert set(data) >= CONTRACT_KEYS
    assert data["verdict"] == SCAM
    assert data["confidence"] >= 0.9
    addresses = {a["value"]: a for a in data["crypto_addresses"]}
    assert addresses[REAL[name]]["valid"] is True
    assert addresses[REAL[name]]["kind"] == "btc"
    assert data["language"] == "en"
    assert data["amount"]["value"] in (1000.0, 1300.0) and data["amount"]["currency"] == "USD"
    assert data["deadline"]["hours"] == 48
    assert any("shows nothing" in r for r in data["reasons"])
    steps = {a["guide_step"] for a in data["advice"]}
    assert {"dont-pay", "email-report-sers", "keep-evidence"} <= steps
    assert "ncsc-sers" in {a["service"] for a in data["advice"]}


def test_openwrt_patch_is_not_sextortion(corpora: Path) -> None:
    path = corpora / MAILING / "NEGATIVE_2019-12_openwrt-devel_PDS_BTC_ID_false_positive.eml.partial"
    data = check_email(path.read_bytes(), path.name).to_dict()
    assert data["verdict"] == NOT
    assert data["crypto_addresses"] == []
    assert data["quoted_password"]["present"] is False
    assert not any(a["guide_step"] == "dont-pay" for a in data["advice"])


def test_mailing_list_rewrite_is_not_called_a_forgery(corpora: Path) -> None:
    name = "2021-11-02_v9fs-developer_btc-extort_base64.eml"
    data = check_email((corpora / MAILING / name).read_bytes(), name).to_dict()
    spoof = data["sender_spoofing"]
    assert spoof["from_equals_to"] is False  # From was rewritten to the list address by Mailman
    assert spoof["reply_to_differs"] is True and spoof["reply_to"] == "lily.castillo@tome.cl"
    assert "double-space" in data["obfuscations"]


# ---------------------------------------------------------------------------------- extraction & senders


def test_forged_sender_failed_checks_password_and_details() -> None:
    raw = make_email(
        SCAM_BODY.format(address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        sender="you@example.org",
        to="you@example.org",
        auth="mx.example.org; spf=softfail smtp.mailfrom=example.org; dkim=none; dmarc=fail",
    )
    data = check_email(raw, "forged.eml").to_dict()
    assert data["verdict"] == SCAM
    spoof = data["sender_spoofing"]
    assert spoof["from_equals_to"] is True
    assert spoof["spf"] == "softfail" and spoof["dmarc"] == "fail" and spoof["dkim"] == "none"
    assert spoof["failed_checks"] == ["SPF", "DMARC"]
    assert "forged_own_address" in data["reason_ids"] and "auth_failed" in data["reason_ids"]
    assert data["quoted_password"]["present"] is True
    assert data["quoted_password"]["value"] == "hunter2016"
    assert data["quoted_password"]["breached"] is None  # nothing to check against: not checked, not guessed
    assert data["amount"] == {"value": 1450.0, "currency": "USD", "text": "$1,450"}
    assert data["deadline"] == {"text": "48 hours", "hours": 48}
    assert "change-password" in {a["id"] for a in data["advice"]}


def test_invalid_checksum_address_is_reported_invalid() -> None:
    bad = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"  # last character changed
    data = check_email(make_email(SCAM_BODY.format(address=bad))).to_dict()
    assert [(a["value"], a["valid"]) for a in data["crypto_addresses"]] == [(bad, False)]


def test_known_address_from_the_research_list(corpora: Path) -> None:
    known = load_known_addresses(corpora / "sextortion-spam-bitcoin-aft2019" / "addresses.csv")
    assert len(known) > 12000
    address = "1KD6jtQ96HD5GmGuiuBDA71J3qHiT1F9XP"  # row 2 of the AFT 2019 list
    data = check_email(make_email(SCAM_BODY.format(address=address)), known_addresses=known).to_dict()
    entry = data["crypto_addresses"][0]
    assert entry["value"] == address and entry["valid"] is True and entry["known"] is True
    assert any("known sextortion spam" in r and "addresses.csv" in r for r in data["reasons"])


def test_known_address_csv_with_counts(tmp_path: Path) -> None:
    csv_path = tmp_path / "wallets.csv"
    csv_path.write_text("wallet;n_emails\nbc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq;137\nnot-an-address;3\n")
    known = load_known_addresses([csv_path])
    assert len(known) == 1
    data = check_email(
        make_email(SCAM_BODY.format(address="BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ")),
        known_addresses=known,
    ).to_dict()
    assert data["crypto_addresses"][0]["known_count"] == 137
    assert any("appears in 137 known sextortion spam emails" in r for r in data["reasons"])
    empty = tmp_path / "empty.csv"
    empty.write_text("name,city\nAnn,Leeds\n")
    with pytest.raises(Exception, match="No wallet addresses"):
        KnownAddresses().add_csv(empty)


# ------------------------------------------------------------------------------------------ obfuscations


def test_zero_width_and_homoglyphs_are_undone() -> None:
    body = SCAM_BODY.format(address="bc1q\u200bar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    body = (
        body.replace("recorded", "re\u200bcоrded").replace("webcam", "wеbсam").replace("Bitcoin", "Вitcоin")
    )
    data = check_email(make_email(body)).to_dict()
    assert data["verdict"] == SCAM
    assert {"zero-width", "homoglyph"} <= set(data["obfuscations"])
    assert data["crypto_addresses"][0]["value"] == "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    assert data["crypto_addresses"][0]["valid"] is True


def test_html_split_address_and_hidden_junk() -> None:
    html = (
        "<html><body><p>I recorded you with your webcam on a porn site.</p>"
        "<p>Pay 900 EUR in bitcoin to b<span>c1qar0srrr7xfkvy5l</span><span style='display:none'>zz</span>"
        "<b>643lydnw9re59gtzzwf5mdq</b></p><p>You have 2 days, or I send the video to all your "
        "friends.</p></body></html>"
    )
    data = check_email(make_email("", html=html)).to_dict()
    assert data["verdict"] == SCAM
    assert data["crypto_addresses"][0]["value"] == "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    assert "hidden-text" in data["obfuscations"]
    assert data["amount"]["currency"] == "EUR"


def _address_png(address: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=26)
    img = Image.new("RGB", (int(font.getlength(address)) + 40, 70), "white")
    ImageDraw.Draw(img).text((20, 20), address, fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _photo_jpeg() -> bytes:
    from PIL import Image

    channels = [Image.effect_noise((320, 240), sigma) for sigma in (30, 45, 60)]
    buf = io.BytesIO()
    Image.merge("RGB", channels).save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.mark.slow
def test_address_in_a_picture_is_read_with_ocr() -> None:
    assert tesseract_available(), "Tesseract is a runtime dependency (scripts/system-deps.sh)"
    body = (
        "I hacked your phone and recorded you with the camera while you watched porn.\n"
        "Pay 1000 USD in Bitcoin. The wallet address is in the picture.\n"
        "You have 48 hours, or I send the video to your family.\n"
    )
    raw = make_email(body, images=[(_address_png("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"), "png")])
    data = check_email(raw).to_dict()
    assert data["verdict"] == SCAM  # a picture of text is not a photo of the person
    entry = data["crypto_addresses"][0]
    assert entry == {
        **entry,
        "value": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
        "valid": True,
        "source": "image",
    }
    assert "address_in_image" in data["reason_ids"]
    without = check_email(raw, ocr=False).to_dict()
    assert without["crypto_addresses"] == []


def test_photo_detection(conformance: Path) -> None:
    photos = sorted(conformance.rglob("*.jpg"))[:2]
    assert photos, "the PDQ conformance images are photographs"
    for photo in photos:
        assert looks_like_photo(photo.read_bytes())
    assert not looks_like_photo(_address_png("1BoatSLRHtKNngkdXEeobR76b53LETtpyT"))
    assert not looks_like_photo(b"not an image")


# -------------------------------------------------------------------------------------------- targeted


def test_targeted_threat_with_photo_platform_and_names() -> None:
    body = (
        "Daniel, remember our chat on Instagram last night? You sent me your nudes. Look at the picture "
        "attached.\nYour mother Karen and your sister Emma will get everything.\n"
        "Pay 500 pounds today or I post the photos on your profile and send them to all your followers.\n"
    )
    data = check_email(make_email(body, images=[(_photo_jpeg(), "jpeg")]), ocr=False).to_dict()
    assert data["verdict"] == TARGETED
    assert {"real_picture", "platform_conversation", "names_contacts"} <= set(data["reason_ids"])
    assert any("Karen" in r and "Emma" in r for r in data["reasons"])
    steps = {a["guide_step"] for a in data["advice"]}
    assert "report-police" in steps and "email-report-sers" not in steps


def test_same_words_without_specifics_stay_a_bluff() -> None:
    body = (
        "I hacked your device and recorded you with your camera on an adult site. I have your contacts.\n"
        "Pay 500 pounds in bitcoin today or I send the video to all your friends and family.\n"
    )
    assert check_email(make_email(body)).verdict == SCAM


# -------------------------------------------------------------------------------------- hard negatives


@pytest.mark.parametrize(
    "body",
    [
        "Hi Sam, we received a request to reset your password. This link expires in 24 hours. "
        "If you did not request it, ignore this email.",
        "Bitcoin climbed above $60,000 this week. Hackers stole funds from a bridge. Donate: "
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq. Unsubscribe.",
        "Warning: scammers send emails claiming they recorded you through your webcam on porn sites and "
        "demanding $1,000 in bitcoin within 48 hours or they will send the video to your contacts. "
        "This is a scam. Do not pay, and report it.",
        "Here is the photo from the party! Your mother looks great. Can you send me 20 pounds for the cake?",
    ],
)
def test_hard_negatives(body: str) -> None:
    assert check_email(make_email(body)).verdict == NOT


# ------------------------------------------------------------------------------------- inputs & errors


def test_pasted_text_without_headers() -> None:
    text = SCAM_BODY.format(address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT").encode()
    verdict = check_email(text, "pasted")
    assert verdict.verdict == SCAM
    assert any("without email headers" in w for w in verdict.warnings)
    assert verdict.sender_spoofing.from_address == ""


def test_pasted_text_that_starts_like_a_header_keeps_its_words() -> None:
    text = "Attention: I hacked your camera and recorded you on a porn site.\n\n" + SCAM_BODY.format(
        address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    )
    verdict = check_email(text.encode(), "pasted")
    assert verdict.verdict == SCAM
    # read as pasted text, not as an email whose first line is an "Attention" header
    assert any("without email headers" in w for w in verdict.warnings)


def test_outlook_msg_input(tmp_path: Path) -> None:
    from test_emailparse import build_msg

    body = SCAM_BODY.format(address="bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh").replace("\n", "\r\n")
    path = build_msg(
        tmp_path / "scam.msg",
        subject="Your password",
        body=body,
        sender_name="Bad",
        sender_email="bad@mail.example",
        to_name="You",
        to_email="you@example.org",
    )
    data = check_email(path.read_bytes(), path.name).to_dict()
    assert data["verdict"] == SCAM
    assert data["crypto_addresses"][0]["valid"] is True


@pytest.mark.parametrize(
    "data", [b"", b"  \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"Subject: x\n\x00\x00"]
)
def test_unreadable_input_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(ImportFileError) as err:
        check_email(data, "broken.eml")
    assert "broken.eml" in err.value.message


def test_no_network_without_online(monkeypatch: pytest.MonkeyPatch) -> None:
    from haven.mail import PwnedPasswords

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network used without --online")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    raw = make_email(SCAM_BODY.format(address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"))
    data = check_email(raw, pwned=PwnedPasswords(None, online=False)).to_dict()
    assert data["quoted_password"]["checked"] == "no" and data["quoted_password"]["sent"] is None


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "de",
            "Ich habe Ihr Gerät gehackt und Sie über Ihre Webcam gefilmt. Zahlen Sie 900 Euro in Bitcoin.",
        ),
        (
            "fr",
            "J'ai piraté votre ordinateur et je vous ai filmé avec votre webcam. Payez 900 euros en bitcoin.",
        ),
        ("es", "He hackeado tu ordenador y te he grabado con tu cámara. Paga 900 euros en bitcoin ahora."),
        ("it", "Ho violato il tuo computer e ti ho registrato con la tua webcam. Paga 900 euro in bitcoin."),
        ("nl", "Ik heb je computer gehackt en je gefilmd met je webcam. Betaal 900 euro in bitcoin."),
        ("en", "I hacked your computer and recorded you with your webcam. Pay 900 euros in bitcoin."),
    ],
)
def test_language_is_detected(lang: str, text: str) -> None:
    assert check_email(text.encode()).language == lang


def test_advice_ids_exist_in_the_guide() -> None:
    from haven.guide.knowledge import service_map, steps
    from haven.mail.verdict import advice_items

    step_ids = {s.id for s in steps()}
    service_ids = set(service_map())
    for item in advice_items():
        if item.get("guide_step"):
            assert item["guide_step"] in step_ids, item["id"]
        if item.get("service"):
            assert item["service"] in service_ids, item["id"]
        assert item["sources"], item["id"]
    assert "ncsc-sers" in service_ids


def test_ocr_misreads_are_repaired_only_when_the_checksum_holds() -> None:
    from haven.mail.check import repair_ocr_addresses

    fixed = repair_ocr_addresses("wallet: bce1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhxOwlh")
    assert "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh" in fixed.split()
    assert "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" in repair_ocr_addresses("IBoatSLRHtKNngkdXEeobR76b53LETtpyT")
    body = SCAM_BODY.format(address="(see picture)")
    from haven.mail.check import _addresses

    found = _addresses(repair_ocr_addresses("IBoatSLRHtKNngkdXEeobR76b53LETtpyO"), "image", None)
    assert not any(a.valid for a in found)  # no spelling of a broken address passes the checksum
    assert check_email(make_email(body)).crypto_addresses == []


def test_huge_email_is_capped_not_refused() -> None:
    body = SCAM_BODY.format(address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT") + ("filler words here. " * 20000)
    verdict = check_email(make_email(body))
    assert verdict.verdict == SCAM
    assert any("characters were checked" in w for w in verdict.warnings)
