"""The blob writer's one-pass pipeline (haven.vault.blobs): any stream shape gives the same digest and the
same readable blob, a failing stream leaves nothing behind, and a forked child can still write blobs."""

from __future__ import annotations

import hashlib
import io
import os
import random

import pytest

from haven.vault.blobs import CHUNK, HEADER_SIZE, TAG, BlobStore, PendingBlobs


class Trickle(io.RawIOBase):
    """A stream whose readinto returns short, random-sized reads (like a pipe or a zip member)."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data, self._pos, self._rng = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), len(self._data) - self._pos, self._rng.randint(1, 300_000))
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


class ReadOnly:
    """Only ``read``: no readinto."""

    def __init__(self, data: bytes) -> None:
        self._fh = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(min(n, 70_000))


class Broken(io.RawIOBase):
    def __init__(self, good: int) -> None:
        self._left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._left <= 0:
            raise OSError("the disk went away")
        n = min(len(buffer), self._left)
        buffer[:n] = b"x" * n
        self._left -= n
        return n


@pytest.fixture
def store(tmp_path) -> BlobStore:
    s = BlobStore(tmp_path, os.urandom(32), os.urandom(32))
    s.ensure_dirs()
    return s


@pytest.mark.parametrize("size", [0, 5, CHUNK, 2 * CHUNK, 3 * CHUNK + 17, 5 * CHUNK - 1])
@pytest.mark.parametrize("shape", ["bytesio", "trickle", "read-only"])
def test_any_stream_shape_gives_the_same_blob(store: BlobStore, size: int, shape: str) -> None:
    data = random.Random(size).randbytes(size)
    makers = {"bytesio": io.BytesIO, "trickle": lambda d: Trickle(d, size), "read-only": ReadOnly}
    stream = makers[shape](data)
    seen: list[int] = []
    digest, created = store.put(stream, progress=seen.append)
    assert created
    assert (digest.sha256, digest.md5, digest.size) == (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
        size,
    )
    assert sum(seen) == size
    with store.open(digest.sha256, size) as fh:
        assert fh.read() == data
    chunks = max(1, -(-size // CHUNK))
    assert store.path_for(digest.sha256).stat().st_size == HEADER_SIZE + size + chunks * TAG
    again, created = store.put(io.BytesIO(data))
    assert again == digest and not created  # de-duplicated
    hashed, created = store.put(Trickle(data, 1), store=False)
    assert hashed == digest and not created


def test_failing_stream_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(OSError, match="went away"):
        store.put(Broken(3 * CHUNK + 5))
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.blob_dir.iterdir()) == []


def test_refused_copy_leaves_nothing(store: BlobStore) -> None:
    digest, created = store.put(io.BytesIO(os.urandom(2 * CHUNK)), keep=lambda sha: False)
    assert not created and not store.exists(digest.sha256)
    assert list(store.tmp_dir.iterdir()) == []


def test_forked_child_writes_blobs(store: BlobStore) -> None:
    data = os.urandom(3 * CHUNK)
    store.put(io.BytesIO(os.urandom(2 * CHUNK)))  # the parent's helper thread is running
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            digest, created = store.put(io.BytesIO(data))
            os._exit(0 if created and digest.sha256 == hashlib.sha256(data).hexdigest() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with store.open(hashlib.sha256(data).hexdigest(), len(data)) as fh:
        assert fh.read() == data


def test_batched_blobs_appear_only_when_flushed(store: BlobStore) -> None:
    """In a transaction's batch, blobs stay in tmp/ (not at their names) until the flush before the
    commit; the same content twice is one blob; a discarded batch leaves nothing."""
    pending = PendingBlobs(store.blob_dir)
    batch = store.deferring(pending)
    datas = [os.urandom(n) for n in (5, CHUNK + 3, 2 * CHUNK)]
    made = [batch.put(io.BytesIO(d)) for d in datas]
    again = batch.put(io.BytesIO(datas[1]))
    assert all(created for _, created in made) and not again[1] and len(pending) == 3
    assert not any(store.exists(d.sha256) for d, _ in made)
    assert len(list(store.tmp_dir.iterdir())) == 3
    pending.flush()
    assert list(store.tmp_dir.iterdir()) == [] and len(pending) == 0
    for (digest, _), data in zip(made, datas, strict=True):
        assert store.check(digest.sha256, len(data)) is None
        with store.open(digest.sha256) as fh:
            assert fh.read() == data
    gone = batch.put(io.BytesIO(os.urandom(CHUNK)))
    pending.discard()
    assert not store.exists(gone[0].sha256) and list(store.tmp_dir.iterdir()) == []
    assert store.put(io.BytesIO(datas[0]))[1] is False  # the plain store sees the flushed blob


@pytest.mark.parametrize("way", ["direct", "cached", "refused-mid-file"])
@pytest.mark.parametrize("size", [1, 4096 - HEADER_SIZE - TAG, CHUNK - 1, 2 * CHUNK + 4096, 3 * CHUNK + 5])
def test_written_around_the_page_cache_or_through_it_alike(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch, size: int, way: str
) -> None:
    """``O_DIRECT`` writes (staged, padded, cut back), the page cache where the file system refuses
    ``O_DIRECT``, and a refusal in the middle of a file all give the same, exact, readable blob."""
    from haven.vault import direct

    went_direct: list[bool] = []
    real_on = direct._direct_on

    def direct_on(fd: int) -> bool:
        went_direct.append(way != "cached" and real_on(fd))
        return went_direct[-1]

    monkeypatch.setattr(direct, "_direct_on", direct_on)
    real_write, calls = os.write, [0]

    def write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        calls[0] += 1
        if way == "refused-mid-file" and went_direct[-1] and calls[0] == 2:
            raise OSError(22, "Invalid argument")  # as a file system that takes O_DIRECT only sometimes
        return real_write(fd, data)

    monkeypatch.setattr(direct.os, "write", write)
    data = random.Random(size).randbytes(size)
    digest, created = store.put(io.BytesIO(data))
    assert created and went_direct
    chunks = max(1, -(-size // CHUNK))
    assert store.path_for(digest.sha256).stat().st_size == HEADER_SIZE + size + chunks * TAG
    with store.open(digest.sha256, size) as fh:
        assert fh.read() == data


def test_a_failing_write_leaves_nothing(store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from haven.vault import direct

    real_write, calls = os.write, [0]

    def write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(direct.os, "write", write)
    with pytest.raises(OSError, match="No space"):
        store.put(io.BytesIO(os.urandom(4 * CHUNK)))
    assert list(store.tmp_dir.iterdir()) == [] and list(store.blob_dir.iterdir()) == []
