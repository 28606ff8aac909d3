"""Haven-to-Haven exchange: a python-threatexchange ``SignalExchangeAPI`` over another Haven bank's signed
feed (``GET /v1/feed``, see ``haven.bank.feed``).

Records are keyed by the source's signal id, so a withdrawal (which never repeats the hash) deletes the
record it names; the checkpoint is the source's change number, so a fetch that is stopped resumes from the
last page it yielded. Every page's Ed25519 signature is checked against the key given in the collaboration
config (or the source's ``/v1/feed/key`` on first use) before anything from it is yielded.
"""

import json
import typing as t
from dataclasses import dataclass, field

import httpx
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.signal_type.signal_base import SignalType

from haven.bank.feed import SIGNATURE_HEADER, verify

# pytx names for Haven's signal types (pytx has no sha256 type; those records are kept, not indexed)
PYTX_NAMES = {"pdq": "pdq", "vpdq": "vpdq", "md5": "video_md5"}


@dataclass
class HavenCheckpoint(state.FetchCheckpointBase):
    seq: int = 0


@dataclass
class HavenSignalMetadata(state.FetchedSignalMetadata):
    signal_type: str = ""
    value: str = ""
    bank: str = ""


@dataclass
class _Required:
    url: str = field(metadata={"help": "the source bank, e.g. http://127.0.0.1:8080"})
    key: str = field(metadata={"help": "an API key of the source bank (matcher role)"})


@dataclass
class HavenCollabConfig(CollaborationConfigWithDefaults, _Required):
    public_key: str | None = None  # the source's feed key (hex); fetched on first use when absent
    page_size: int = 10_000


_Delta = state.FetchDelta[int, HavenSignalMetadata, HavenCheckpoint]


class FeedError(Exception):
    """The source's answer cannot be trusted or read."""


@dataclass
class HavenSignalExchangeAPI(
    SignalExchangeAPI[HavenCollabConfig, HavenCheckpoint, HavenSignalMetadata, int, HavenSignalMetadata]
):
    collab: HavenCollabConfig

    @classmethod
    def get_name(cls) -> str:
        return "haven_feed"

    @staticmethod
    def get_config_cls() -> type[HavenCollabConfig]:
        return HavenCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[HavenCheckpoint]:
        return HavenCheckpoint

    @staticmethod
    def get_record_cls() -> type[HavenSignalMetadata]:
        return HavenSignalMetadata

    @classmethod
    def for_collab(cls, collab: HavenCollabConfig) -> "HavenSignalExchangeAPI":
        return cls(collab)

    def fetch_iter(
        self,
        supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: HavenCheckpoint | None,
    ) -> t.Iterator[_Delta]:
        base = self.collab.url.rstrip("/")
        since = checkpoint.seq if checkpoint is not None else 0
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {self.collab.key}"}) as http:
            public = self.collab.public_key or str(http.get(f"{base}/v1/feed/key").json()["public_key"])
            while True:
                answer = http.get(f"{base}/v1/feed", params={"since": since, "limit": self.collab.page_size})
                if answer.status_code != 200:
                    raise FeedError(f"the source answered {answer.status_code}")
                if not verify(public, answer.content, answer.headers.get(SIGNATURE_HEADER, "")):
                    raise FeedError("a feed page's signature does not verify")
                page = json.loads(answer.content)
                updates: dict[int, HavenSignalMetadata | None] = {}
                for _seq, op, sid, bank, stype, value in page["changes"]:
                    updates[int(sid)] = (
                        HavenSignalMetadata(signal_type=stype, value=value, bank=bank)
                        if op == "add"
                        else None
                    )
                since = int(page["next"])
                yield _Delta(updates, HavenCheckpoint(since))
                if not page["more"]:
                    return

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: HavenCollabConfig,
        fetched: t.Mapping[int, HavenSignalMetadata],
    ) -> dict[type[SignalType], dict[str, HavenSignalMetadata]]:
        by_name = {st.get_name(): st for st in signal_types}
        out: dict[type[SignalType], dict[str, HavenSignalMetadata]] = {}
        for record in fetched.values():
            st = by_name.get(PYTX_NAMES.get(record.signal_type, ""))
            if st is not None:
                out.setdefault(st, {})[record.value] = record
        return out
