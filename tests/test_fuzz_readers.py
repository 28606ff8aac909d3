"""No input can crash or stall a reader: hypothesis mutates every importer's own examples, emails and texts
(bit flips, cuts, repeated runs of hostile tokens up to a few hundred KB) and runs each input in a worker
process (``fuzz_worker.py``) with a memory ceiling (RLIMIT_AS) and a time limit. Every input must end in
a result or a plain refusal — never a traceback, never over a limit. The findings of the reliability runs
are regression fixtures, generated here (no large files are shipped)."""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conftest import SHARED
from haven.importers import REGISTRY

WORKER = Path(__file__).with_name("fuzz_worker.py")
CPU_LIMIT = 5.0
"""CPU seconds one input may take (linear readers need well under a second for these sizes)."""
WALL_LIMIT = 20.0
"""Wall-clock seconds before the worker is killed (counted as over the time limit)."""
MEM_MIB = 512
"""Address space one worker may add on top of what its imports use."""
FUZZ_EXAMPLES = int(os.environ.get("HAVEN_FUZZ_EXAMPLES", "400"))
"""Inputs per CI run (derandomized: the same every run). ``HAVEN_FUZZ_SEED`` explores other inputs."""
FUZZ_SEED = os.environ.get("HAVEN_FUZZ_SEED")
MAX_INPUT = 400_000
TOKENS = [
    b"[",
    b"](",
    b"![a](",
    b"000 ",
    b"1,",
    b"a ",
    b"--b\n",
    b"\n",
    b"{",
    b'{"a":',
    b"[{",
    b"\x00",
    b"\xff\xfe",
    b"PK\x03\x04",
    b"=?utf-8?b?",
    b"<span>",
    b"<p>",
    b"bc1q",
    b"http://",
    b"@",
    b"+44 ",
    b"\\",
    b'"',
    b"\t",
    b"Content-Type: multipart/mixed; boundary=b\n\n--b\n",
    b"[2024-03-20 21:15:02] Sam: ",
    b"1/2/24, 9:15 - ",
    b"$",
    b"\xe2\x80\x8b",
    b"0x",
    b"%",
    b"(",
    b")",
    b"1" * 30,
    b"A" * 40,
]


class Worker:
    """One ``fuzz_worker.py`` process; restarted after it is killed for running over the time limit."""

    def __init__(self, mem_mib: int = MEM_MIB) -> None:
        self.mem_mib = mem_mib
        self.proc: subprocess.Popen[str] | None = None
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(self.mem_mib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert json.loads(self._read(120)) == {"ready": True}

    def _read(self, timeout: float) -> str:
        assert self.proc and self.proc.stdout
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError(f"the worker died (exit {self.proc.wait()})")
        return line

    def run(self, **job: Any) -> dict[str, Any]:
        assert self.proc and self.proc.stdin
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self._read(WALL_LIMIT))
        except TimeoutError:
            self.restart()
            return {"outcome": "time", "cpu": WALL_LIMIT}
        except (EOFError, BrokenPipeError) as exc:
            self.restart()
            return {"outcome": "crash", "error": str(exc)}
        if answer["outcome"] in ("ok", "refused") and answer["cpu"] > CPU_LIMIT:
            answer["outcome"] = "time"
        return answer

    def restart(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def _seeds() -> list[tuple[str, str, Path]]:
    """(target, importer, example path): every importer's examples, emails and texts."""
    out = [("importer", name, ex) for name, imp in REGISTRY.items() for ex in imp.examples]
    out += [
        ("email", "", ex)
        for _n, imp in REGISTRY.items()
        if imp.name in ("eml", "mbox")
        for ex in imp.examples
    ]
    corpus = SHARED / "corpora" / "sextortion-emails-mailing-lists"
    if corpus.is_dir():
        out += [("email", "", p) for p in sorted(corpus.glob("*.eml"))[:2]]
    out += [("text", "", ex) for ex in REGISTRY.get("whatsapp").examples if ex.suffix == ".txt"]
    return out


SEEDS = _seeds()


@st.composite
def mutants(draw: st.DrawFn) -> tuple[int, bytes]:
    index = draw(st.integers(0, len(SEEDS) - 1))
    data = bytearray(SEEDS[index][2].read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "token", "cut"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "repeat" and data:  # a slice of the file itself, many times over
            piece = bytes(data[at : at + draw(st.integers(1, 40))])
            data[at:at] = piece * draw(st.integers(2, 5000))
        elif op == "token":  # a hostile token repeated into a long run
            data[at:at] = draw(st.sampled_from(TOKENS)) * draw(st.sampled_from([1, 10, 1000, 20_000]))
        elif op == "cut":
            del data[at:]
    return index, bytes(data[:MAX_INPUT])


def _write(folder: Path, seed: Path, data: bytes) -> Path:
    """The input under the example's own folder and file name (detectors look at both)."""
    target = folder / seed.parent.name / seed.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def test_fuzz_every_reader(worker: Worker, tmp_path: Path):
    outcomes: Counter[str] = Counter()
    bad: list[tuple[str, str, dict[str, Any]]] = []
    count = [0]

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=FUZZ_SEED is None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(int(FUZZ_SEED or 0))
    @given(mutants())
    def one(case: tuple[int, bytes]) -> None:
        index, data = case
        target, importer, seed = SEEDS[index]
        count[0] += 1
        path = _write(tmp_path / str(count[0] % 50), seed, data)
        answer = worker.run(target=target, importer=importer, path=str(path))
        outcomes[answer["outcome"]] += 1
        if answer["outcome"] not in ("ok", "refused") or "Traceback" in answer.get("message", "x"):
            keep = Path(os.environ.get("HAVEN_FUZZ_KEEP", tmp_path)) / "bad" / f"{count[0]}-{seed.name}"
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_bytes(data)
            bad.append((f"{target}:{importer or seed.name}", str(keep), answer))

    one()
    print(f"fuzz: {count[0]} inputs, outcomes {dict(outcomes)}, crashes/over-limit {len(bad)}")
    assert count[0] >= FUZZ_EXAMPLES // 2
    assert not bad, bad[:3]


# -- the reliability runs' findings, as regression fixtures ---------------------------------------------


def _zip_with_bad_offset(path: Path) -> Path:
    """A WhatsApp zip whose central directory points its member far past the end of the file."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("_chat.txt", "1/2/24, 9:15 - Sam: hello\n")
    data = bytearray(path.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 42 : cd + 46] = struct.pack("<I", 0xFFFFFF00)  # relative offset of the local header
    path.write_bytes(bytes(data))
    return path


def _png(path: Path, width: int, height: int) -> Path:
    """A grey PNG written row by row (tiny on disk, ``width * height`` pixels when decoded)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * (width * 4)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_corrupted_member_offset_is_a_plain_message(worker: Worker, tmp_path: Path):
    path = _zip_with_bad_offset(tmp_path / "WhatsApp Chat - Sam.zip")
    answer = worker.run(target="importer", importer="whatsapp", path=str(path))
    assert answer["outcome"] == "refused", answer
    assert "damaged" in answer["message"] and "Invalid argument" not in answer["message"]


def test_signal_file_of_brackets_imports_in_linear_time(worker: Worker, tmp_path: Path):
    path = tmp_path / "Sam" / "chat.md"
    path.parent.mkdir()
    path.write_bytes(b"[2024-03-20 21:15:02] Sam: " + b"[" * 200_000 + b"](" * 100_000 + b"\n")
    answer = worker.run(target="importer", importer="signal", path=str(path))
    assert answer["outcome"] == "ok" and answer["messages"] == 1, answer  # 400 KB, within the limit


def test_email_check_of_mutated_text_is_linear(worker: Worker, tmp_path: Path):
    path = tmp_path / "pasted.txt"
    path.write_bytes(b"Pay now. " + b"000 " * 39_000)  # 156 KB: the amount pattern backtracked on it
    answer = worker.run(target="email", path=str(path))
    assert answer["outcome"] == "ok", answer


def test_email_with_a_long_run_of_blank_lines_is_linear(worker: Worker, tmp_path: Path):
    path = tmp_path / "blank.eml"  # found by this fuzz test: the cue lexicons rescanned whitespace runs
    path.write_bytes(b"From: a@example.org\nSubject: x\n\nHello." + b"\n" * 60_000 + b"Do not pay.\n")
    answer = worker.run(target="email", path=str(path))
    assert answer["outcome"] == "ok", answer


def test_chat_message_with_a_long_digit_run_is_linear(worker: Worker, tmp_path: Path):
    path = tmp_path / "WhatsApp Chat with Sam.txt"  # found by token runs: the money pattern rescanned digits
    for run in (b"1," * 100_000, b"0" * 200_000):
        path.write_bytes(b"14/03/2024, 21:03 - Sam Jones: send " + run + b" now\n")
        answer = worker.run(target="importer", importer="whatsapp", path=str(path))
        assert answer["outcome"] == "ok" and answer["messages"] == 1, answer


def test_deeply_nested_mime_is_a_designed_limit(worker: Worker, tmp_path: Path):
    path = tmp_path / "nested.eml"
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(10_000)
    )
    path.write_bytes(b"From: a@example.org\nSubject: x\nMIME-Version: 1.0\n" + opening + b"\nhi\n")
    for target in ("email", "importer"):
        answer = worker.run(target=target, importer="eml", path=str(path))
        assert answer["outcome"] == "refused", answer
        assert "nested more than" in answer["message"] and "recursion" not in answer["message"]


def test_large_png_decodes_within_256_mib(tmp_path: Path):
    """9000x9000 RGBA, just under the bomb limit: it peaked at 1,084 MiB; now a fresh worker capped at
    256 MiB above its imports stores it (its text unread, with a warning) without running out."""
    path = _png(tmp_path / "big.png", 9000, 9000)
    small = Worker(mem_mib=256)
    try:
        answer = small.run(target="importer", importer="image", path=str(path))
    finally:
        small.close()
    assert answer["outcome"] == "ok", answer
