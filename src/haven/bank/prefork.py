"""Several server processes over one index: build it once, then fork the workers.

``uvicorn --workers N`` starts each worker from scratch, so each one reads the bank and builds its own
index (N times the start-up, N times the memory). Here the parent builds the app and loads the matcher
(snapshot or database) once, freezes its objects out of the garbage collector's reach, opens the
listening socket and forks ``workers`` children. Each child runs uvicorn on the inherited socket with
the same app: the index arrays are the parent's pages, shared copy-on-write (a worker copies only the
pages its own adds and withdrawals touch). Each child starts its own event follower (``Matcher.start``
without a reload), so every worker applies adds and withdrawals from the database's events feed a few
times a second, as before: visible in every worker within a second.

The parent serves nothing: it waits, starts a child again if one dies (the new child begins from the
parent's loaded state and replays the events since), and on SIGTERM/SIGINT stops the children. It runs
no threads before forking (a fork copies only the calling thread).
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

RESPAWN_PAUSE = 1.0  # seconds between restarts of a dying worker (no tight fork loop)


def listen(host: str, port: int, count: int = 1, backlog: int = 2048) -> list[socket.socket]:
    """``count`` listening TCP sockets on one address, one per worker. With ``SO_REUSEPORT`` the kernel
    spreads new connections over them evenly; one shared socket would let whichever worker wakes first
    accept a whole burst of connections (measured: a keep-alive load of 16 connections then ran on
    one worker). Without ``SO_REUSEPORT``, one socket shared by all."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reuse = hasattr(socket, "SO_REUSEPORT") and count > 1
    out: list[socket.socket] = []
    for _ in range(count if reuse else 1):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]  # port 0: the others take the one the first was given
        sock.listen(backlog)
        sock.set_inheritable(True)
        out.append(sock)
    return out


def _child(app: Any, sock: socket.socket, options: dict[str, Any]) -> None:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # a SIGTERM to the process group reaches a child twice (itself, then from the parent): the
            # second must not turn the clean shutdown (lifespan: snapshot saved) into a forced one
            if sig == signal.SIGTERM and self.should_exit:
                return
            super().handle_exit(sig, frame)

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    Server(uvicorn.Config(app, lifespan="on", **options)).run(sockets=[sock])


def server_options(app: Any, options: dict[str, Any]) -> dict[str, Any]:
    """uvicorn options with the bank's fast ``GET /v1/match`` protocol when httptools is in use."""
    from haven.bank.fastmatch import BankAPI, http_protocol

    if options.get("http") == "httptools" and isinstance(app, BankAPI):
        return {**options, "http": http_protocol(app)}
    return options


def serve(
    app: Any,
    prepare: Callable[[], None],
    host: str,
    port: int,
    workers: int,
    options: dict[str, Any],
    extra: list[Callable[[], None]] | None = None,
) -> None:
    """``prepare()`` (load the index, close database connections) once here, then ``workers`` uvicorn
    children on one socket. ``extra``: other functions each run in a child process of their own (e.g.
    the exchange scheduler), so the parent stays thread-free."""
    prepare()
    socks = listen(host, port, workers)
    gc.collect()
    gc.freeze()  # the loaded objects are never scanned again: their pages stay shared
    jobs: dict[int, Callable[[], None]] = {}
    stopping = False

    def fork(job: Callable[[], None]) -> None:
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                job()
            except BaseException:  # the child must never return into the parent's loop
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        jobs[pid] = job

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(jobs):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        options = server_options(app, options)
        for i in range(workers):
            sock = socks[i % len(socks)]  # a restarted worker takes the same socket again
            fork(functools.partial(_child, app, sock, options))
        for job in extra or []:
            fork(job)
        while jobs:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
                continue
            ended = jobs.pop(pid, None)
            if ended is not None and not stopping:
                time.sleep(RESPAWN_PAUSE)
                if not stopping:
                    fork(ended)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for sock in socks:
            sock.close()
