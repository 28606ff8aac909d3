"""The exchanges a Haven bank can fetch from, each a python-threatexchange ``SignalExchangeAPI``.

For every kind: how to build the API from a stored configuration (with the service's address, so tests
and private deployments point at their own server), how a fetched record becomes Haven signals (``None``
when the record is deleted or withdrawn), how a checkpoint is written to and read from JSON, and how a
platform's feedback is pushed back where the exchange takes it.

- ``stop_ncii``: StopNCII's FetchHashes (``stopncii.StopNCIIExchange``: withdrawn hashes are deleted).
- ``ncmec``: NCMEC's hash-sharing XML API (pytx ``NCMECSignalExchangeAPI``); deletes name an entry, not a
  hash, so the hashes of each entry are remembered (``keyed``).
- ``fb_threatexchange``: Meta ThreatExchange ``/threat_updates`` (pytx ``FBThreatExchangeSignalExchangeAPI``).
- ``file`` and ``url``: a list of ``signal_type value`` lines (pytx ``LocalFileSignalExchangeAPI``, and
  ``feeds.URLFeedSignalExchangeAPI`` over HTTP); the whole list each time, so a line removed is a delete.
- ``haven_feed``: another Haven bank's signed feed (``haven.HavenSignalExchangeAPI``).
"""

import dataclasses
import typing as t
from collections.abc import Callable
from dataclasses import dataclass

from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.stopncii import api as sapi
from threatexchange.exchanges.fetch_state import FetchCheckpointBase
from threatexchange.exchanges.impl import fb_threatexchange_api as fbte
from threatexchange.exchanges.impl import ncmec_api
from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICheckpoint
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI

from haven.bank.exchanges import haven as haven_feed
from haven.bank.exchanges import stopncii
from haven.bank.exchanges.feeds import URLFeedCollabConfig, URLFeedSignalExchangeAPI

Signals = list[tuple[str, str]]
Target = dict[str, t.Any]

# python-threatexchange signal names -> Haven's (pytx has no sha256; Haven's md5 is any file's)
PYTX = {"pdq": "pdq", "video_md5": "md5", "md5": "md5", "vpdq": "vpdq", "sha256": "sha256"}
TE_TYPES = {"HASH_PDQ": "pdq", "HASH_MD5": "md5", "HASH_VIDEO_MD5": "md5"}


class LocalNCMEC(ncmec_api.NCMECSignalExchangeAPI):
    """pytx's NCMEC exchange, with the service address from the configuration (its client only knows
    NCMEC's own hosts)."""

    def __init__(self, collab: ncmec_api.NCMECCollabConfig, user: str, password: str, base_url: str) -> None:
        super().__init__(collab, user, password)
        self.base_url = base_url.rstrip("/")

    def get_client(self, environment: ncmec_api.api.NCMECEnvironment) -> ncmec_api.api.NCMECHashAPI:
        client = super().get_client(environment)
        if self.base_url:
            client._base_url = self.base_url
        return client


def _ncmec(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    env = ncmec_api.api.NCMECEnvironment[config.get("environment", "Industry")]
    collab = ncmec_api.NCMECCollabConfig(name=name, environment=env)
    return LocalNCMEC(collab, creds["user"], creds["password"], config.get("url", ""))


def _fbte(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    client = ThreatExchangeAPI(creds["api_token"], endpoint_override=config.get("url") or None)
    collab = fbte.FBThreatExchangeCollabConfig(name=name, privacy_group=int(config["privacy_group"]))
    return fbte.FBThreatExchangeSignalExchangeAPI(client, collab)


def _stopncii(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    stopncii.group_size(config)  # refused when stored, not at the first fetch
    ex = stopncii.exchange(
        config.get("url") or sapi.StopNCIIAPI.BASE_URL, creds["fetch_key"], creds["subscription_key"], name
    )
    feedback_key = creds.get("feedback_key")
    if feedback_key:  # SubmitFeedback has its own function key at StopNCII
        ex.api._function_keys[sapi.StopNCIIEndpoint.SubmitFeedback] = feedback_key
    return ex


def _file(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    return LocalFileSignalExchangeAPI(
        FileCollaborationConfig(name=name, filename=config["filename"], signal_type=config.get("signal_type"))
    )


def _url(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    return URLFeedSignalExchangeAPI(
        URLFeedCollabConfig(name=name, url=config["url"], token=creds.get("token", ""))
    )


def _haven(name: str, config: dict[str, t.Any], creds: dict[str, t.Any]) -> SignalExchangeAPI:
    return haven_feed.HavenSignalExchangeAPI(
        haven_feed.HavenCollabConfig(
            name=name,
            api="haven_feed",
            url=config["url"],
            key=creds["key"],
            public_key=config.get("public_key"),
            page_size=int(config.get("page_size", 10_000)),
        )
    )


# -- records -> Haven signals ---------------------------------------------------------------------------
# ``signals(key, record)``: the Haven signals a record holds (for a deleted record, what it held when the
# key names them); ``gone(record)``: the record is deleted or withdrawn.
def _pair_signals(key: t.Any, record: t.Any) -> Signals:
    """Keys that are ``(pytx signal name, value)`` (StopNCII, files, URL feeds)."""
    name, value = key
    stype = PYTX.get(name)
    return [(stype, value.strip().lower())] if stype else []


def _te_signals(key: t.Any, record: t.Any) -> Signals:
    stype = TE_TYPES.get(key[0])
    return [(stype, key[1].strip().lower())] if stype else []


def _ncmec_signals(key: t.Any, entry: t.Any) -> Signals:
    out = []
    for fp, value in (entry.fingerprints if entry is not None else {}).items():
        stype = {"pdq": "pdq", "md5": "md5"}.get(fp.lower())
        if stype and value:
            out.append((stype, value.strip().lower()))
    return out


def _haven_signals(key: t.Any, record: t.Any) -> Signals:
    if record is None:
        return []
    return [(record.signal_type, record.value)] if record.signal_type in PYTX.values() else []


def gone(record: t.Any) -> bool:
    return record is None or bool(getattr(record, "deleted", False))


# -- feedback targets (what to name when telling the exchange what a platform did) ------------------------
def _ncmec_target(key: t.Any, entry: t.Any) -> Target | None:
    return {"esp": int(entry.member_id), "entry": str(entry.id)}


def _te_target(key: t.Any, record: t.Any) -> Target | None:
    ids = [o.descriptor_id for o in record.opinions if o.descriptor_id and o.descriptor_id > 0]
    return {"descriptors": ids} if ids else None


# -- checkpoints ------------------------------------------------------------------------------------------
def dump_checkpoint(cp: FetchCheckpointBase) -> dict[str, t.Any]:
    return dataclasses.asdict(cp)


def load_checkpoint(api: str, data: dict[str, t.Any]) -> FetchCheckpointBase:
    if api == "ncmec":
        paging = data.get("paging_info")
        info = ncmec_api._NCMECPagingInfo(**paging) if paging else None
        return ncmec_api.NCMECCheckpoint(int(data["get_entries_max_ts"]), info)
    cls = KINDS[api].checkpoint
    return cls(**data)


@dataclass(frozen=True)
class Kind:
    build: Callable[[str, dict[str, t.Any], dict[str, t.Any]], SignalExchangeAPI]
    signals: Callable[[t.Any, t.Any], Signals]
    checkpoint: type[FetchCheckpointBase]
    keyed: bool = False  # deletes name a record, not a hash: remember each record's hashes
    snapshot: bool = False  # every fetch is the whole list: what is missing was deleted
    target: Callable[[t.Any, t.Any], Target | None] | None = None  # remember what feedback names
    # the kind's own fetch, used by ``runner.fetch`` instead of the generic page-per-transaction loop:
    # (engine, api, config, bank, checkpoint key, max_pages, stop, source) -> pages/added/withdrawn/complete
    fast_fetch: Callable[..., t.Any] | None = None
    needs: tuple[str, ...] = ()  # configuration keys that must be given
    secrets: tuple[str, ...] = ()  # credential keys that must be given


KINDS: dict[str, Kind] = {
    "stop_ncii": Kind(
        _stopncii,
        _pair_signals,
        StopNCIICheckpoint,
        fast_fetch=stopncii.fast_fetch,  # grouped transactions, pages read ahead (stopncii.fetch_into_bank)
        secrets=("fetch_key", "subscription_key"),
    ),
    "ncmec": Kind(
        _ncmec,
        _ncmec_signals,
        ncmec_api.NCMECCheckpoint,
        keyed=True,
        target=_ncmec_target,
        secrets=("user", "password"),
    ),
    "fb_threatexchange": Kind(
        _fbte,
        _te_signals,
        fbte.FBThreatExchangeCheckpoint,
        target=_te_target,
        needs=("privacy_group",),
        secrets=("api_token",),
    ),
    "file": Kind(_file, _pair_signals, FetchCheckpointBase, snapshot=True, needs=("filename",)),
    "url": Kind(
        _url, _pair_signals, URLFeedSignalExchangeAPI.get_checkpoint_cls(), snapshot=True, needs=("url",)
    ),
    "haven_feed": Kind(
        _haven, _haven_signals, haven_feed.HavenCheckpoint, keyed=True, needs=("url",), secrets=("key",)
    ),
}
