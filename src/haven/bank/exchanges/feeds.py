"""A hash list published at a URL, as a python-threatexchange ``SignalExchangeAPI``.

The list has python-threatexchange's file format (``LocalFileSignalExchangeAPI``): one ``signal_type
value`` per line (``pdq 3f…``, ``video_md5 0a…``); blank lines and lines starting with ``#`` are skipped.
Each fetch reads the whole list, so a hash removed from the list is a delete. The checkpoint is the
list's ``ETag`` (and ``Last-Modified``): the next fetch sends ``If-None-Match`` / ``If-Modified-Since``,
and an answer of 304 means nothing changed (nothing is yielded, nothing deleted).
"""

import typing as t
from dataclasses import dataclass, field

import httpx
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPIWithSimpleUpdates
from threatexchange.signal_type.signal_base import SignalType


@dataclass
class URLFeedCheckpoint(state.FetchCheckpointBase):
    etag: str = ""
    last_modified: str = ""


@dataclass
class _Required:
    url: str = field(metadata={"help": "where the list is published"})


@dataclass
class URLFeedCollabConfig(CollaborationConfigWithDefaults, _Required):
    api: str = field(init=False, default="url")
    token: str = ""  # sent as a bearer token when given


class FeedFetchError(Exception):
    """The list could not be fetched (the message says what the server answered)."""


_Delta = state.FetchDelta[tuple[str, str], state.FetchedSignalMetadata, URLFeedCheckpoint]


@dataclass
class URLFeedSignalExchangeAPI(
    SignalExchangeAPIWithSimpleUpdates[URLFeedCollabConfig, URLFeedCheckpoint, state.FetchedSignalMetadata]
):
    collab: URLFeedCollabConfig

    @classmethod
    def get_name(cls) -> str:
        return "url"

    @staticmethod
    def get_config_cls() -> type[URLFeedCollabConfig]:
        return URLFeedCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[URLFeedCheckpoint]:
        return URLFeedCheckpoint

    @staticmethod
    def get_record_cls() -> type[state.FetchedSignalMetadata]:
        return state.FetchedSignalMetadata

    @classmethod
    def for_collab(cls, collab: URLFeedCollabConfig) -> "URLFeedSignalExchangeAPI":
        return cls(collab)

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: URLFeedCheckpoint | None,
    ) -> t.Iterator[_Delta]:
        headers = {"Authorization": f"Bearer {self.collab.token}"} if self.collab.token else {}
        if checkpoint is not None and checkpoint.etag:
            headers["If-None-Match"] = checkpoint.etag
        if checkpoint is not None and checkpoint.last_modified:
            headers["If-Modified-Since"] = checkpoint.last_modified
        try:
            answer = httpx.get(self.collab.url, headers=headers, timeout=60, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise FeedFetchError(f"could not fetch {self.collab.url}: {type(exc).__name__}") from None
        if answer.status_code == 304:
            return
        if answer.status_code != 200:
            raise FeedFetchError(f"{self.collab.url} answered {answer.status_code}")
        updates: dict[tuple[str, str], state.FetchedSignalMetadata | None] = {}
        for line in answer.text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(" ")
            if name and value.strip():
                updates[(name, value.strip())] = state.FetchedSignalMetadata()
        cp = URLFeedCheckpoint(answer.headers.get("ETag", ""), answer.headers.get("Last-Modified", ""))
        yield _Delta(updates, cp)
