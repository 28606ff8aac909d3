"""StopNCII.org into a Haven bank, through python-threatexchange's ``StopNCIISignalExchangeAPI``.

python-threatexchange's StopNCII importer checks ``hashValue`` instead of ``hashStatus`` when deciding
whether a record was withdrawn, so it never deletes withdrawn hashes; :class:`StopNCIIExchange` fixes that
(a ``Withdrawn`` or ``Deleted`` record becomes a delete). :func:`fetch_into_bank` applies each fetched page
to a Haven bank — new hashes become content, withdrawn ones are withdrawn there (they stop matching) — and
stores the page's checkpoint in the bank database after it, so a fetch that is stopped or killed resumes.
"""

import json
import typing as t
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.clients.stopncii import api as sapi
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl import stop_ncii_api as impl

from haven.bank import banks as store
from haven.bank.db import bank_meta, signals

TYPES = {"pdq": "pdq", "video_md5": "md5"}  # pytx name -> Haven signal type
GONE = (sapi.StopNCIICaseStatus.Withdrawn, sapi.StopNCIICaseStatus.Deleted)


class StopNCIIExchange(impl.StopNCIISignalExchangeAPI):
    """The StopNCII exchange with withdrawals applied (``hashStatus`` decides, not ``hashValue``)."""

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[t.Any],
        checkpoint: impl.StopNCIICheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[tuple[str, str], impl.StopNCIISignalMetadata, impl.StopNCIICheckpoint]]:
        start = checkpoint.update_time if checkpoint is not None else sapi.StopNCIIAPI.DEFAULT_START_TIME
        names = impl._type_mapping()
        for result in self.api.fetch_hashes_iter(start_timestamp=start):
            updates: dict[tuple[str, str], impl.StopNCIISignalMetadata | None] = {}
            for r in result.hashRecords:
                name = names.get(r.signalType)
                if name:
                    updates[(name, r.hashValue)] = (
                        None if r.hashStatus in GONE else impl.StopNCIISignalMetadata(r.CSPFeedbacks)
                    )
            yield state.FetchDelta(updates, impl.StopNCIICheckpoint.from_stopncii_fetch(result))


def exchange(
    base_url: str, fetch_key: str, subscription_key: str, name: str = "STOPNCII"
) -> StopNCIIExchange:
    creds = impl.StopNCIICredentials(fetch_key, subscription_key, base_url_override=base_url)
    collab = CollaborationConfigBase(name=name, api="stop_ncii", enabled=True)
    return t.cast(StopNCIIExchange, StopNCIIExchange.for_collab(collab, creds))


@dataclass
class FetchResult:
    pages: int = 0
    added: int = 0
    withdrawn: int = 0


def _key(bank: str) -> str:
    return f"exchange_checkpoint:{bank}"


def checkpoint(engine: Engine, bank: str) -> impl.StopNCIICheckpoint | None:
    with engine.connect() as conn:
        raw = conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == _key(bank))).scalar()
    return impl.StopNCIICheckpoint(**json.loads(raw)) if raw else None


def _save(engine: Engine, bank: str, cp: impl.StopNCIICheckpoint) -> None:
    value = json.dumps({"update_time": cp.update_time, "last_fetch_time": cp.last_fetch_time})
    with engine.begin() as conn:
        if (
            conn.execute(update(bank_meta).where(bank_meta.c.key == _key(bank)).values(value=value)).rowcount
            == 0
        ):
            conn.execute(insert(bank_meta).values(key=_key(bank), value=value))


def fetch_into_bank(
    engine: Engine, ex: StopNCIIExchange, bank: str, max_pages: int | None = None
) -> FetchResult:
    """Fetch from the stored checkpoint and apply adds and withdrawals to ``bank``."""
    if store.get_bank(engine, bank) is None:
        store.create_bank(engine, {"name": bank})
    out = FetchResult()
    for delta in ex.fetch_iter([], checkpoint(engine, bank)):
        for (name, value), meta in delta.updates.items():
            stype = TYPES.get(name)
            if stype is None:
                continue
            value = value.lower()
            with engine.begin() as conn:
                live = (
                    conn.execute(
                        select(signals.c.id).where(
                            signals.c.bank == bank,
                            signals.c.signal_type == stype,
                            signals.c.value == value,
                            signals.c.active.is_(True),
                        )
                    )
                    .scalars()
                    .all()
                )
                if meta is None and live:
                    store._withdraw(conn, signals.c.id.in_(live))
                    out.withdrawn += len(live)
            if meta is not None and not live:
                store.add_content(engine, bank, [(stype, value)], "exchange:stopncii")
                out.added += 1
        _save(engine, bank, delta.checkpoint)
        out.pages += 1
        if max_pages is not None and out.pages >= max_pages:
            break
    return out
