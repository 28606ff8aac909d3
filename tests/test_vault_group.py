"""Grouped import transactions (haven.vault.group): many small files per commit, a failing file rolled
back alone, a failed group commit a plain error with the case intact, and a SIGKILL between groups that
loses only the open group and resumes without duplicates."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from haven.core.errors import HavenError
from haven.vault import Vault, txn
from haven.vault.blobs import PendingBlobs
from haven.vault.group import Limits
from test_vault_support import FAST_KDF, ToyChat, write_chat

PASS = "pass phrase for group tests"


def _files(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"photo{i:03}.bin").write_bytes(os.urandom(2000 + 97 * i))
    return folder


def _blob_files(case: Path) -> int:
    return sum(1 for p in (case / "blobs").rglob("*") if p.is_file())


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    seen: Counter[str] = Counter()
    monkeypatch.setattr(txn, "FAULT_HOOK", lambda point: seen.update([point]))
    return seen


def test_many_files_share_few_commits(tmp_path: Path, commits: Counter[str]) -> None:
    src = _files(tmp_path / "src", 12)
    with Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF) as v:
        commits.clear()
        with v.grouped(Limits(files=5, seconds=1e9)):
            summary = v.import_paths([src], fmt="generic")
        assert summary.ok and summary.items == 12
        assert commits["committed"] == 3  # 5 + 5 + 2
        assert len(v.items()) == 12 and v.verify() == []
        assert _blob_files(tmp_path / "case") == 12
        assert not list((tmp_path / "case" / "tmp").iterdir())
        # the default grouping too: one import, fewer commits than files
        commits.clear()
        more = _files(tmp_path / "more", 8)
        assert v.import_paths([more], fmt="generic").ok
        assert 1 <= commits["committed"] < 8
        assert len(v.items()) == 20 and v.verify() == []


def test_a_failing_file_in_a_group_is_rolled_back_alone(tmp_path: Path) -> None:
    src = _files(tmp_path / "src", 4)
    photo = src / "attached.jpg"
    photo.write_bytes(os.urandom(5000))
    rows = [("2024-05-01T10:00:00+00:00", "Alex", "hello", "attached.jpg")]
    write_chat(src / "chat_bad.txt", rows, ("BOOM",))
    write_chat(src / "chat_good.txt", [("2024-05-01T11:00:00+00:00", "Sam", "fine", "")])
    with Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF) as v:
        before = {p.name for p in (tmp_path / "case" / "blobs").rglob("*") if p.is_file()}
        assert not before
        inputs = [*sorted(src.glob("photo*")), src / "chat_bad.txt", src / "chat_good.txt"]
        summary = v.import_paths(inputs, fmt=ToyChat())
        by_name = {Path(f.path).name: f for f in summary.files}
        assert by_name["chat_bad.txt"].errors and by_name["chat_good.txt"].ok
        assert v.message_count() == 1  # the broken chat's message did not stay
        names = {i.filename for i in v.items()}
        assert "chat_bad.txt" in names  # kept unparsed, as without grouping
        assert "attached.jpg" not in names  # stored by the rolled-back file only
        assert v.verify() == []
        stored = [i for i in v.items() if i.stored]
        assert _blob_files(tmp_path / "case") == len(stored)
        assert not list((tmp_path / "case" / "tmp").iterdir())


def test_a_failed_group_commit_is_a_plain_error_and_the_case_stays_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _files(tmp_path / "first", 3)
    src = _files(tmp_path / "src", 6)
    with Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF) as v:
        assert v.import_paths([first], fmt="generic").ok
        real = PendingBlobs.flush

        def failing(self: PendingBlobs) -> None:
            if len(self):
                raise OSError(28, "No space left on device")
            real(self)

        monkeypatch.setattr(PendingBlobs, "flush", failing)
        with pytest.raises(HavenError, match="No space left"):
            v.import_paths([src], fmt="generic")
        monkeypatch.setattr(PendingBlobs, "flush", real)
        assert len(v.items()) == 3 and v.verify() == []
        assert not list((tmp_path / "case" / "tmp").iterdir())
        assert v.import_paths([src], fmt="generic").ok  # the case still takes writes
        assert len(v.items()) == 9 and v.verify() == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")
def test_a_kill_between_groups_keeps_the_committed_groups_and_resumes(tmp_path: Path) -> None:
    src = _files(tmp_path / "src", 20)
    case = tmp_path / "case"
    Vault.create(case, PASS, kdf=FAST_KDF).close()

    def run(kill_at_commit: int | None) -> int:
        pid = os.fork()
        if pid == 0:
            try:
                seen: Counter[str] = Counter()

                def tick(point: str) -> None:
                    seen[point] += 1
                    if kill_at_commit is not None and (point, seen[point]) == ("committed", kill_at_commit):
                        os.kill(os.getpid(), signal.SIGKILL)

                txn.FAULT_HOOK = tick
                with Vault.open(case, PASS) as v, v.grouped(Limits(files=5, seconds=1e9)):
                    v.import_paths([src], fmt="generic")
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        return status

    status = run(kill_at_commit=2)  # killed right after the second group's commit
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    with Vault.open(case, PASS) as v:
        assert len(v.items()) == 10  # two whole groups, nothing of the third
        assert v.verify() == []
    status = run(kill_at_commit=None)
    assert os.WIFEXITED(status)
    with Vault.open(case, PASS) as v:
        items = v.items()
        assert len(items) == 20 and len({i.sha256 for i in items}) == 20
        assert v.verify() == []
        assert _blob_files(case) == 20
    assert not list((case / "tmp").iterdir())


def test_another_thread_writes_between_groups(tmp_path: Path) -> None:
    """The lock is held only while a group is open: a note written from another thread during a long
    grouped import goes in (its own transaction), and the case stays whole."""
    import threading

    src = _files(tmp_path / "src", 9)
    with Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF) as v:
        started: list[threading.Thread] = []
        done = threading.Event()

        def note() -> None:
            v.add_note("written while the import ran")
            done.set()

        def events(_progress: object) -> None:
            if not started:
                started.append(threading.Thread(target=note))
                started[0].start()

        with v.grouped(Limits(files=3, seconds=1e9)):
            assert v.import_paths([src], fmt="generic", events=events).ok
        started[0].join(timeout=60)
        assert done.is_set()
        assert [n["text"] for n in v.notes()] == ["written while the import ran"]
        assert len(v.items()) == 9 and v.verify() == []
