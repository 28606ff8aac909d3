"""Parsing throughput and peak memory of the chat importers, against ``sha256sum`` over the same bytes.

``bench_import.py`` measures storing media in the vault; this one measures the part it does not: reading
big chat texts. It writes a synthetic WhatsApp chat (multi-line messages, media lines, system lines) and a
Telegram whole-account JSON export of the chosen size, then in the same run:

* anchor: ``sha256sum`` over the file (the anchor the vault issue names),
* haven: the importer into a sink that keeps nothing, in a child process so its peak memory (ru_maxrss)
  is its own.

Usage::

    .venv/bin/python benchmarks/bench_importers.py                # 10 MB each (under a minute)
    .venv/bin/python benchmarks/bench_importers.py --size-mb 200  # memory should stay the same

The last line is ``ratio haven/anchor: X`` = WhatsApp import seconds / sha256sum seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from haven.core.hashing import digest_stream
from haven.core.models import Item
from haven.importers import get_importer

class Sink:
    options = {"tz": "UTC"}
    count = 0
    def add_item(self, stream, **meta):
        d = digest_stream(stream)
        return Item(id="item-" + d.sha256[:16], sha256=d.sha256, size=d.size, filename=meta["filename"],
                    source_path=meta["source_path"])
    def add_message(self, msg):
        self.count += 1
    def warn(self, text):
        pass

base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sink = Sink()
start = time.perf_counter()
get_importer(sys.argv[1]).run(Path(sys.argv[2]), sink)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": took, "messages": sink.count, "peak_mib": peak / 1024, "base_mib": base / 1024}))
"""


def write_whatsapp(path: Path, size: int) -> None:
    lines = [
        "{d:02d}/03/2024, 21:{m:02d} - Sam Jones: message {i} with a few words, pay 200 to sam.j0nes\n",
        "{d:02d}/03/2024, 21:{m:02d} - Alex: who is this?\nplease stop\n",
        "{d:02d}/03/2024, 21:{m:02d} - Sam Jones: IMG-2024{i:07d}-WA0001.jpg (file attached)\n",
        "{d:02d}/03/2024, 21:{m:02d} - Sam Jones: <Media omitted>\n",
        "{d:02d}/03/2024, 21:{m:02d} - Sam Jones: This message was deleted\n",
    ]
    written, i = 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < size:
            text = lines[i % len(lines)].format(d=1 + (i // 5000) % 28, m=i % 60, i=i)
            fh.write(text)
            written += len(text.encode())
            i += 1


def write_telegram(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            '{"about": "", "chats": {"about": "", "list": [{"name": "Sam", "type": "personal_chat", '
            '"id": 1, "messages": ['
        )
        written, i = 0, 0
        while written < size:
            msg = {
                "id": i + 1,
                "type": "message",
                "date": "2024-03-16T10:00:00",
                "date_unixtime": str(1710583200 + i),
                "from": "Sam",
                "from_id": "user1",
                "text": ["pay here ", {"type": "link", "text": "https://example.invalid/pay"}],
                "text_entities": [{"type": "plain", "text": "pay here "}],
            }
            text = ("," if i else "") + json.dumps(msg)
            fh.write(text)
            written += len(text)
            i += 1
        fh.write("]}]}}")


def sha256sum_seconds(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - start


def run_child(name: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, name, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=10.0, help="size of each synthetic export")
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    ratio = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, writer, filename in (
            ("telegram", write_telegram, "result.json"),
            ("whatsapp", write_whatsapp, "WhatsApp Chat with Sam.txt"),
        ):
            path = Path(tmp) / filename
            writer(path, size)
            mb = path.stat().st_size / 1e6
            sha256sum_seconds(path)  # warm the page cache
            anchor = sha256sum_seconds(path)
            result = run_child(name, path)
            rate = result["messages"] / result["seconds"]
            print(
                f"{name}: {mb:.1f} MB, {result['messages']:.0f} messages in {result['seconds']:.2f} s "
                f"({rate:.0f} messages/s, {mb / result['seconds']:.2f} MB/s); "
                f"peak RSS {result['peak_mib']:.0f} MiB (after imports {result['base_mib']:.0f} MiB); "
                f"sha256sum {anchor:.3f} s"
            )
            ratio = result["seconds"] / anchor
            print(f"{name} ratio haven/sha256sum: {ratio:.1f}")
    print(f"ratio haven/anchor: {ratio:.2f}")


if __name__ == "__main__":
    main()
