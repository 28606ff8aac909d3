"""Hostile and broken input: every case gives a clear ImportFileError / UnsafeInput naming the file, and
nothing is stored when the problem is found before storing starts. Also: memory stays flat as a chat grows."""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from PIL import Image

from haven.core.errors import ImportFileError, UnsafeInput
from haven.core.hashing import digest_stream
from haven.core.models import Item, Message
from haven.importers import MemorySink, detect_format, get_importer
from haven.importers.safety import SafeZip, ZipLimits, load_json, safe_member_name

CHAT = "15/07/2024, 21:00 - Sam: hi\n15/07/2024, 21:01 - Alex: hello\n"


def refused(
    name: str, path: Path, error: type[Exception] = ImportFileError, match: str | None = None
) -> MemorySink:
    sink = MemorySink(options={"tz": "UTC", "ocr": False})
    with pytest.raises(error, match=match) as info:
        get_importer(name).run(path, sink)
    assert path.name in str(info.value) or "archive" in str(info.value)
    return sink


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def test_zip_bomb_by_ratio_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    bomb = make_zip(
        tmp_path / "WhatsApp Chat - bomb.zip",
        {"_chat.txt": CHAT.encode(), "IMG-1.jpg": b"\0" * (20 * 1024 * 1024)},
    )
    sink = refused("whatsapp", bomb, UnsafeInput, "zip bomb")
    assert not sink.items and not sink.messages


def test_zip_total_size_and_member_count_limits(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" * 600 for i in range(5)})
    with pytest.raises(UnsafeInput, match="would expand"):
        SafeZip(path, ZipLimits(max_total_bytes=2000))
    with pytest.raises(UnsafeInput, match="members"):
        SafeZip(path, ZipLimits(max_members=3))
    with SafeZip(path, ZipLimits(max_total_bytes=3000)) as zf:
        assert len(zf.members()) == 5


def test_zip_member_lying_about_its_size_is_stopped_while_streaming(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "liar.zip", {"a.txt": b"A" * 5000}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<II", data, local + 18, 10, 10)  # compressed, uncompressed size
    struct.pack_into("<II", data, central + 20, 10, 10)
    path.write_bytes(bytes(data))
    with SafeZip(path) as zf, pytest.raises(ImportFileError, match=r"liar\.zip!a\.txt"):
        zf.open(zf.members()[0]).read()


def test_streamed_member_over_budget_is_unsafe(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", {"a.bin": b"B" * 4000})
    limits = ZipLimits(max_member_bytes=10_000, max_total_bytes=100_000)
    with SafeZip(path, limits) as zf:
        zf._total[0] = 99_000  # as if earlier members had already used most of the budget
        with pytest.raises(UnsafeInput, match="expands beyond"):
            zf.open(zf.members()[0]).read()


@pytest.mark.parametrize(
    "name", ["../../evil.txt", "/etc/passwd", "media/../../x.jpg", "C:/Windows/x", "..\\x"]
)
def test_zip_slip_paths_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafeInput, match="archive"):
        safe_member_name(name)
    path = make_zip(tmp_path / "WhatsApp Chat - slip.zip", {"_chat.txt": CHAT.encode(), name: b"payload"})
    sink = refused("whatsapp", path, UnsafeInput)
    assert not sink.items


def test_safe_member_names_pass() -> None:
    assert safe_member_name("media/IMG-1.jpg") == "media/IMG-1.jpg"
    assert safe_member_name("a/./b.txt") == "a/b.txt"


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    refused("whatsapp", path, ImportFileError, "not a readable zip")


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(100_000, 100_000))  # claims 10 gigapixels in 60 bytes
    assert detect_format(path).name == "image"
    sink = refused("image", path, UnsafeInput, "decompression bomb")
    assert not sink.items


def test_image_over_the_pixel_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "large.png"
    Image.new("RGB", (120, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    refused("image", path, UnsafeInput)


def test_damaged_image_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"garbage" * 10)
    sink = refused("image", path, ImportFileError, "picture")
    assert not sink.items


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "result.json"
    deep.write_text('{"messages": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    sink = refused("telegram", deep, UnsafeInput, "nests")
    assert not sink.items
    medium = tmp_path / "message_1.json"
    medium.write_text('{"messages": ' + "[" * 500 + "]" * 500 + "}", encoding="utf-8")
    refused("messenger", medium, UnsafeInput, "deeper than")


def test_json_size_cap() -> None:
    with pytest.raises(UnsafeInput, match="bytes of JSON"):
        load_json(io.BytesIO(b"[" + b"1," * 100 + b"1]"), "x.json", max_bytes=50)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("telegram", b'{"messages": [{"id": 1,', "not valid JSON"),
        ("discord", '{"guild": {}, "channel": {"name": "é"}, "messages": []}'.encode("latin-1"), "not UTF-8"),
        ("snapchat", b'["a list", "not a chat history"]', "Snapchat"),
        ("instagram", b'{"participants": []}', "Instagram"),
        ("telegram", b'{"messages": [{"id": 1, "date": "yesterday", "text": "x"}]}', "not a date"),
    ],
)
def test_malformed_json_exports_are_clear_errors(
    tmp_path: Path, name: str, content: bytes, match: str
) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    sink = refused(name, path, ImportFileError, match)
    assert not sink.messages


def test_whatsapp_wrong_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(("15/07/2024, 21:00 - Sam: café\n" * 3).encode("latin-1"))
    sink = refused("whatsapp", path, ImportFileError, "wrong encoding")
    assert not sink.items and not sink.messages


def test_whatsapp_endless_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("15/07/2024, 21:00 - Sam: " + "x" * 300 + "\n", encoding="utf-8")
    from haven.importers.safety import text_lines

    with open(path, "rb") as fh, pytest.raises(UnsafeInput, match="longer than 100"):
        list(text_lines(fh, path.name, max_line=100))
    with open(path, "rb") as fh:
        assert len(list(text_lines(fh, path.name, max_line=1000))) == 1


def test_signal_jsonl_with_a_bad_line_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(
        '{"date": "2024-01-01T10:00:00", "sender": "A", "body": "x"}\n{"date": \n', encoding="utf-8"
    )
    sink = refused("signal", path, ImportFileError, "line 2")
    assert not sink.items


def test_email_that_is_not_an_email(tmp_path: Path) -> None:
    path = tmp_path / "x.eml"
    path.write_bytes(b"\x00\x01binary")
    sink = refused("eml", path, ImportFileError)
    assert not sink.items
    mbox = tmp_path / "x.mbox"
    mbox.write_text("Subject: no separator line\n\nbody\n", encoding="utf-8")
    assert not refused("mbox", mbox, ImportFileError, "mbox").items


def test_media_paths_climbing_out_of_the_export_are_ignored(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not yours")
    export = tmp_path / "export" / "inbox"
    export.mkdir(parents=True)
    (export / "message_1.json").write_text(
        json.dumps(
            {
                "participants": [],
                "messages": [
                    {
                        "sender_name": "x",
                        "timestamp_ms": 1,
                        "photos": [{"uri": "../../secret.jpg"}, {"uri": str(secret)}],
                    }
                ],
            }
        )
    )
    sink = MemorySink()
    get_importer("messenger").run(export / "message_1.json", sink)
    assert len(sink.items) == 1  # only the export itself
    assert all(a.item_id is None for a in sink.messages[0].attachments)


class CountingSink:
    """An ImportSink that keeps nothing, to measure the importer's own memory."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {"tz": "UTC"}
        self.count = 0

    def add_item(self, stream: BinaryIO, **meta: Any) -> Item:
        digest = digest_stream(stream)
        return Item(
            id="item-" + digest.sha256[:8],
            sha256=digest.sha256,
            size=digest.size,
            filename=meta["filename"],
            source_path=meta["source_path"],
        )

    def add_message(self, msg: Message) -> None:
        self.count += 1

    def warn(self, text: str) -> None:
        pass


def _peak(name: str, path: Path) -> tuple[int, int]:
    sink = CountingSink()
    tracemalloc.start()
    get_importer(name).run(path, sink)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, sink.count


def _write_whatsapp(path: Path, n: int) -> None:
    line = "15/07/2024, 21:{m:02d} - Sam: message number {i} with some words in it\nand a second line\n"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(line.format(m=i % 60, i=i))


def _write_telegram(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            '{"about": "", "chats": {"about": "", "list": [{"name": "Sam", "type": "personal_chat", '
            '"id": 1, "messages": ['
        )
        for i in range(n):
            msg = {
                "id": i + 1,
                "type": "message",
                "date": "2024-03-16T10:00:00",
                "date_unixtime": str(1710583200 + i),
                "from": "Sam",
                "from_id": "user1",
                "text": ["message ", {"type": "bold", "text": str(i)}],
            }
            fh.write(("," if i else "") + json.dumps(msg))
        fh.write("]}]}}")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "writer"), [("whatsapp", _write_whatsapp), ("telegram", _write_telegram)])
def test_memory_stays_flat_as_the_export_grows(tmp_path: Path, name: str, writer: Any) -> None:
    sizes = {}
    for n in (1_000, 8_000):
        path = tmp_path / f"export{n}.{'txt' if name == 'whatsapp' else 'json'}"
        writer(path, n)
        sizes[n] = _peak(name, path)
    (small, small_count), (big, big_count) = sizes[1_000], sizes[8_000]
    assert (small_count, big_count) == (1_000, 8_000)
    # eight times the messages, about the same peak: keeping the 7,000 extra messages would cost ~10 MB
    assert big < small + 2 * 1024 * 1024, (small, big)
