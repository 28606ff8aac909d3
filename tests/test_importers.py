"""Importers: every registered importer runs its own examples, and each format's behaviour is checked
(kinds kept, media linked, times converted, mojibake fixed, replies resolved, detection)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haven.core.errors import ImportFileError
from haven.core.models import MessageKind
from haven.importers import REGISTRY, MemorySink, detect_format, get_importer, make_message_id
from haven.importers.base import ImportSink
from haven.importers.whatsapp_parse import DateOrder, parse_header

EXAMPLES = [(name, path) for name, imp in REGISTRY.items() for path in imp.examples]


def run(name: str, path: Path, **options: object) -> MemorySink:
    sink = MemorySink(options={"tz": "UTC", **options})
    get_importer(name).run(path, sink)
    return sink


@pytest.mark.parametrize(("name", "path"), EXAMPLES, ids=[f"{n}:{p.name}" for n, p in EXAMPLES])
def test_every_importer_runs_its_examples(name: str, path: Path) -> None:
    assert path.is_file(), f"example {path} is missing"
    assert detect_format(path).name == name
    first, second = run(name, path), run(name, path)
    assert isinstance(first, ImportSink)
    assert first.items, "the input file itself must be stored"
    assert first.items[0].filename == path.name and first.items[0].sha256 == second.items[0].sha256
    # deterministic ids: importing the same file twice gives the same message ids
    assert [m.id for m in first.messages] == [m.id for m in second.messages]
    assert len({m.id for m in first.messages}) == len(first.messages)
    for msg in first.messages:
        assert msg.source_format == name
        assert msg.source_item_id in {i.id for i in first.items}
        for att in msg.attachments:
            if att.item_id:
                assert att.item_id in {i.id for i in first.items}
    if name not in ("image", "generic"):
        assert first.messages, f"{name} example produced no messages"


def test_every_importer_has_examples_and_description() -> None:
    for name, imp in REGISTRY.items():
        assert imp.name == name and imp.description and imp.examples


def test_make_message_id_is_deterministic() -> None:
    assert make_message_id("ab" * 32, 3) == make_message_id("ab" * 32, 3)
    assert make_message_id("ab" * 32, 3) != make_message_id("ab" * 32, 4)
    assert make_message_id("ab" * 32, 3) != make_message_id("cd" * 32, 3)


# ------------------------------------------------------------------------------------------------ WhatsApp


def wa_example(name: str) -> Path:
    return next(p for p in get_importer("whatsapp").examples if p.name == name)


def test_whatsapp_android_keeps_every_kind() -> None:
    sink = run("whatsapp", wa_example("WhatsApp Chat with Sam.txt"))
    kinds = [m.kind for m in sink.messages]
    assert len(sink.messages) == 9
    assert kinds.count(MessageKind.SYSTEM) == 1 and kinds.count(MessageKind.DELETED) == 1
    assert kinds.count(MessageKind.CALL) == 1 and kinds.count(MessageKind.MEDIA) == 2
    multi = next(m for m in sink.messages if m.text.startswith("send me one back"))
    assert multi.text == "send me one back\nit's only fair" and multi.sender == "Sam Jones"
    assert multi.timestamp_original == "14/03/2024, 21:07"
    assert multi.timestamp_utc == datetime(2024, 3, 14, 21, 7, tzinfo=UTC)
    attached = next(m for m in sink.messages if m.attachments)
    assert attached.attachments[0].filename == "IMG-20240315-WA0001.jpg"
    assert attached.attachments[0].item_id is None  # the .txt export has no media: file name only
    assert all(m.conversation == "Sam" for m in sink.messages)
    assert any("not in the export" in w for w in sink.warnings)


def test_whatsapp_zip_links_media_to_items() -> None:
    sink = run("whatsapp", wa_example("WhatsApp Chat - Sam.zip"))
    zip_item, chat_item, photo = sink.items
    assert chat_item.parent_id == zip_item.id and photo.parent_id == zip_item.id
    assert photo.media_type == "image/jpeg"
    media = next(m for m in sink.messages if m.attachments)
    assert media.kind == MessageKind.MEDIA
    assert media.attachments[0].item_id == photo.id and media.attachments[0].sha256 == photo.sha256
    assert sink.messages[0].kind == MessageKind.SYSTEM  # iOS: encryption notice under the contact's name
    assert sink.messages[-1].kind == MessageKind.CALL
    assert sink.messages[0].timestamp_original == "20.03.24, 19:58:47"
    assert sink.messages[0].timestamp_utc == datetime(2024, 3, 20, 19, 58, 47, tzinfo=UTC)


def test_whatsapp_ios_12h_with_narrow_spaces() -> None:
    sink = run("whatsapp", wa_example("ios_12h.txt"))
    stamps = [m.timestamp_utc for m in sink.messages]
    assert stamps[0] == datetime(2024, 3, 5, 21, 15, 2, tzinfo=UTC)  # 9:15 PM, m/d/y from 3/13
    assert stamps[2] == datetime(2024, 3, 9, 0, 1, tzinfo=UTC)  # 12:01 AM is just after midnight
    assert sink.messages[-1].kind == MessageKind.DELETED


def test_whatsapp_time_zone_option_converts_to_utc(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("15/07/2024, 21:00 - Sam: summer\n15/01/2024, 21:00 - Sam: winter\n", encoding="utf-8")
    sink = run("whatsapp", chat, tz="Europe/London")
    assert sink.messages[0].timestamp_utc == datetime(2024, 7, 15, 20, 0, tzinfo=UTC)  # BST
    assert sink.messages[1].timestamp_utc == datetime(2024, 1, 15, 21, 0, tzinfo=UTC)  # GMT
    assert sink.messages[0].timestamp_original == "15/07/2024, 21:00"


def test_whatsapp_without_tz_warns_which_zone_was_assumed(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("15/07/2024, 21:00 - Sam: hi\n", encoding="utf-8")
    sink = MemorySink()
    get_importer("whatsapp").run(chat, sink)
    assert any("no time zone" in w for w in sink.warnings)


def test_whatsapp_unknown_tz_is_a_clear_error(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("15/07/2024, 21:00 - Sam: hi\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="time zone"):
        run("whatsapp", chat, tz="Mars/Olympus")


def test_whatsapp_ambiguous_dates_are_flagged(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("01/02/2024, 10:00 - Sam: a\n03/04/2024, 10:00 - Sam: b\n", encoding="utf-8")
    sink = run("whatsapp", chat)
    assert all(m.timestamp_ambiguous for m in sink.messages)
    assert any("cannot be settled" in w for w in sink.warnings)
    forced = run("whatsapp", chat, date_order="mdy")
    assert forced.messages[0].timestamp_utc == datetime(2024, 1, 2, 10, 0, tzinfo=UTC)


def test_whatsapp_day_month_settled_by_a_late_date(tmp_path: Path) -> None:
    lines = [f"0{d}/03/2024, 10:00 - Sam: m{d}" for d in range(1, 9)] + ["25/03/2024, 10:00 - Sam: late"]
    chat = tmp_path / "chat.txt"
    chat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sink = run("whatsapp", chat)
    assert not any(m.timestamp_ambiguous for m in sink.messages)
    assert sink.messages[0].timestamp_utc == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_whatsapp_stray_impossible_date_does_not_lose_the_chat(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    lines = ["01/13/2024, 10:00 - Sam: a", "01/14/2024, 10:00 - Sam: b", "31/02/2024, 10:00 - Sam: pasted"]
    chat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sink = run("whatsapp", chat)
    assert [m.text for m in sink.messages] == ["a", "b", "pasted"]
    assert sink.messages[0].timestamp_utc == datetime(2024, 1, 13, 10, 0, tzinfo=UTC)  # m/d/y wins
    assert (
        sink.messages[2].timestamp_utc is None and sink.messages[2].timestamp_original == "31/02/2024, 10:00"
    )
    assert any("not a real date and time" in w for w in sink.warnings)
    with pytest.raises(ImportFileError, match="date order"):
        run("whatsapp", chat, date_order="dd-mm")


def test_whatsapp_order_settled_by_message_order() -> None:
    order = DateOrder()
    for stamp in ("06/03/2017, 00:45", "08/05/2017, 01:48", "09/04/2017, 01:50"):
        header = parse_header(f"{stamp} - A: x")
        assert header is not None
        order.feed(header.parts, header.ampm)
    assert order.result() == ("mdy", False)  # d/m/y would run backwards from May to April


def test_whatsapp_date_order_counts_every_line_of_a_repeated_day() -> None:
    fed, fresh = DateOrder(), DateOrder()
    stamps = ["13/02/2021, 10:00"] * 3 + ["14/02/2021, 09:00"] * 2 + ["03/04/2021, 08:00"]
    for stamp in stamps:
        header = parse_header(f"{stamp} - A: x")
        assert header is not None
        fed.feed(header.parts, header.ampm)
    assert fed.seen == 6 and fed.result() == ("dmy", False)
    assert fed._cands["mdy"].invalid == 5  # month 13 and 14, once per line, not once per day
    for stamp in stamps[::-1]:
        header = parse_header(f"{stamp} - A: x")
        assert header is not None
        fresh.feed(header.parts, header.ampm)
    assert fresh._cands["dmy"].inversions == 2


def test_whatsapp_message_ids_are_the_shared_deterministic_ids() -> None:
    from haven.importers.whatsapp import _message_ids

    new_id = _message_ids("ab" * 32)
    assert [new_id(i) for i in (0, 1, 99_999)] == [make_message_id("ab" * 32, i) for i in (0, 1, 99_999)]


@pytest.mark.parametrize(
    ("line", "stamp"),
    [
        ("12/9/20, 23:55 - Alice: hello", "12/9/20, 23:55"),
        ("[20.06.19, 15:58:47] Loris: hi", "20.06.19, 15:58:47"),
        ("01/30/2019, 08:49 p. m. - Jahn Doe: x", "01/30/2019, 08:49 p. m."),
        ("\u200e[3/5/24, 9:15:02\u202fPM] Jordan: x", "3/5/24, 9:15:02\u202fPM"),
        ("[2019-04-16 02:09] Mary: x", "2019-04-16 02:09"),
        ("15.04.2016, 15:04 - Pokemon Chat: x", "15.04.2016, 15:04"),
    ],
)
def test_whatsapp_header_variants(line: str, stamp: str) -> None:
    header = parse_header(line)
    assert header is not None and header.stamp == stamp


def test_whatsapp_text_that_is_not_a_chat_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Sample User: nothing to do with whatsapp\nTestBot: still no dates\n", encoding="utf-8")
    assert detect_format(path).name == "generic"
    sink = MemorySink()
    with pytest.raises(ImportFileError, match="no WhatsApp message lines"):
        get_importer("whatsapp").run(path, sink)
    assert not sink.items and not sink.messages


def test_whatsapp_utf16_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("15/07/2024, 21:00 - Sam: héllo\n", encoding="utf-16")
    assert detect_format(path).name == "whatsapp"
    assert run("whatsapp", path).messages[0].text == "héllo"


# ---------------------------------------------------------------------------------------- Meta, Telegram...


def test_instagram_mojibake_fixed_and_media_linked() -> None:
    sink = run("instagram", get_importer("instagram").examples[0])
    texts = [m.text for m in sink.messages]
    assert "you have 24h \U0001f608 pay or I post it" in texts
    assert "Café pics?" in texts
    deleted = next(m for m in sink.messages if m.kind == MessageKind.DELETED)
    assert deleted.text == "Café pics?"
    media = [m for m in sink.messages if m.kind == MessageKind.MEDIA]
    assert len(media) == 2  # media-only messages are kept
    linked = [a for m in media for a in m.attachments if a.item_id]
    assert len(linked) == 1 and sink.item(linked[0].item_id).media_type == "image/jpeg"
    assert sink.messages[0].timestamp_utc == datetime(2024, 3, 15, 23, 10, tzinfo=UTC)
    assert sink.messages[0].timestamp_original == "1710544200000"


def test_messenger_kinds_and_pound_sign() -> None:
    sink = run("messenger", get_importer("messenger").examples[0])
    kinds = [m.kind for m in sink.messages]
    assert kinds == [MessageKind.CALL, MessageKind.TEXT, MessageKind.SYSTEM, MessageKind.MEDIA]
    assert "£300" in sink.messages[1].text
    assert sink.messages[0].conversation == "Jordan Bell"


def test_fix_mojibake_never_changes_correct_text() -> None:
    from haven.importers.common import fix_mojibake

    assert fix_mojibake("Ã©tÃ©") == "été"
    for good in ("été", "plain ascii", "日本語", "emoji \U0001f600", "naïve ½"):
        assert fix_mojibake(good) == good


def test_telegram_single_chat() -> None:
    sink = run("telegram", get_importer("telegram").examples[0])
    msgs = sink.messages
    assert msgs[0].kind == MessageKind.CALL and msgs[0].sender_id == "user4815162342"
    assert msgs[1].kind == MessageKind.MEDIA and msgs[1].attachments[0].item_id
    assert msgs[2].text == "pay here: https://example.invalid/pay"
    assert msgs[2].reply_to == msgs[1].id
    assert msgs[3].forwarded_from == "Sam"
    assert msgs[4].attachments[0].item_id is None  # "(File not included...)": name only
    assert msgs[2].timestamp_utc == datetime(2024, 3, 16, 10, 1, tzinfo=UTC)


def test_telegram_account_export_without_unixtime_uses_tz() -> None:
    path = get_importer("telegram").examples[1]
    sink = run("telegram", path, tz="Europe/Berlin")
    assert {m.conversation for m in sink.messages} == {"Sam", "Study group"}
    assert sink.messages[0].timestamp_utc == datetime(2024, 3, 17, 20, 0, tzinfo=UTC)
    assert sink.messages[0].timestamp_original == "2024-03-17T21:00:00"
    assert sink.messages[2].kind == MessageKind.SYSTEM


def test_snapchat_both_layouts() -> None:
    sink = run("snapchat", get_importer("snapchat").examples[0])
    assert len(sink.messages) == 6
    media = next(m for m in sink.messages if m.kind == MessageKind.MEDIA)
    assert media.attachments[0].item_id  # found in chat_media/
    assert any(m.kind == MessageKind.DELETED for m in sink.messages)
    assert sink.messages[2].from_me is True
    old = [m for m in sink.messages if m.text.startswith("older layout")]
    assert [m.conversation for m in old] == ["other_person", "other_person"]
    assert old[0].timestamp_utc == datetime(2022, 7, 22, 19, 28, 21, tzinfo=UTC)


def test_signal_markdown_and_json_agree() -> None:
    md, js = (run("signal", p) for p in get_importer("signal").examples)
    assert [m.sender for m in md.messages] == [m.sender for m in js.messages][:4]
    assert md.messages[1].kind == MessageKind.MEDIA and md.messages[1].attachments[0].item_id
    assert js.messages[1].attachments[0].sha256 == md.messages[1].attachments[0].sha256
    assert md.messages[3].kind == js.messages[3].kind == MessageKind.DELETED
    assert js.messages[4].kind == MessageKind.CALL
    assert md.messages[2].text == "who is this\nplease stop"
    assert md.messages[0].conversation == "Sam"


def test_discord_ids_replies_and_offsets() -> None:
    sink = run("discord", get_importer("discord").examples[0])
    msgs = sink.messages
    assert msgs[0].sender == "Sam" and msgs[0].sender_id == "123456789012345678"
    assert msgs[1].kind == MessageKind.MEDIA and msgs[1].attachments[0].filename == "screenshot.png"
    assert msgs[1].timestamp_utc == datetime(2024, 3, 18, 18, 5, tzinfo=UTC)  # +01:00 converted
    assert msgs[2].reply_to == msgs[1].id
    assert msgs[3].kind == MessageKind.CALL


# ----------------------------------------------------------------------------------------- email, images


def test_eml_headers_body_and_attachment() -> None:
    sink = run("eml", get_importer("eml").examples[0])
    (msg,) = sink.messages
    email_item, attachment = sink.items
    assert msg.sender == "Sam J" and msg.sender_id == "sam.j0nes@example.net"
    assert "£500" in msg.text
    headers = dict((k, v) for k, v in msg.extra["headers"])
    assert headers["Reply-To"] == "sam.pay@example.com" and "Received" in headers
    assert headers["Return-Path"] == "<bounce@example.net>"
    assert msg.conversation == "Last warning – read this"
    assert msg.timestamp_utc == datetime(2024, 3, 18, 22, 14, tzinfo=UTC)
    assert attachment.parent_id == email_item.id and attachment.filename == "screenshot.png"
    assert msg.attachments[0].item_id == attachment.id


def test_mbox_emails_are_items_with_threads() -> None:
    sink = run("mbox", get_importer("mbox").examples[0])
    assert len(sink.messages) == 2 and len(sink.items) == 3
    assert {m.conversation for m in sink.messages} == {"hello again"}
    assert sink.messages[1].reply_to == "<m1@example.net>"
    assert "From the start" in sink.messages[0].text  # mboxrd quoting undone
    assert all(i.parent_id == sink.items[0].id for i in sink.items[1:])


def test_msg_outlook() -> None:
    sink = run("msg", get_importer("msg").examples[0])
    (msg,) = sink.messages
    assert msg.sender_id == "watcher@example.net" and "0.05 BTC" in msg.text
    assert any(k == "Reply-To" for k, _ in msg.extra["headers"])
    assert sink.items[1].filename == "proof.txt" and sink.items[1].parent_id == sink.items[0].id


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Debian tesseract-ocr is not installed")
def test_screenshot_text_is_read_by_ocr() -> None:
    sink = run("image", get_importer("image").examples[0])
    (item,) = sink.items
    assert item.ocr_text and "everyone sees it" in item.ocr_text
    assert item.media_type == "image/png" and item.exif["width"] == 640


def test_photo_exif_time_and_device_kept() -> None:
    sink = run("image", get_importer("image").examples[1], ocr=False)
    exif = sink.items[0].exif
    assert exif["Make"] == "ExampleMaker" and exif["Model"] == "Phone 12"
    assert exif["DateTimeOriginal"] == "2024:03:18 20:59:58"


def test_generic_stores_and_warns() -> None:
    sink = run("generic", get_importer("generic").examples[0])
    assert len(sink.items) == 1 and not sink.messages
    assert "not read as messages" in sink.warnings[0]


def test_unknown_format_name_is_a_clear_error() -> None:
    with pytest.raises(ImportFileError, match="unknown importer"):
        get_importer("myspace")


def test_whatsapp_sender_split_reads_as_the_sender_pattern() -> None:
    import random

    from haven.importers.whatsapp_parse import SENDER, split_sender

    rnd = random.Random(14)
    pieces = ["a", "Sam", ":", " ", "\u202f", '"', "“", "”", "\n", "x" * 79, "é", "", "\t"]
    bodies = ["Sam: hi", "Sam:", "Sam:\n", "Sam:x", "x" * 81 + ": hi", "a: b: c"]
    bodies += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8))) for _ in range(20_000)]
    for body in bodies:
        m = SENDER.match(body)
        assert split_sender(body) == ((m["name"], m["text"] or "") if m else None), repr(body)
