"""Tests for haven.importers.emailparse: the shared email parser (.eml bytes, mbox, Outlook .msg)."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haven.core.errors import ImportFileError
from haven.importers.emailparse import html_to_text, iter_mbox, looks_like_email, parse_email, parse_msg

MAILING = "sextortion-emails-mailing-lists"


# ----------------------------------------------------------------------------------- real corpus emails


def test_base64_utf8_sextortion_mail(corpora: Path) -> None:
    path = corpora / MAILING / "2021-11-02_v9fs-developer_btc-extort_base64.eml"
    parsed = parse_email(path.read_bytes(), path.name)
    assert parsed.subject.startswith("[V9fs-developer] Here is the last warning!")
    assert "\n" not in parsed.subject  # folded header unfolded
    assert parsed.from_address == "v9fs-developer@lists.sourceforge.net"
    assert parsed.reply_to_address == "lily.castillo@tome.cl"
    assert parsed.to_addresses == ["v9fs-developer@lists.sourceforge.net"]
    assert parsed.return_path_address == "v9fs-developer-bounces@lists.sourceforge.net"
    assert parsed.message_id == "<C8dsfIx-6331US-Go@tome.cl>"
    assert parsed.date == datetime(2021, 11, 2, 22, 21, 36, tzinfo=UTC)
    assert len(parsed.received) == 3
    assert parsed.received[0].startswith("from lists.sourceforge.net")
    # base64 body decoded as UTF-8 (curly apostrophe survives)
    assert "bc1q8we4usmw0nf6rfm04gh8d47zqny2f0alpwernf" in parsed.text
    assert "don\u2019t think" in parsed.text
    assert parsed.html == ""
    assert parsed.attachments == []
    # headers keep file order and every one of them
    names = [name for name, _ in parsed.headers]
    assert names[0] == "Return-Path"
    assert names.count("Received") == 3
    assert names.index("Subject") < names.index("From")


def test_7bit_mails_and_the_negative(corpora: Path) -> None:
    folder = corpora / MAILING
    industry = parse_email((folder / "2022-05-16_industrypack-devel_btc-extort.eml").read_bytes())
    assert industry.from_address == "guilherme@vaccaro.net.br"
    assert "bc1qezav9wqhsrxyszvc9egyrd7v47pqanxx8lw48h" in industry.text
    f2fs = parse_email((folder / "2022-06-06_linux-f2fs-devel_btc-extort.eml").read_bytes())
    assert f2fs.from_ == "career@aaj.jo"
    assert len(f2fs.received) == 6
    assert "\t" not in f2fs.received[0]  # folding whitespace unfolded
    assert "bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7" in f2fs.text
    negative = folder / "NEGATIVE_2019-12_openwrt-devel_PDS_BTC_ID_false_positive.eml.partial"
    neg = parse_email(negative.read_bytes(), negative.name)
    assert neg.reply_to == "Petr \u0160tetiar <ynezz@true.cz>"  # RFC 2047 Q-encoded UTF-8 decoded
    assert neg.from_ == ""
    assert neg.date is None
    assert "amd64-microcode" in neg.text


# ----------------------------------------------------------------------------------------- MIME fixtures

MULTIPART = (
    b"""Received: from b.example (b.example [192.0.2.2]) by mx.example; Tue, 1 Mar 2022 10:00:02 +0000
Received: from a.example (a.example [192.0.2.1]) by b.example; Tue, 1 Mar 2022 10:00:01 +0000
Authentication-Results: mx.example; spf=fail smtp.mailfrom=you@example.org; dkim=none; dmarc=fail
From: =?iso-8859-1?q?J=F6rg_M=FCller?= <you@example.org>
To: "You" <you@example.org>, other@example.net
Cc: cc@example.net
Reply-To: payme@example.com
Subject: =?utf-8?b?w4RyZ2VyIG1pdCBkZWluZXIgS2FtZXJh?=
Date: Tue, 01 Mar 2022 11:00:00 +0100
Message-ID: <abc@example.org>
X-Dup: one
X-Dup: two
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUTER"

--OUTER
Content-Type: multipart/alternative; boundary="ALT"

--ALT
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe! Zahle 500 =80 in Bitcoin.
--ALT
Content-Type: multipart/related; boundary="REL"

--REL
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

"""
    + base64.encodebytes(
        "<html><body><p>Grüße! Zahle <b>500</b> € an b<span>c1q</span>xyz</p>"
        "<img src='cid:img1'></body></html>".encode()
    )
    + b"""
--REL
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <img1>
Content-Disposition: inline

"""
    + base64.encodebytes(b"\x89PNG\r\n\x1a\nfakepng")
    + b"""
--REL--
--ALT--
--OUTER
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf
Content-Transfer-Encoding: base64

"""
    + base64.encodebytes(b"%PDF-1.4 fake")
    + b"""
--OUTER
Content-Type: message/rfc822
Content-Disposition: attachment; filename="forwarded.eml"

From: inner@example.com
Subject: inner subject

inner body
--OUTER--
"""
)


def test_multipart_every_part_decoded() -> None:
    parsed = parse_email(MULTIPART, "multi.eml")
    assert parsed.from_ == "J\u00f6rg M\u00fcller <you@example.org>"
    assert parsed.subject == "\u00c4rger mit deiner Kamera"
    assert parsed.to_addresses == ["you@example.org", "other@example.net"]
    assert parsed.cc == ["cc@example.net"]
    assert parsed.header_all("X-Dup") == ["one", "two"]
    assert parsed.header("x-dup") == "one"
    assert parsed.authentication_results == [
        "mx.example; spf=fail smtp.mailfrom=you@example.org; dkim=none; dmarc=fail"
    ]
    assert [r.split()[1] for r in parsed.received] == ["b.example", "a.example"]
    assert parsed.date == datetime(2022, 3, 1, 10, 0, tzinfo=UTC)
    # quoted-printable latin-1 (with the euro sign as cp1252 fallback)
    assert parsed.text.startswith("Gr\u00fc\u00dfe! Zahle 500")
    assert "Bitcoin" in parsed.text
    assert "<b>500</b>" in parsed.html
    assert "an bc1qxyz" in parsed.html_text  # split by tags, joined again
    names = {a.filename: a for a in parsed.attachments}
    assert names["Rechnung M\u00e4rz.pdf"].data == b"%PDF-1.4 fake"
    assert names["Rechnung M\u00e4rz.pdf"].media_type == "application/pdf"
    image = next(a for a in parsed.attachments if a.media_type == "image/png")
    assert image.inline and image.content_id == "img1" and image.data.startswith(b"\x89PNG")
    _name, media_type, data = names["forwarded.eml"][:3]  # the contract's (filename, media_type, bytes)
    assert media_type == "message/rfc822"
    inner = parse_email(data)
    assert inner.subject == "inner subject" and inner.text.strip() == "inner body"


def test_html_only_body_becomes_text() -> None:
    html = (
        "<html><head><title>T</title><style>p {color:red}</style></head><body>"
        "<div>I recorded&nbsp;you.</div><p>Pay to <span>bc1q</span><span>abc</span>"
        "<span style='display:none'>JUNK</span><font style=\"font-size:0px\">MORE</font>def</p>"
        "<script>var x = 'hidden';</script><table><tr><td>a</td><td>b</td></tr></table>"
        "<p hidden>secret</p>Tom &amp; Jerry</body></html>"
    )
    raw = ("From: x@example.com\nSubject: h\nContent-Type: text/html; charset=utf-8\n\n" + html).encode()
    parsed = parse_email(raw)
    assert parsed.html == html
    lines = parsed.text.splitlines()
    assert "I recorded\u00a0you." in lines
    assert "Pay to bc1qabcdef" in lines
    assert "a b" in lines
    for gone in ("JUNK", "MORE", "hidden", "secret", "color:red", "T\n"):
        assert gone not in parsed.text
    assert parsed.text.endswith("Tom & Jerry")


def test_html_to_text_unbalanced_tags_keep_text() -> None:
    assert html_to_text("<p>one<p>two</div></span>three") == "one\ntwo\nthree"
    assert html_to_text("") == ""


def test_bad_charset_falls_back_and_warns() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=x-no-such-charset\n\ncaf\xe9 \x80100\n"
    parsed = parse_email(raw)
    assert parsed.text.strip() == "caf\u00e9 \u20ac100"
    assert any("Windows-1252" in w for w in parsed.warnings)
    utf8_as_ascii = "From: a@example.com\nContent-Type: text/plain; charset=us-ascii\n\ncaf\u00e9\n".encode()
    assert parse_email(utf8_as_ascii).text.strip() == "caf\u00e9"


def test_mbox_separator_line_is_accepted() -> None:
    parsed = parse_email(b"From someone@example.com Sat Jan  3 01:05:34 1996\nSubject: s\n\nbody\n")
    assert parsed.subject == "s"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"PK\x03\x04zipzip", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".msg"),
        (b"Hello, I hacked your camera.\nPay now.", "header lines"),
        (b"Subject: x\n\x00\x00binary", "binary"),
    ],
)
def test_malformed_input_is_a_clear_error(data: bytes, words: str) -> None:
    with pytest.raises(ImportFileError) as err:
        parse_email(data, "bad.eml")
    assert words in err.value.message
    assert "bad.eml" in err.value.message


def test_looks_like_email() -> None:
    assert looks_like_email(b"Received: from x\n")
    assert looks_like_email(b"\xef\xbb\xbfSubject: hi\n")
    assert not looks_like_email(b"Dear friend: pay now\n")
    assert not looks_like_email(b"http://example.com\n")


# ------------------------------------------------------------------------------------------------- mbox

MBOX = (
    b"From alice@example.com Mon Jan  1 00:00:00 2024\n"
    b"From: alice@example.com\nSubject: one\n\nfirst body\n>From the start of a line\n\n"
    b"From bob@example.com Mon Jan  1 00:00:01 2024\n"
    b"From: bob@example.com\nSubject: two\n\nsecond body\nFrom inside a paragraph is not a separator\n\n"
    b"From carol@example.com Mon Jan  1 00:00:02 2024\r\n"
    b"From: carol@example.com\r\nSubject: three\r\n\r\nthird\r\n"
)


def test_iter_mbox_streams_each_message(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(MBOX)
    messages = iter_mbox(path)
    first = next(messages)  # a generator: the first message comes before the rest are read
    assert parse_email(first).text == "first body\nFrom the start of a line\n"
    rest = [parse_email(m) for m in messages]
    assert [m.subject for m in rest] == ["two", "three"]
    assert "From inside a paragraph" in rest[0].text
    assert rest[1].text.strip() == "third"


def test_iter_mbox_many_messages(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    with path.open("wb") as handle:
        for i in range(2000):
            handle.write(b"From x@example.com Mon Jan  1 00:00:00 2024\n")
            handle.write(f"Subject: m{i}\n\nbody {i}\n\n".encode())
    subjects = [parse_email(m).subject for m in iter_mbox(path)]
    assert len(subjects) == 2000 and subjects[-1] == "m1999"


def test_iter_mbox_rejects_non_mbox(tmp_path: Path) -> None:
    path = tmp_path / "notes.mbox"
    path.write_bytes(b"\n\nthis is not a mailbox\n")
    with pytest.raises(ImportFileError, match="not an mbox"):
        list(iter_mbox(path))
    with pytest.raises(ImportFileError, match="could not be opened"):
        list(iter_mbox(tmp_path / "missing.mbox"))
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    assert list(iter_mbox(empty)) == []


# ------------------------------------------------------------------------------------------------- .msg


def build_msg(
    path: Path,
    *,
    subject: str,
    body: str,
    sender_name: str,
    sender_email: str,
    to_name: str,
    to_email: str,
    headers: str = "",
    attachment: tuple[str, str, bytes] | None = None,
) -> Path:
    """Write a small but real Outlook .msg (an OLE compound file in the MS-OXMSG layout) with
    extract-msg's own OLE writer: property streams, a recipient and optionally one attachment."""
    from extract_msg.ole_writer import OleWriter

    writer = OleWriter()

    def string(tag: int, text: str, where: str = "") -> tuple[int, bytes]:
        data = text.encode("utf-16-le")
        writer.addEntry(f"{where}__substg1.0_{tag:04X}001F", data)
        return (tag << 16) | 0x001F, struct.pack("<II", len(data) + 2, 0)

    def binary(tag: int, data: bytes, where: str = "") -> tuple[int, bytes]:
        writer.addEntry(f"{where}__substg1.0_{tag:04X}0102", data)
        return (tag << 16) | 0x0102, struct.pack("<II", len(data), 0)

    def long(tag: int, value: int) -> tuple[int, bytes]:
        return (tag << 16) | 0x0003, struct.pack("<II", value, 0)

    def properties(entries: list[tuple[int, bytes]], header: bytes) -> bytes:
        return header + b"".join(struct.pack("<II", tag, 6) + value for tag, value in entries)

    props = [
        string(0x001A, "IPM.Note"),
        string(0x0037, subject),
        string(0x1000, body),
        string(0x0C1A, sender_name),
        string(0x5D01, sender_email),
        string(0x0E04, to_name),
    ]
    if headers:
        props.append(string(0x007D, headers))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    recip = "__recip_version1.0_#00000000/"
    writer.addEntry(recip.rstrip("/"), storage=True)
    recip_props = [
        string(0x3001, to_name, recip),
        string(0x39FE, to_email, recip),
        string(0x3003, to_email, recip),
        long(0x0C15, 1),
    ]
    writer.addEntry(recip + "__properties_version1.0", properties(recip_props, b"\x00" * 8))
    attachments = 0
    if attachment:
        name, mime, data = attachment
        att = "__attach_version1.0_#00000000/"
        writer.addEntry(att.rstrip("/"), storage=True)
        att_props = [
            string(0x3707, name, att),
            string(0x370E, mime, att),
            binary(0x3701, data, att),
            long(0x3705, 1),
        ]
        writer.addEntry(att + "__properties_version1.0", properties(att_props, b"\x00" * 8))
        attachments = 1
    top = b"\x00" * 8 + struct.pack("<IIII", 1, attachments, 1, attachments) + b"\x00" * 8
    writer.addEntry("__properties_version1.0", properties(props, top))
    writer.write(str(path))
    return path


def test_parse_msg_with_transport_headers(tmp_path: Path) -> None:
    headers = (
        "Received: from relay.example by mx.example; Mon, 16 May 2022 14:22:40 +0000\r\n"
        "Authentication-Results: mx.example; dmarc=fail\r\n"
        "From: Bad Actor <bad@example.com>\r\nTo: you@example.org\r\nSubject: Pay now\r\n"
        "Reply-To: other@example.net\r\nDate: Mon, 16 May 2022 16:22:39 +0200\r\n"
        "Message-ID: <m1@example.com>\r\n\r\n"
    )
    path = build_msg(
        tmp_path / "scam.msg",
        subject="Pay now",
        body="Send 0.1 BTC to my wallet.\r\nNow.",
        sender_name="Bad Actor",
        sender_email="bad@example.com",
        to_name="You",
        to_email="you@example.org",
        headers=headers,
        attachment=("photo.png", "image/png", b"\x89PNG\r\n\x1a\nfake"),
    )
    parsed = parse_msg(path)
    assert parsed.subject == "Pay now"
    assert parsed.from_address == "bad@example.com"
    assert parsed.reply_to_address == "other@example.net"
    assert parsed.received == ["from relay.example by mx.example; Mon, 16 May 2022 14:22:40 +0000"]
    assert parsed.authentication_results == ["mx.example; dmarc=fail"]
    assert parsed.date == datetime(2022, 5, 16, 14, 22, 39, tzinfo=UTC)
    assert parsed.message_id == "<m1@example.com>"
    assert parsed.text == "Send 0.1 BTC to my wallet.\nNow."
    assert parsed.html == ""
    assert parsed.attachments[0][:3] == ("photo.png", "image/png", b"\x89PNG\r\n\x1a\nfake")


def test_parse_msg_without_transport_headers(tmp_path: Path) -> None:
    path = build_msg(
        tmp_path / "plain.msg",
        subject="Hello",
        body="Just a note.",
        sender_name="Ann",
        sender_email="ann@example.com",
        to_name="Bo",
        to_email="bo@example.org",
    )
    parsed = parse_msg(path)
    assert parsed.subject == "Hello"
    assert parsed.from_address == "ann@example.com"
    assert parsed.to_addresses == ["bo@example.org"]
    assert all(value for _, value in parsed.headers)  # no empty made-up headers
    assert parsed.text == "Just a note."
    assert parsed.attachments == []


def test_parse_msg_rejects_non_msg(tmp_path: Path) -> None:
    bad = tmp_path / "bad.msg"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ImportFileError, match=r"bad\.msg"):
        parse_msg(bad)
    text = tmp_path / "text.msg"
    text.write_text("Subject: not outlook\n\nhi")
    with pytest.raises(ImportFileError, match="Outlook"):
        parse_msg(text)
