"""The derived-data work of one batch of new messages, run here or in worker processes beside the import.

``batch_work`` is a pure function (no database): from the batch's messages (as their stored JSON) and
each conversation's context messages it computes the batch's offender details (``haven.indicators``
batch API ``extract_messages``), per-sender counts, and which of its messages are key messages (carry a
red flag or a payment, ``haven.flags.detect`` over the context and the batch). ``derived.Deriver`` writes
the results into the import's transaction, strictly in batch order, so the database is only ever touched
by the importing process.

``Runner`` runs the work: ``InProcess`` at once, or ``WorkerPool`` in helper processes (a 2-core machine
parses, encrypts and stores on one core while the engines read on the other). Helpers load the engines
once, die with their parent (``PR_SET_PDEATHSIG`` on Linux) and are killed when an import is cancelled
or fails, so a cancelled or killed import leaves nothing running. Only messages of the case being
imported pass to them, over pipes; they write nothing anywhere.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from haven.core.models import Message, MessageKind, is_own_sender
from haven.vault.sink import ts_key

SenderHit = tuple[str | None, str, str | None, str]
"""(message id, sender key, time key, indicator JSON): a sender's own detail."""


@dataclass
class BatchResult:
    """What one batch adds to the derived data (see the module docstring)."""

    indicators: list[tuple[str | None, str]] = field(default_factory=list)
    senders: dict[str, list[SenderHit]] = field(default_factory=dict)
    counts: list[tuple[str, str, str, int, int, str | None]] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)
    error: str | None = None


_ts = ts_key


def own(msg: Message, me: list[str]) -> Message:
    """``from_me`` filled in from the case's names where the export did not say."""
    if me and msg.from_me is None:
        msg = msg.model_copy(update={"from_me": is_own_sender(me, msg.sender, msg.sender_id)})
    return msg


def _details(batch: list[Message], region: str, out: BatchResult) -> None:
    from haven.indicators import extract_messages
    from haven.vault.txn import dumps

    batch = sorted(batch, key=lambda m: (m.timestamp_utc is None, _ts(m) or ""))  # the case's order
    found = extract_messages(batch, (), region=region)
    by_id = {m.id: m for m in batch}
    counts: dict[tuple[str, str, str], list[Any]] = {}
    for m in batch:
        if m.kind == MessageKind.SYSTEM:
            continue
        key = (m.conversation, m.sender or m.sender_id or "unknown", m.sender_id or "")
        entry = counts.setdefault(key, [0, 0, None])
        entry[0] += 1
        entry[1] += int(m.kind == MessageKind.MEDIA or bool(m.attachments))
        if m.timestamp_utc is not None and entry[2] is None:
            entry[2] = m.timestamp_utc.isoformat()
    for ind in found:
        msg = by_id.get(ind.provenance.message_id or "")
        if ind.provenance.field in ("sender", "sender_id") and msg is not None:
            skey = dumps([msg.conversation, msg.sender_id, msg.sender])
            out.senders.setdefault(skey, []).append(
                (ind.provenance.message_id, skey, _ts(msg), ind.model_dump_json())
            )
            continue
        out.indicators.append((ind.provenance.message_id, ind.model_dump_json()))
    out.counts = [(*key, v[0], v[1], v[2]) for key, v in counts.items()]


def _key_ids(batch: list[Message], context: dict[str, list[Message]]) -> list[str]:
    from haven.flags import detect

    by_conv: dict[str, list[Message]] = {}
    for m in batch:
        by_conv.setdefault(m.conversation, []).append(m)
    keys: list[str] = []
    for conv, msgs in by_conv.items():
        report = detect([*context.get(conv, []), *msgs])
        key_ids = {f.message_id for f in report.flags}
        key_ids |= {p.get("message_id") for p in report.summary.get("payments", [])}
        keys += [m.id for m in msgs if m.id in key_ids]
    return keys


def batch_work(
    batch: list[str], context: dict[str, list[str]], me: list[str], region: str
) -> BatchResult:
    """One batch's derived data (see the module docstring); an engine's failure becomes ``error``."""
    out = BatchResult()
    try:
        msgs = [own(Message.model_validate_json(d), me) for d in batch]
        ctx = {c: [own(Message.model_validate_json(d), me) for d in ds] for c, ds in context.items()}
        _details(msgs, region, out)
        out.key_ids = _key_ids(msgs, ctx)
    except Exception as exc:  # an engine's bug must not lose the import: the data is marked failed
        out.error = f"{type(exc).__name__}: {exc}"
    return out


FlagRow = tuple[str, str, str]
"""(message id, flag name, flag JSON): one stored red flag, in the order the views show."""
FINAL_FIELDS = ("extra", "timestamp_basis", "source_item_id", "reply_to", "forwarded_from")
"""Message fields the red-flag reading never looks at: the final read's messages are loaded without them
(``json_remove`` in the query), so a long case's key messages take less memory."""


def final_flags(key_messages: list[str], me: list[str]) -> tuple[list[FlagRow], dict[str, Any]]:
    """The red flags read once over every key message (their stored JSON, in time order): the flags as
    rows in the order they are shown (the message's place in the reading, then the flag), and the
    summary."""
    return _final_rows([own(Message.model_validate_json(d), me) for d in key_messages])


def _final_rows(messages: list[Message]) -> tuple[list[FlagRow], dict[str, Any]]:
    from haven.flags import detect

    report = detect(messages)
    messages.clear()
    order = {m.id: i for i, m in enumerate(report.messages)}
    report.messages.clear()
    flags = sorted(report.flags, key=lambda f: (order.get(f.message_id, 0), f.flag))
    return [(f.message_id, f.flag, f.model_dump_json()) for f in flags], report.summary


_STREAMED: dict[str, list[Message]] = {}
"""In a helper process: the key messages of a final read sent in parts (``final_part``), by token."""


def final_part(token: str, part: list[str], me: list[str]) -> int:
    """A part of a final read's key messages (stored JSON), parsed at once and kept until ``final_end``."""
    held = _STREAMED.setdefault(token, [])
    held.extend(own(Message.model_validate_json(d), me) for d in part)
    return len(held)


def final_end(token: str) -> tuple[list[FlagRow], dict[str, Any]]:
    """The final read over every part sent under ``token`` (see ``final_flags``)."""
    return _final_rows(_STREAMED.pop(token, []))


# -- runners ------------------------------------------------------------------------------------------
class Handle(Protocol):
    def get(self) -> Any: ...


class Runner(Protocol):
    depth: int
    """Batches that may be in flight at once (1: each batch is done before the next is given)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Handle: ...

    def close(self, *, kill: bool = False) -> None: ...


class _Done:
    def __init__(self, value: Any) -> None:
        self._value = value

    def get(self) -> Any:
        return self._value


class InProcess:
    depth = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Handle:
        return _Done(fn(*args))

    def close(self, *, kill: bool = False) -> None:
        return None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "batch": batch_work,
    "final": final_flags,
    "final_part": final_part,
    "final_end": final_end,
}


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """A worker's loop: pickled ``(name, args)`` requests in, pickled results out, one at a time."""
    from haven.flags import detect
    from haven.indicators import extract_messages

    detect([])  # loads the lexicon and the model once
    extract_messages([], ())
    while True:
        try:
            name, args = pickle.load(inp)
        except EOFError:
            return
        pickle.dump(FUNCTIONS[name](*args), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


class _Worker:
    def __init__(self) -> None:
        import subprocess
        import sys

        import haven

        src = str(Path(haven.__file__).resolve().parents[1])
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "haven.vault.derive_work"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )

    def send(self, name: str, args: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        pickle.dump((name, args), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()

    def receive(self) -> Any:
        assert self.proc.stdout is not None
        try:
            return pickle.load(self.proc.stdout)
        except (EOFError, pickle.UnpicklingError) as exc:
            raise RuntimeError("a helper process stopped before it finished") from exc

    def close(self, kill: bool) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        if kill:
            self.proc.kill()
        try:
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class _Pending:
    def __init__(self, worker: _Worker) -> None:
        self._worker = worker
        self._value: Any = None
        self._done = False

    def get(self) -> Any:
        if not self._done:
            self._value, self._done = self._worker.receive(), True
        return self._value


class WorkerPool:
    """``workers`` helper processes, each ``python -m haven.vault.derive_work`` (started fresh, never
    forked: the web app's threads and the open database stay here, and no caller's script is run again).
    Batches go round-robin; with at most ``depth`` = ``workers`` in flight, and results taken in the
    order given, each worker has at most one request at a time (no pipe can fill up both ways)."""

    def __init__(self, workers: int) -> None:
        self._workers = [_Worker() for _ in range(workers)]
        self._next = 0
        self.depth = workers

    def submit(self, fn: Callable[..., Any], *args: Any) -> Handle:
        name = next(k for k, f in FUNCTIONS.items() if f is fn)
        worker = self._workers[self._next % len(self._workers)]
        self._next += 1
        worker.send(name, args)
        return _Pending(worker)

    def close(self, *, kill: bool = False) -> None:
        for worker in self._workers:
            worker.close(kill)
        self._workers = []


WORKERS_ENV = "HAVEN_DERIVE_WORKERS"


def worker_count() -> int:
    """Worker processes for a large import: ``HAVEN_DERIVE_WORKERS``, else 2 on a machine with 2+ cores
    (0: everything in this process)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw.isdigit():
        return min(int(raw), 8)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 0


def helpers() -> Runner:
    """The helper processes for a long input (``InProcess`` on a one-core machine)."""
    workers = worker_count()
    return WorkerPool(workers) if workers > 0 else InProcess()


if __name__ == "__main__":  # a worker (see ``WorkerPool``)
    import sys

    from haven.vault import derive_work  # the module by its name, so results unpickle as its types

    derive_work._die_with_parent()
    channel = os.fdopen(os.dup(1), "wb")  # the results' own pipe; anything printed goes to stderr
    os.dup2(2, 1)
    derive_work.serve(sys.stdin.buffer, channel)
