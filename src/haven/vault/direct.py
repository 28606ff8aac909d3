"""Writing a new blob file around the page cache (``O_DIRECT``), in a helper thread.

A copy of the evidence is written once and read rarely (``verify``, an export), so passing it through
the page cache only costs CPU: the kernel allocates and copies every page (and reclaims memory for it
on a busy machine: 0.08-0.58 CPU-s of kernel time per 200 MiB here, against 0.04-0.06 direct), then
writes it back anyway before the ``fdatasync`` that makes the blob durable.

``O_DIRECT`` wants the buffer address, the length and the file offset aligned (``ALIGN``). Sealed chunks
are staged in two page-aligned buffers in turn: when one holds whole ``ALIGN`` runs they are written by
a helper thread (a direct write waits for the disk, which must not hold up the reading and hashing),
and the remainder is carried to the start of the other buffer. The last run is padded with zeros and
the file cut back to its true size. Where the file system refuses ``O_DIRECT``, or refuses one write,
the file is written through the page cache as before. Durability is unchanged: the blob is still
``fdatasync``ed before any database row refers to it.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

ALIGN = 4096
O_DIRECT = getattr(os, "O_DIRECT", 0)


def staging_buffers(capacity: int) -> list[mmap.mmap]:
    """Two page-aligned buffers (anonymous mappings), each for ``capacity`` bytes plus the carry."""
    size = -(-(capacity + 2 * ALIGN) // mmap.PAGESIZE) * mmap.PAGESIZE
    return [mmap.mmap(-1, size), mmap.mmap(-1, size)]


def _direct_on(fd: int) -> bool:
    """Turn ``O_DIRECT`` on for ``fd``; False where the file system (or the platform) refuses it."""
    if not O_DIRECT:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | O_DIRECT)
    except OSError:
        return False
    return True


class StagedWriter:
    """Appends to a new, empty file: ``reserve(n)`` a place, fill it, ``push(n)``; ``finish()`` at the
    end; ``drain()`` on every way out (waits for the helper). One writer per buffer pair at a time."""

    def __init__(self, fd: int, stages: list[mmap.mmap], pool: Callable[[], ThreadPoolExecutor]) -> None:
        self.fd = fd
        self.views = [memoryview(b) for b in stages]
        self.pool = pool
        self.cur = 0
        self.fill = 0
        self.size = 0
        self.direct = _direct_on(fd)
        self.writing: list[Future[None] | None] = [None, None]

    def reserve(self, n: int) -> memoryview:
        return self.views[self.cur][self.fill : self.fill + n]

    def push(self, n: int) -> None:
        self.fill += n
        self.size += n
        whole = self.fill - self.fill % ALIGN
        if whole < ALIGN:
            return
        nxt = 1 - self.cur
        self._wait(nxt)  # the other buffer's last write is done before it is filled again
        rest = self.fill - whole
        self.views[nxt][:rest] = self.views[self.cur][whole : self.fill]
        self.writing[self.cur] = self.pool().submit(self._write, self.cur, whole)
        self.cur, self.fill = nxt, rest

    def finish(self) -> None:
        n = self.fill
        if n:
            n += -n % ALIGN  # padding (cut off below); harmless if the write goes through the cache
            self.views[self.cur][self.fill : n] = bytes(n - self.fill)
            self._wait(1 - self.cur)
            self._write(self.cur, n)
            self.fill = 0
        self.drain(check=True)
        os.ftruncate(self.fd, self.size)

    def drain(self, check: bool = False) -> None:
        for i in (0, 1):
            done, self.writing[i] = self.writing[i], None
            if done is not None:
                error = done.exception()
                if error is not None and check:
                    raise error

    def _wait(self, i: int) -> None:
        done, self.writing[i] = self.writing[i], None
        if done is not None:
            done.result()

    def _write(self, i: int, n: int) -> None:
        data = self.views[i][:n]
        while data:
            try:
                data = data[os.write(self.fd, data) :]
            except OSError as exc:
                if not self.direct or exc.errno != errno.EINVAL:
                    raise
                # This file system (or this write) will not go direct: the page cache, as before.
                fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~O_DIRECT)
                self.direct = False
