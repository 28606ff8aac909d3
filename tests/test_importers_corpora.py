"""Every chat sample in ../shared/corpora imports with the right importer, and where a sample ships an
expected result (chat-miner's ``target.json``) Haven's messages match it.

chat-miner deliberately drops messages Haven keeps (police want them): WhatsApp system lines with no author
("created group", "You were added") and the line ``John Doe:.`` (no space after the colon, so chat-miner
does not see an author and discards it; Haven keeps it as a system line, text as written). The comparison
below therefore uses Haven's messages that have a sender, and checks separately that the dropped ones are
present. chat-miner also joins multi-line messages and Telegram text parts with spaces; Haven keeps the
text as written, so texts are compared with whitespace removed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from haven.core.models import Message, MessageKind
from haven.importers import MemorySink, detect_format

SAMPLES = {
    "chat-analytics/discord/DM_2A_2M.json": ("discord", 3),
    "chat-analytics/discord/GC_3A_5M.json": ("discord", 6),
    "chat-analytics/discord/SV_5A_5M.json": ("discord", 5),
    "chat-analytics/messenger/2A_7M.json": ("messenger", 7),
    "chat-analytics/telegram/DM_2A_7M.json": ("telegram", 8),
    "chat-analytics/telegram/MultiChat_2C_6M.json": ("telegram", 6),
    "chat-analytics/whatsapp/2A_5M.txt": ("whatsapp", 5),
    "chat-analytics/whatsapp/4A_11M.txt": ("whatsapp", 14),
    "chat-analytics/whatsapp/4A_11M.zip": ("whatsapp", 14),
    "chat-miner/test/instagram/test_export.json": ("instagram", 2),
    "chat-miner/test/signal/test_export.txt": ("signal", 2),
    "chat-miner/test/telegram/test_batch_export.json": ("telegram", 2),
    "chat-miner/test/telegram/test_single_export.json": ("telegram", 2),
    "chat-miner/test/whatsapp/test_[mmddyy]_24hrs.txt": ("whatsapp", 9),
    "chat-miner/test/whatsapp/test_ddmmyy_24hrs.txt": ("whatsapp", 9),
    "chat-miner/test/whatsapp/test_mmddyy_24hrs.txt": ("whatsapp", 9),
    "chat-miner/test/whatsapp/test_mmddyyyy_12hrs.txt": ("whatsapp", 9),
    "chat-miner/test/whatsapp/test_yyyymmdd_24hrs.txt": ("whatsapp", 9),
    "whatsapp-chat-parser/short-chat.txt": ("whatsapp", 5),
    "whatsapp-chat-parser-website/_chat.txt": ("whatsapp", 52),
    "whatsapp-chat-parser-website/old-example_chat.txt": ("whatsapp", 100),
    "whatsapp-chat-parser-website/whatsapp-chat-parser-example.zip": ("whatsapp", 52),
    "whatstk/chats/whatsapp/lorem-2000.txt": ("whatsapp", 2000),
    "whatstk/chats/whatsapp/lorem-merge-part1.txt": ("whatsapp", 300),
    "whatstk/chats/whatsapp/lorem-merge-part2.txt": ("whatsapp", 300),
    "whatstk/chats/whatsapp/lorem.txt": ("whatsapp", 500),
    "whatstk/chats/whatsapp/pokemon.txt": ("whatsapp", 20),
    "whatsapp-chat-parser/not-a-whatsapp-chat.txt": ("generic", 0),
}


def load(path: Path) -> tuple[str, MemorySink]:
    importer = detect_format(path)
    sink = MemorySink(options={"tz": "UTC", "ocr": False}, keep_bytes=False)
    importer.run(path, sink)
    return importer.name, sink


def test_sample_list_covers_every_chat_file(corpora: Path) -> None:
    roots = [
        "chat-analytics",
        "chat-miner",
        "whatsapp-chat-parser",
        "whatsapp-chat-parser-website",
        "whatstk/chats",
    ]
    found = {
        str(p.relative_to(corpora))
        for root in roots
        for p in (corpora / root).rglob("*")
        if p.is_file()
        and p.suffix in (".txt", ".json", ".zip")
        and p.name not in ("SOURCE.txt", "target.json")
    }
    assert found == set(SAMPLES)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_chat_sample_imports(corpora: Path, sample: str) -> None:
    expected_format, expected_count = SAMPLES[sample]
    name, sink = load(corpora / sample)
    assert name == expected_format
    assert len(sink.messages) == expected_count
    assert sink.items[0].filename == Path(sample).name
    for msg in sink.messages:
        assert msg.timestamp_utc is not None and msg.timestamp_original
    if name == "whatsapp":
        assert all(m.timestamp_utc.tzinfo is not None for m in sink.messages)


def _norm(text: str) -> str:
    return "".join(text.split())


def _compare(messages: list[Message], target: list[dict[str, str]]) -> None:
    ours = sorted(
        ((m.timestamp_utc.replace(tzinfo=None), m.sender, _norm(m.text)) for m in messages),
        key=lambda t: (t[0], t[1] or ""),
    )
    theirs = sorted(
        ((datetime.fromisoformat(t["timestamp"]), t["author"], _norm(t["message"])) for t in target),
        key=lambda t: (t[0], t[1] or ""),
    )
    assert ours == theirs


WHATSAPP_VARIANTS = [
    "test_[mmddyy]_24hrs.txt",
    "test_ddmmyy_24hrs.txt",
    "test_mmddyy_24hrs.txt",
    "test_mmddyyyy_12hrs.txt",
    "test_yyyymmdd_24hrs.txt",
]


@pytest.mark.parametrize("variant", WHATSAPP_VARIANTS)
def test_chat_miner_whatsapp_targets(corpora: Path, variant: str) -> None:
    base = corpora / "chat-miner" / "test" / "whatsapp"
    target = json.loads((base / "target.json").read_text(encoding="utf-8"))
    _, sink = load(base / variant)
    with_sender = [m for m in sink.messages if m.sender is not None]
    _compare(with_sender, target)
    # what chat-miner drops and Haven keeps
    dropped = [m for m in sink.messages if m.sender is None]
    assert {m.text for m in dropped} == {
        '+12 345 578 created group "Groupname"',
        "You were added",
        "John Doe:.",
    }
    assert all(m.kind == MessageKind.SYSTEM for m in dropped)
    assert not any(m.timestamp_ambiguous for m in sink.messages)


@pytest.mark.parametrize(
    ("folder", "sample"),
    [
        ("signal", "test_export.txt"),
        ("instagram", "test_export.json"),
        ("telegram", "test_single_export.json"),
        ("telegram", "test_batch_export.json"),
    ],
)
def test_chat_miner_other_targets(corpora: Path, folder: str, sample: str) -> None:
    base = corpora / "chat-miner" / "test" / folder
    target = json.loads((base / "target.json").read_text(encoding="utf-8"))
    _, sink = load(base / sample)
    _compare(sink.messages, target)


def test_whatsapp_website_zip_links_all_media(corpora: Path) -> None:
    _, sink = load(corpora / "whatsapp-chat-parser-website" / "whatsapp-chat-parser-example.zip")
    linked = [a for m in sink.messages for a in m.attachments if a.item_id]
    named = [a for m in sink.messages for a in m.attachments]
    assert named and len(linked) == len(named)
    assert {sink.item(a.item_id).media_type for a in linked} >= {"image/jpeg", "video/mp4", "audio/mpeg"}
    assert not any(i.filename.startswith("__MACOSX/") for i in sink.items)


def test_ambiguous_sample_is_flagged(corpora: Path) -> None:
    _, sink = load(corpora / "chat-analytics" / "whatsapp" / "4A_11M.txt")
    assert all(m.timestamp_ambiguous for m in sink.messages)
    assert any("cannot be settled" in w for w in sink.warnings)
    _, sink = load(corpora / "whatsapp-chat-parser" / "short-chat.txt")  # settled by message order
    assert not any(m.timestamp_ambiguous for m in sink.messages)
    assert sink.messages[3].timestamp_utc.month == 8 and sink.messages[3].timestamp_utc.day == 5
