"""The crash test (issue 21 item 8): real ``SIGKILL``s of importing processes at points chosen from the
import's own progress — while parsing, mid-batch (messages written, transaction open), between the commit
and the ledger head / blob removal, and during the removal of a copy that must not stay — each followed
by ``case verify``, and chains of kills followed by a re-import that loses and duplicates nothing.

Each run is a forked child of this process (so it starts in milliseconds, engines already loaded) that
counts the import's events and kills itself with ``SIGKILL`` at the chosen one: no clean-up runs, exactly
as if the power went. The case is a minor's, so marking a photo intimate removes copies after commit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from haven.vault import Vault, sink, txn
from test_vault_support import FAST_KDF

PASS = "pass phrase for tests"
CHATS = 4
PER_CHAT = 60
BATCH = 20
KILLS = 104
CHAIN = 5
"""Kills on one case before it is imported to the end and checked for losses and duplicates."""


def _chat_lines(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    t = datetime(2024, 2, 1, 9, 0) + timedelta(days=seed)
    words = ["ok", "yes", "no", "later", "home", "tonight", "lol", "sure", "fine", "call", "me", "free"]
    lines = []
    for i in range(n):
        t += timedelta(minutes=rnd.randint(1, 30))
        who = "Sam" if i % 2 else "Alex"
        text = "pay 200 or everyone sees this" if i % 37 == 5 else " ".join(rnd.sample(words, 5))
        lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")
    return "".join(lines)


def _exports(folder: Path) -> Path:
    folder.mkdir()
    for c in range(CHATS):
        (folder / f"WhatsApp Chat with Person{c}.txt").write_text(_chat_lines(PER_CHAT, c), "utf-8")
    with zipfile.ZipFile(folder / "WhatsApp Chat with Photos.zip", "w") as zf:
        chat = _chat_lines(20, 99) + "03/03/2024, 10:00 - Sam: IMG-0001.jpg (file attached)\n"
        zf.writestr("_chat.txt", chat)
        zf.writestr("IMG-0001.jpg", b"\xff\xd8" + random.Random(5).randbytes(3000))
    return folder


def _run(case: Path, exports: Path, kill_at: tuple[str, int] | None) -> tuple[int, list[str]]:
    """In a forked child: import everything, then mark the photo intimate; ``kill_at = (label, n)``:
    SIGKILL at the ``n``-th event with that label. Returns (wait status, the labels of the events seen)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        labels: list[str] = []

        seen: Counter[str] = Counter()

        def tick(label: str) -> None:
            seen[label] += 1
            if kill_at is not None and (label, seen[label]) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            labels.append(label)

        try:
            sink.BATCH = BATCH
            txn.FAULT_HOOK = tick
            with Vault.open(case, PASS) as v:
                v.import_paths([exports], events=lambda p: tick(f"progress:{p.stage}"))
                for item in v.items():
                    if item.filename.endswith(".jpg") and not item.intimate:
                        v.mark_intimate(item.id)
            os.write(write_fd, "\n".join(labels).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 1 << 16):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    return status, b"".join(chunks).decode().split("\n") if chunks else []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")
def test_kills_at_points_chosen_from_the_import_progress(tmp_path: Path):
    exports = _exports(tmp_path / "exports")
    template = tmp_path / "template"
    Vault.create(template, PASS, kdf=FAST_KDF, age=16).close()

    # A dry run: the sequence of events of a whole import (where each kill point lies).
    dry = tmp_path / "dry"
    shutil.copytree(template, dry)
    status, labels = _run(dry, exports, None)
    assert os.WIFEXITED(status) and labels, "the dry run must finish"
    with Vault.open(dry, PASS) as v:
        expected = (v.message_count(), len(v.items()))
        assert v.verify() == []
    kinds = Counter(label.split(":")[0] if label.startswith("progress") else label for label in labels)
    assert {"batch-written", "committed", "head-written", "removing-blob", "progress"} <= set(kinds)

    rnd = random.Random(20240214)
    by_label = Counter(labels)
    real_kills: Counter[str] = Counter()
    runs = 0
    chains = 0
    while sum(real_kills.values()) < KILLS and runs < 3 * KILLS:
        case = tmp_path / f"case{chains}"
        shutil.copytree(template, case)
        for _ in range(CHAIN):
            label = rnd.choice(sorted(by_label))  # every kind of point gets its share
            at = (label, rnd.randint(1, max(1, by_label[label] // 2)))  # a resumed run has fewer events
            status, _ = _run(case, exports, at)
            runs += 1
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                real_kills[label] += 1
            with Vault.open(case, PASS) as v:  # opening repairs a removal the kill interrupted
                problems = v.verify()
            assert problems == [], f"after a kill at event {at} ({label}): {problems}"
        status, _ = _run(case, exports, None)  # resume to the end
        assert os.WIFEXITED(status)
        with Vault.open(case, PASS) as v:
            assert v.verify() == []
            assert (v.message_count(), len(v.items())) == expected  # nothing lost, nothing twice
            assert len({i.sha256 for i in v.items()}) == expected[1]
            photo = next(i for i in v.items() if i.filename.endswith(".jpg"))
            assert photo.intimate and not photo.stored and not v.blobs.exists(photo.sha256)
            assert v.derived_state()["stale"] is False
        assert not list((case / "tmp").iterdir())
        shutil.rmtree(case)
        chains += 1
    total = sum(real_kills.values())
    print(f"\ncrash test: {total} real kills, {runs} runs, {chains} cases: {dict(real_kills)}")
    assert total >= KILLS
    assert all(real_kills[k] > 0 for k in ("batch-written", "committed", "head-written", "removing-blob"))
