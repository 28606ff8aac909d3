"""Build the red-flag evaluation set: hand-written conversations (``src/<split>/*.chat``) written out in
the importers' real export formats (WhatsApp Android/iOS ``.txt``, Instagram "Download your information"
JSON, Telegram Desktop JSON, DiscordChatExporter JSON, Snapchat "My Data" JSON), plus ``labels.json``
mapping messages to the flags a person would expect.

The ``.chat`` source is a header (``format``, ``kind``, ``victim``, ``title``, ``start``), a ``---`` line,
then one message per line: ``MINUTES_AFTER_PREVIOUS SENDER: text || flag, flag``. ``<media>`` as the text
is a media-only message (a photo). Run ``python benchmarks/data/flags_eval/build.py`` after editing a
``.chat`` file; the generated files are committed so the benchmark needs no build step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5")


@dataclass
class Msg:
    when: datetime
    sender: str
    text: str
    flags: list[str]


@dataclass
class Chat:
    name: str
    split: str
    header: dict[str, str]
    messages: list[Msg] = field(default_factory=list)


def parse(path: Path, split: str) -> Chat:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    header = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        header[key.strip()] = value.strip()
    chat = Chat(path.stem, split, header)
    when = datetime.fromisoformat(header["start"])
    for line in body.splitlines():
        if not line.strip():
            continue
        minutes, _, rest = line.partition(" ")
        sender, _, rest = rest.partition(": ")
        text, _, labels = rest.partition(" ||")
        when = when + timedelta(minutes=int(minutes), seconds=len(chat.messages) % 50)
        flags = [f.strip() for f in labels.split(",") if f.strip()]
        chat.messages.append(Msg(when, sender.strip(), text.strip(), flags))
    return chat


def _whatsapp(chat: Chat, ios: bool) -> str:
    lines = []
    if ios:
        lines.append(
            f"[{chat.messages[0].when:%d/%m/%Y, %H:%M:%S}] {chat.messages[0].sender}: "
            "\u200eMessages and calls are end-to-end encrypted. No one outside of this chat, "
            "not even WhatsApp, can read or listen to them."
        )
    else:
        lines.append(
            f"{chat.messages[0].when:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end "
            "encrypted. No one outside of this chat, not even WhatsApp, can read or listen to "
            "them. Tap to learn more."
        )
    for i, m in enumerate(chat.messages):
        if ios:
            text = (
                f"\u200e<attached: {i:08d}-PHOTO-{m.when:%Y-%m-%d-%H-%M-%S}.jpg>"
                if m.text == "<media>"
                else m.text
            )
            lines.append(f"[{m.when:%d/%m/%Y, %H:%M:%S}] {m.sender}: {text}")
        else:
            text = "<Media omitted>" if m.text == "<media>" else m.text
            lines.append(f"{m.when:%d/%m/%Y, %H:%M} - {m.sender}: {text}")
    return "\n".join(lines) + "\n"


def _mojibake(value: object) -> object:
    """Meta's exports write UTF-8 bytes as latin-1 code points (the famous mojibake)."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: _mojibake(v) for k, v in value.items()}
    return value


def _instagram(chat: Chat) -> str:
    senders = list(dict.fromkeys(m.sender for m in chat.messages))
    messages = []
    for i, m in enumerate(chat.messages):
        entry: dict[str, object] = {"sender_name": m.sender, "timestamp_ms": int(m.when.timestamp() * 1000)}
        if m.text == "<media>":
            entry["photos"] = [
                {
                    "uri": f"your_instagram_activity/messages/inbox/{chat.name}/photos/{1000 + i}.jpg",
                    "creation_timestamp": int(m.when.timestamp()),
                }
            ]
        else:
            entry["content"] = m.text
        entry["is_geoblocked_for_viewer"] = False
        entry["is_unsent_image_by_messenger_kid_parent"] = False
        messages.append(entry)
    data = {
        "participants": [{"name": s} for s in reversed(senders)],
        "messages": list(reversed(messages)),  # newest first, as Instagram writes them
        "title": chat.header.get("title", senders[0]),
        "is_still_participant": True,
        "thread_path": f"inbox/{chat.name}",
        "magic_words": [],
    }
    return json.dumps(_mojibake(data), indent=2, ensure_ascii=True) + "\n"


def _telegram(chat: Chat) -> str:
    ids = {
        s: f"user{1000000 + n * 7919}" for n, s in enumerate(dict.fromkeys(m.sender for m in chat.messages))
    }
    messages = []
    for i, m in enumerate(chat.messages):
        entry: dict[str, object] = {
            "id": 100 + i,
            "type": "message",
            "date": m.when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(m.when.timestamp())),
            "from": m.sender,
            "from_id": ids[m.sender],
        }
        if m.text == "<media>":
            entry.update(
                {
                    "photo": f"photos/photo_{i}@{m.when:%d-%m-%Y_%H-%M-%S}.jpg",
                    "width": 960,
                    "height": 1280,
                    "text": "",
                    "text_entities": [],
                }
            )
        else:
            entry.update({"text": m.text, "text_entities": [{"type": "plain", "text": m.text}]})
        messages.append(entry)
    data = {
        "name": chat.header.get("title", ""),
        "type": "personal_chat",
        "id": 1000000,
        "messages": messages,
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _discord(chat: Chat) -> str:
    ids = {
        s: str(300000000000000000 + n * 104729)
        for n, s in enumerate(dict.fromkeys(m.sender for m in chat.messages))
    }
    messages = []
    for i, m in enumerate(chat.messages):
        attachments = []
        text = m.text
        if text == "<media>":
            text = ""
            attachments = [
                {
                    "id": str(900000000000000000 + i),
                    "url": f"IMG_{i:04d}.jpg",
                    "fileName": f"IMG_{i:04d}.jpg",
                    "fileSizeBytes": 183211,
                }
            ]
        messages.append(
            {
                "id": str(800000000000000000 + i * 1000),
                "type": "Default",
                "timestamp": m.when.isoformat(timespec="milliseconds"),
                "timestampEdited": None,
                "callEndedTimestamp": None,
                "isPinned": False,
                "content": text,
                "author": {
                    "id": ids[m.sender],
                    "name": m.sender,
                    "discriminator": "0000",
                    "nickname": m.sender,
                    "color": None,
                    "isBot": False,
                    "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
                },
                "attachments": attachments,
                "embeds": [],
                "stickers": [],
                "reactions": [],
                "mentions": [],
            }
        )
    group = len(ids) > 2
    data = {
        "guild": {
            "id": "0",
            "name": "Direct Messages",
            "iconUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
        },
        "channel": {
            "id": "700000000000000000",
            "type": "GroupTextChat" if group else "DirectTextChat",
            "categoryId": "0",
            "category": "Private",
            "name": chat.header.get("title", ""),
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2025-12-01T12:00:00.000+00:00",
        "messages": messages,
        "messageCount": len(messages),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _snapchat(chat: Chat) -> str:
    """Snapchat "My Data" ``chat_history.json`` (newer layout): the friend's username maps to their
    messages, newest first, with ``IsSender`` true on the account owner's (the victim's) own."""
    me = chat.header.get("victim", "")
    friend = next((m.sender for m in chat.messages if m.sender != me), chat.name)
    rows = []
    for i, m in enumerate(chat.messages):
        micros = int(m.when.timestamp() * 1000)
        media = m.text == "<media>"
        rows.append(
            {
                "From": m.sender,
                "Media Type": "MEDIA" if media else "TEXT",
                "Created": f"{m.when:%Y-%m-%d %H:%M:%S} UTC",
                "Content": "" if media else m.text,
                "Conversation Title": None,
                "IsSender": m.sender == me,
                "Created(microseconds)": micros,
                "IsSaved": not media,
                "Media IDs": f"b~EiQSFTM0{i:04d}ZG1SR" if media else "",
            }
        )
    return json.dumps({friend: list(reversed(rows))}, indent=2, ensure_ascii=False) + "\n"


WRITERS = {
    "whatsapp-android": (".txt", lambda c: _whatsapp(c, ios=False)),
    "whatsapp-ios": (".txt", lambda c: _whatsapp(c, ios=True)),
    "instagram": (".json", _instagram),
    "telegram": (".json", _telegram),
    "discord": (".json", _discord),
    "snapchat": (".json", _snapchat),
}


def main() -> None:
    labels = []
    for split in SPLITS:
        out_dir = HERE / split
        out_dir.mkdir(exist_ok=True)
        for src in sorted((HERE / "src" / split).glob("*.chat")):
            chat = parse(src, split)
            ext, writer = WRITERS[chat.header["format"]]
            out = out_dir / f"{chat.name}{ext}"
            out.write_text(writer(chat), encoding="utf-8")
            labels.append(
                {
                    "file": f"{split}/{out.name}",
                    "split": split,
                    "format": chat.header["format"],
                    "kind": chat.header["kind"],
                    "victim": chat.header.get("victim") or None,
                    "messages": [
                        {"sender": m.sender, "text": m.text, "flags": m.flags}
                        for m in chat.messages
                        if m.text != "<media>"
                    ],
                }
            )
    (HERE / "labels.json").write_text(
        json.dumps(labels, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
