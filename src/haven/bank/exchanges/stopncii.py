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

from sqlalchemy import Engine, select
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.clients.stopncii import api as sapi
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl import stop_ncii_api as impl

from haven.bank import banks as store
from haven.bank import bulk
from haven.bank.db import bank_meta
from haven.bank.exchanges.stopncii_client import FastStopNCIIAPI

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
    collab = CollaborationConfigBase(name=name, api="stop_ncii", enabled=True)
    # pytx's client with a dacite-free page reader (same records; see stopncii_client)
    return StopNCIIExchange(collab, FastStopNCIIAPI(subscription_key, fetch_key, base_url_override=base_url))


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


def _checkpoint_meta(bank: str, cp: impl.StopNCIICheckpoint) -> dict[str, str]:
    return {_key(bank): json.dumps({"update_time": cp.update_time, "last_fetch_time": cp.last_fetch_time})}


def fetch_into_bank(
    engine: Engine, ex: StopNCIIExchange, bank: str, max_pages: int | None = None
) -> FetchResult:
    """Fetch from the stored checkpoint and apply adds and withdrawals to ``bank``."""
    if store.get_bank(engine, bank) is None:
        store.create_bank(engine, {"name": bank})
    out = FetchResult()
    writer = bulk.BankWriter(engine, bank, "exchange:stopncii")
    for delta in ex.fetch_iter([], checkpoint(engine, bank)):
        adds: list[tuple[str, str]] = []
        deletes: list[tuple[str, str]] = []
        for (name, value), meta in delta.updates.items():
            stype = TYPES.get(name)
            if stype is not None:
                (adds if meta is not None else deletes).append((stype, value.lower()))
        # one transaction per page, its checkpoint stored with it (haven.bank.bulk)
        done = writer.apply(adds, deletes, _checkpoint_meta(bank, delta.checkpoint))
        out.added += done.added
        out.withdrawn += done.withdrawn
        out.pages += 1
        if max_pages is not None and out.pages >= max_pages:
            break
    return out
