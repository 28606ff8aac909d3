"""The elliptic-curve work of a PSI run (``psi.py``), spread over worker processes so every core helps.

Each task carries the run's one-time key (32 bytes), so any worker can take any chunk; the key objects are
cached per worker and live only in these processes' memory. ``openmined-psi``'s objects are not safe to
share between threads, and its work holds the GIL for long stretches: processes, not threads.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

CHUNK = 8192  # elements per task: small enough to pipeline, large enough that a task's overhead is small

_objects: dict[tuple[str, bytes], Any] = {}


def _psi() -> Any:
    import private_set_intersection.python as psi

    return psi


def new_key(role: str) -> bytes:
    """A fresh one-time private key for ``role`` ("client" or "server")."""
    psi = _psi()
    maker = psi.client if role == "client" else psi.server
    return bytes(maker.CreateWithNewKey(True).GetPrivateKeyBytes())


def _get(role: str, key: bytes) -> Any:
    obj = _objects.get((role, key))
    if obj is None:
        psi = _psi()
        if len(_objects) >= 4:
            _objects.clear()
        obj = (psi.client if role == "client" else psi.server).CreateFromKey(key, True)
        _objects[(role, key)] = obj
    return obj


# -- tasks (run in a worker) ---------------------------------------------------------------------------
def _watch(parent: int) -> None:
    """In each worker: end when the console that started it has gone (even if it was killed), so no
    worker — and no key — outlives its console."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="psi-parent-watch", daemon=True).start()


def ready() -> bool:
    _psi()
    return True


def encrypt(key: bytes, elements: list[str]) -> bytes:
    """Client: H(x)^a for each element, in order (a serialised ``Request``)."""
    return bytes(_get("client", key).CreateRequest(elements).SerializeToString())


def encrypt_each(key: bytes, elements: list[str]) -> list[bytes]:
    """H(y)^k for each element, in order. With the server's key this is exactly what the library's
    ``CreateSetupMessage`` computes (the same cipher), but element by element, so a setup can be kept up
    to date one element at a time."""
    return list(_get("client", key).CreateRequest(elements).encrypted_elements)


def reencrypt(key: bytes, request: bytes) -> bytes:
    """Server: (H(x)^a)^b for each element of a request, in order (a serialised ``Response``)."""
    psi = _psi()
    req = psi.Request()
    req.ParseFromString(request)
    return bytes(_get("server", key).ProcessRequest(req).SerializeToString())


def intersect(key: bytes, setup: bytes, response: bytes) -> list[int]:
    """Client: the positions in one request chunk whose element is in the server's set."""
    psi = _psi()
    s, r = psi.ServerSetup(), psi.Response()
    s.ParseFromString(setup)
    r.ParseFromString(response)
    return [int(i) for i in _get("client", key).GetIntersection(s, r)]


def setup_message(encrypted: Iterable[bytes]) -> bytes:
    """The server's raw setup message: its encrypted elements, sorted (the order says nothing)."""
    psi = _psi()
    msg = psi.ServerSetup()
    msg.raw.encrypted_elements.extend(sorted(encrypted))
    return bytes(msg.SerializeToString())


def count(request: bytes) -> int:
    psi = _psi()
    req = psi.Request()
    req.ParseFromString(request)
    return len(req.encrypted_elements)


# -- the pool ------------------------------------------------------------------------------------------
def parts(elements: list[str], size: int = CHUNK) -> list[list[str]]:
    return [elements[i:i + size] for i in range(0, len(elements), size)] or [[]]


class Pool:
    """A small process pool (one worker per core, at most 4), started at once so its start-up overlaps
    the database reads."""

    def __init__(self, workers: int | None = None) -> None:
        n = workers or max(1, min(4, os.cpu_count() or 1))
        self.executor = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_watch, initargs=(os.getpid(),))
        self.warm = [self.executor.submit(ready) for _ in range(n)]

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        return self.executor.submit(fn, *args)

    def encrypt_each(self, key: bytes, elements: list[str]) -> list[bytes]:
        """``encrypt_each`` over every worker, in chunks."""
        futures = [self.submit(encrypt_each, key, p) for p in parts(elements) if p]
        return [e for f in futures for e in f.result()]

    def close(self, wait: bool = True) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=True)
