"""Offender details: every kind's own examples, the API contract, provenance, messages and aggregation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from haven.core.models import Item, Message, Provenance
from haven.indicators import KINDS, aggregate, extract, extract_messages
from haven.indicators.extract import find_hits

FIXED_KINDS = {
    "email",
    "url",
    "domain",
    "phone",
    "handle",
    "btc",
    "ltc",
    "trx",
    "doge",
    "xmr",
    "eth",
    "iban",
    "uk-bank-account",
    "swift-bic",
    "mtcn",
    "moneygram-ref",
    "gift-card",
    "amount",
    "deadline",
}

EXAMPLES = [
    pytest.param(name, ex, id=f"{name}-{i}-{'pos' if ex.expect or ex.invalid else 'neg'}")
    for name, kind in KINDS.items()
    for i, ex in enumerate(kind.examples)
]


def test_registry_has_the_fixed_kind_names():
    assert set(KINDS.names()) >= FIXED_KINDS
    assert set(KINDS.names()) - FIXED_KINDS == {"name", "revolut", "cashapp", "paypalme", "monzo", "venmo",
                                                "payee-name"}


def test_every_kind_has_positive_and_negative_examples():
    for name, kind in KINDS.items():
        assert any(ex.expect or ex.invalid for ex in kind.examples), name
        assert any(not ex.expect and not ex.invalid for ex in kind.examples), name


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_kind_examples(name, example):
    found = [i for i in extract(example.text, region=example.region) if i.kind == name]
    assert sorted(i.normalized for i in found if i.valid) == sorted(example.expect)
    assert sorted(i.normalized for i in found if not i.valid) == sorted(example.invalid)
    for ind in found:
        # offsets point at the value as written, and the context shows it
        assert example.text[ind.provenance.start : ind.provenance.end] == ind.value
        assert ind.value.split()[0] in ind.context


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_prefilter_gives_the_same_findings_as_searching_everywhere(name, example):
    fast = [(h.kind, h.start, h.end, h.normalized, h.valid) for h in find_hits(example.text, example.region)]
    slow = [
        (h.kind, h.start, h.end, h.normalized, h.valid)
        for h in find_hits(example.text, example.region, prefilter=False)
    ]
    assert fast == slow


def test_finding_fields_and_provenance_are_copied():
    text = "send 0.05 BTC to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 or whatsapp +44 7400 123456"
    prov = Provenance(item_id="item-1", message_id="msg-9", field="ocr")
    found = {i.kind: i for i in extract(text, provenance=prov)}
    btc = found["btc"]
    assert (btc.value, btc.normalized, btc.valid) == (
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        True,
    )
    assert btc.provenance.item_id == "item-1" and btc.provenance.message_id == "msg-9"
    assert btc.provenance.field == "ocr"
    assert text[btc.provenance.start : btc.provenance.end] == btc.value
    assert found["phone"].normalized == "+447400123456"
    assert found["phone"].extra["country"] == "GB"
    assert found["amount"].normalized == "BTC:0.05"


def test_region_changes_how_national_numbers_read():
    assert [i.normalized for i in extract("call 0803 123 4567", region="NG") if i.kind == "phone"] == [
        "+2348031234567"
    ]
    assert [i.normalized for i in extract("call (202) 555-0143 now", region="US") if i.kind == "phone"] == [
        "+12025550143"
    ]


def test_overlaps_prefer_the_specific_kind():
    found = extract("Western Union MTCN 123-456-7890 sent")
    assert [(i.kind, i.normalized) for i in found] == [("mtcn", "1234567890")]


def test_url_yields_domain_and_handle_from_profile_link():
    found = {(i.kind, i.normalized) for i in extract("follow https://www.instagram.com/Jess.Model_22/")}
    assert ("url", "https://www.instagram.com/Jess.Model_22/") in found
    assert ("domain", "instagram.com") in found
    assert ("handle", "instagram:jess.model_22") in found
    handle = next(i for i in extract("add me on snap: lily_x2004") if i.kind == "handle")
    assert handle.extra["platform"] == "snapchat"


def test_empty_and_plain_text_yield_nothing():
    assert extract("") == []
    assert extract("hi how are you, see you at the match tomorrow x") == []


def _messages() -> list[Message]:
    t1 = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    t2 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return [
        Message(
            id="m1",
            source_format="whatsapp",
            source_item_id="exp1",
            conversation="Jess",
            sender="Jess 💋",
            sender_id="+44 7911 123456",
            timestamp_utc=t1,
            text="Send £300 to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 within 24 hours",
        ),
        Message(
            id="m2",
            source_format="whatsapp",
            source_item_id="exp1",
            conversation="Jess",
            sender="Me",
            from_me=True,
            sender_id="+44 7412 345678",
            timestamp_utc=t1,
            text="please stop",
        ),
        Message(
            id="m3",
            source_format="telegram",
            source_item_id="exp2",
            conversation="Boss",
            sender="Boss",
            sender_id="user55512",
            timestamp_utc=t2,
            text="last chance 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        ),
        Message(
            id="m4",
            source_format="email",
            source_item_id="mail1",
            conversation="mail",
            sender="Hacker",
            sender_id="hacker@evil-mail.ru",
            text="I recorded you.",
            extra={
                "headers": [
                    ["From", "Hacker <hacker@evil-mail.ru>"],
                    ["Reply-To", "pay@other.ru"],
                    ["Received", "from relay.example.net (10.0.0.1)"],
                ]
            },
        ),
    ]


def test_extract_messages_covers_text_headers_senders_and_ocr():
    item = Item(
        id="shot1",
        sha256="a" * 64,
        size=10,
        filename="shot.png",
        source_path="/x/shot.png",
        ocr_text="snap: cash_queen99",
    )
    found = extract_messages(_messages(), items=[item], region="GB")
    keys = {(i.kind, i.normalized, i.provenance.field) for i in found}
    assert ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "text") in keys
    assert ("phone", "+447911123456", "sender_id") in keys
    assert ("handle", "whatsapp:+447911123456", "sender_id") in keys
    assert ("handle", "telegram:user55512", "sender_id") in keys
    assert ("name", "jess 💋", "sender") in keys
    assert ("email", "pay@other.ru", "header:Reply-To") in keys
    assert ("email", "hacker@evil-mail.ru", "sender_id") in keys
    assert ("handle", "snapchat:cash_queen99", "ocr") in keys
    # the person's own number is not an offender detail; relays in Received: are not either
    assert not any(i.normalized == "+447412345678" for i in found)
    assert not any("relay.example.net" in i.normalized for i in found)
    ocr = next(i for i in found if i.provenance.field == "ocr")
    assert ocr.provenance.item_id == "shot1"
    btc = next(i for i in found if i.kind == "btc")
    assert btc.provenance.message_id == "m1" and btc.provenance.item_id == "exp1"


def test_aggregate_dedupes_and_counts():
    rows = aggregate(extract_messages(_messages()))
    btc = next(r for r in rows if r["kind"] == "btc")
    assert btc["count"] == 2
    assert btc["conversations"] == ["Jess", "Boss"]
    assert btc["first_seen"] == "2026-03-01T20:00:00+00:00"
    assert btc["last_seen"] == "2026-03-02T09:30:00+00:00"
    assert btc["valid"] is True
    assert "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2" in btc["context"]
    assert [s["message_id"] for s in btc["sources"]] == ["m1", "m3"]
    assert len({(r["kind"], r["normalized"]) for r in rows}) == len(rows)


def test_drama_range_number_is_reported_invalid_with_a_note():
    """+44 7700 900123 (the issue's own example of the E.164 form) is in Ofcom's drama range: it is still
    reported, so nothing an offender wrote is dropped, but marked not valid and said to be reserved."""
    for text in ("my number is +44 7700 900123", "text me on 07700 900123", "ring 020 7946 0321 now"):
        phones = [i for i in extract(text) if i.kind == "phone"]
        assert len(phones) == 1, text
        phone = phones[0]
        assert phone.valid is False
        assert phone.extra["reserved"] is True and "films and TV" in phone.extra["note"]
        assert "Ofcom" in phone.extra["reserved_by"]
        assert phone.extra["country"] == "GB"
    assert extract("my number is +44 7700 900123")[0].normalized == "+447700900123"
    # a working number right next to it stays valid and carries no note
    real = [i for i in extract("+44 7700 900123 or +44 7911 123456") if i.normalized == "+447911123456"]
    assert real[0].valid is True and "reserved" not in real[0].extra


def test_whatsapp_sender_named_by_number_is_a_phone_not_a_name():
    msg = Message(
        id="w1",
        source_format="whatsapp",
        source_item_id="exp1",
        conversation="+44 7911 123456",
        sender="\u202a+44 7911 123456\u202c",
        timestamp_utc=datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
        text="pay now",
    )
    keys = {(i.kind, i.normalized) for i in extract_messages([msg], region="GB")}
    assert ("phone", "+447911123456") in keys
    assert ("handle", "whatsapp:+447911123456") in keys
    assert not any(kind == "name" for kind, _ in keys)
