"""Fetching configured exchanges into their banks, on a schedule, and pushing feedback back.

``fetch`` runs one exchange's python-threatexchange ``fetch_iter`` from the checkpoint stored in the bank
database (a kind with its own ``fast_fetch``, StopNCII, runs that instead: pages read ahead and stored in
groups of records, one transaction and checkpoint per group, same checkpoint key; see
``stopncii.fetch_into_bank``). Each page (a ``FetchDelta``) is applied in ONE transaction with its checkpoint
(``haven.bank.bulk.BankWriter``): new hashes go live, deleted or withdrawn records are withdrawn at once
(StopNCII's withdrawn hashes included), and a fetch that is stopped or killed resumes after the last page
it stored, never adding a hash twice. For exchanges whose deletes name a record rather than a hash
(NCMEC, Haven feeds) each record's hashes are remembered in the same transaction; for whole-list
exchanges (file, URL) a hash missing from a complete list is withdrawn. ``push_feedback`` sends the
platforms' feedback on an exchange's hashes back to the exchange (StopNCII SubmitFeedback, NCMEC up/down
votes, ThreatExchange reactions). ``run_due``/``scheduler`` fetch every exchange whose time has come.
"""

import hashlib
import json
import logging
import threading
import time
import typing as t
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from haven.bank import banks as store
from haven.bank import bulk
from haven.bank.db import bank_meta, feedback, signals
from haven.bank.exchanges import configs
from haven.bank.exchanges.kinds import KINDS, dump_checkpoint, gone, load_checkpoint

log = logging.getLogger(__name__)
FEEDBACK_BATCH = 500


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


def checkpoint_key(name: str) -> str:
    return "xcp:" + _digest(name)


def _record_key(name: str, key: t.Any) -> str:
    return "xr:" + _digest(name, json.dumps(key, default=str))


def _target_key(name: str, stype: str, value: str) -> str:
    return "xf:" + _digest(name, stype, value)


def _meta(engine: Engine, keys: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for i in range(0, len(keys), 900):
            chunk = keys[i : i + 900]
            for k, v in conn.execute(
                select(bank_meta.c.key, bank_meta.c.value).where(bank_meta.c.key.in_(chunk))
            ):
                out[k] = v
    return out


def stored_checkpoint(engine: Engine, ex: configs.Exchange) -> t.Any:
    raw = _meta(engine, [checkpoint_key(ex.name)]).get(checkpoint_key(ex.name))
    return load_checkpoint(ex.api, json.loads(raw)) if raw else None


@dataclass
class FetchResult:
    name: str
    pages: int = 0
    added: int = 0
    withdrawn: int = 0
    complete: bool = False
    errors: list[str] = field(default_factory=list)


class FetchError(Exception):
    """A fetch that failed (plain message; pages stored before the failure stay stored)."""


def fetch(
    engine: Engine,
    name: str,
    *,
    max_pages: int | None = None,
    stop: threading.Event | None = None,
) -> FetchResult:
    """Fetch one configured exchange into its bank from its stored checkpoint (see the module text)."""
    ex = configs.get(engine, name)
    if ex is None:
        raise FetchError(f"No exchange is named {name}.")
    kind = KINDS[ex.api]
    api = kind.build(ex.name, ex.config, ex.credentials)
    if store.get_bank(engine, ex.bank) is None:
        store.create_bank(engine, {"name": ex.bank})
    out = FetchResult(ex.name)
    started = time.time()
    try:
        if kind.fast_fetch is not None:  # the kind's own grouped fetch, same checkpoint key and source
            key, source = checkpoint_key(ex.name), f"exchange:{ex.name}"
            got = kind.fast_fetch(engine, api, ex.config, ex.bank, key, max_pages, stop, source)
            out.pages, out.added, out.withdrawn = got.pages, got.added, got.withdrawn
            out.complete = got.complete
        else:
            _fetch_pages(engine, ex, api, out, max_pages, stop)
    except Exception as exc:  # the service's own errors vary by client (requests, httpx, XML, JSON)
        message = f"{type(exc).__name__}: {exc}"[:500]
        configs.set_fields(engine, ex.name, last_error=message, last_fetch_at=started)
        raise FetchError(f"Fetching {ex.name} stopped after {out.pages} pages: {message}") from None
    configs.set_fields(engine, ex.name, last_error=None, last_fetch_at=started)
    return out


def _fetch_pages(
    engine: Engine,
    ex: configs.Exchange,
    api: t.Any,
    out: FetchResult,
    max_pages: int | None,
    stop: threading.Event | None,
) -> None:
    """The generic loop: each pytx ``FetchDelta`` in one transaction with its checkpoint."""
    kind = KINDS[ex.api]
    writer = bulk.BankWriter(engine, ex.bank, f"exchange:{ex.name}")
    listed: set[tuple[str, str]] = set()
    for delta in api.fetch_iter([], stored_checkpoint(engine, ex)):
        adds: list[tuple[str, str]] = []
        deletes: list[tuple[str, str]] = []
        meta: dict[str, str] = {}
        before = _meta(engine, [_record_key(ex.name, k) for k in delta.updates]) if kind.keyed else {}
        for key, record in delta.updates.items():
            is_gone = gone(record)
            now_holds = [] if is_gone and kind.keyed else kind.signals(key, record)
            if kind.keyed:
                rk = _record_key(ex.name, key)
                held = [tuple(p) for p in json.loads(before.get(rk, "[]"))]
                deletes.extend(p for p in held if p not in now_holds)  # type: ignore[misc]
                meta[rk] = json.dumps(now_holds)
            if is_gone:
                if not kind.keyed:
                    deletes.extend(now_holds)
                continue
            adds.extend(now_holds)
            if kind.target is not None:
                target = kind.target(key, record)
                if target:
                    for stype, value in now_holds:
                        meta[_target_key(ex.name, stype, value)] = json.dumps(target)
        if kind.snapshot:
            listed.update(adds)
        meta[checkpoint_key(ex.name)] = json.dumps(dump_checkpoint(delta.checkpoint))
        done = writer.apply(adds, deletes, meta)
        out.pages += 1
        out.added += done.added
        out.withdrawn += done.withdrawn
        if (max_pages is not None and out.pages >= max_pages) or (stop is not None and stop.is_set()):
            break
    else:
        out.complete = True
        if kind.snapshot and out.pages:  # the whole list was read: what it no longer has is withdrawn
            with engine.connect() as conn:
                live = {
                    (str(stype), str(value))
                    for stype, value in conn.execute(
                        select(signals.c.signal_type, signals.c.value).where(
                            signals.c.bank == ex.bank, signals.c.active.is_(True)
                        )
                    )
                }
            missing = sorted(live - listed)
            if missing:
                out.withdrawn += writer.apply([], missing).withdrawn


# -- feedback back to the exchange --------------------------------------------------------------------
def _push_stopncii(api: t.Any, ex: configs.Exchange, engine: Engine, rows: list[t.Any]) -> None:
    from threatexchange.exchanges.clients.stopncii import api as sapi

    kinds = {"pdq": sapi.StopNCIISignalType.ImagePDQ, "md5": sapi.StopNCIISignalType.VideoMD5}
    batch = {
        (kinds[r.signal_type], r.value): sapi.StopNCIICSPFeedback(sapi.StopNCIICSPFeedbackValue(r.fb))
        for r in rows
        if r.signal_type in kinds
    }
    if batch:
        api.api.submit_feedbacks(batch)


def _push_ncmec(api: t.Any, ex: configs.Exchange, engine: Engine, rows: list[t.Any]) -> None:
    from threatexchange.exchanges.clients.ncmec import hash_api as napi

    targets = _meta(engine, [_target_key(ex.name, r.signal_type, r.value) for r in rows])
    client = api.get_client(api.collab.environment)
    for r in rows:
        raw = targets.get(_target_key(ex.name, r.signal_type, r.value))
        vote = {"Blocked": napi.FeedbackType.upvote, "NotBlocked": napi.FeedbackType.downvote}.get(r.fb)
        if raw is None or vote is None:
            continue
        target = json.loads(raw)
        fp = napi.FingerprintType.pdq if r.signal_type == "pdq" else napi.FingerprintType.md5
        client.submit_feedback(target["esp"], target["entry"], fp, vote)


def _push_te(api: t.Any, ex: configs.Exchange, engine: Engine, rows: list[t.Any]) -> None:
    targets = _meta(engine, [_target_key(ex.name, r.signal_type, r.value) for r in rows])
    reactions = {"Blocked": "HELPFUL", "NotBlocked": "DISAGREE_WITH_TAGS", "PendingReview": "SAW_THIS_TOO"}
    for r in rows:
        raw = targets.get(_target_key(ex.name, r.signal_type, r.value))
        if raw is None or r.fb not in reactions:
            continue
        for descriptor in json.loads(raw)["descriptors"]:
            api.client.react_to_threat_descriptor(descriptor, reactions[r.fb])


PUSHERS: dict[str, t.Callable[[t.Any, configs.Exchange, Engine, list[t.Any]], None]] = {
    "stop_ncii": _push_stopncii,
    "ncmec": _push_ncmec,
    "fb_threatexchange": _push_te,
}


def push_feedback(engine: Engine, name: str) -> int:
    """Send platforms' feedback given since the last push on this exchange's hashes; returns how many.
    The cursor moves only past what was sent, so a failed push is tried again next time."""
    ex = configs.get(engine, name)
    if ex is None:
        raise FetchError(f"No exchange is named {name}.")
    pusher = PUSHERS.get(ex.api)
    if pusher is None:
        return 0
    api = KINDS[ex.api].build(ex.name, ex.config, ex.credentials)
    sent, cursor = 0, ex.feedback_cursor
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(feedback.c.id, feedback.c.value.label("fb"), signals.c.signal_type, signals.c.value)
                .join(signals, signals.c.id == feedback.c.signal_id)
                .where(feedback.c.id > cursor, signals.c.bank == ex.bank)
                .order_by(feedback.c.id)
                .limit(FEEDBACK_BATCH)
            ).all()
        if not rows:
            return sent
        try:
            pusher(api, ex, engine, list(rows))
        except Exception as exc:
            configs.set_fields(engine, ex.name, last_error=f"feedback: {type(exc).__name__}: {exc}"[:500])
            raise FetchError(f"Feedback to {ex.name} could not be sent: {exc}") from None
        cursor = int(rows[-1].id)
        sent += len(rows)
        configs.set_fields(engine, ex.name, feedback_cursor=cursor)


# -- schedule -------------------------------------------------------------------------------------------
def run_due(engine: Engine, now: float | None = None) -> dict[str, FetchResult | str]:
    """Fetch (and push feedback for) every enabled exchange whose time has come; one failing exchange
    does not stop the others (its error is stored and returned)."""
    out: dict[str, FetchResult | str] = {}
    for ex in configs.due(engine, now):
        try:
            out[ex.name] = fetch(engine, ex.name)
            push_feedback(engine, ex.name)
        except FetchError as exc:
            log.warning("%s", exc)
            out[ex.name] = str(exc)
    return out


def scheduler(engine: Engine, stop: threading.Event, tick: float = 5.0) -> None:
    """Run ``run_due`` every ``tick`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            run_due(engine)
        except Exception:  # a broken configuration or a database hiccup must not stop the schedule
            log.exception("exchange schedule")
        stop.wait(tick)
