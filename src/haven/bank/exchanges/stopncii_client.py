"""python-threatexchange's StopNCII client with its page reader made fast enough for a million hashes.

``StopNCIIAPI.fetch_hashes`` turns every record into its dataclasses through ``dacite``, about 50 µs a
record: 50 s of a 1,000,000-hash fetch before anything is stored (issue 18 asks for the whole fetch in
60 s). :class:`FastStopNCIIAPI` builds the same ``StopNCIIHashRecord`` and ``FetchHashesResponse`` objects
directly (~3 µs), with the same rules: an empty ``caseNumbers`` list counts as an empty dict, and a
malformed record is logged and skipped, never fatal. Keys, retries and paging stay pytx's own; the
HTTP session (with pytx's retry adapter) is kept from page to page instead of made anew for each, and the
next page is fetched and read on a helper thread while the caller stores the one before.
"""

import logging
import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

import orjson
import requests
from threatexchange.exchanges.clients.stopncii import api as sapi

_TYPES = {m.value: m for m in sapi.StopNCIISignalType}
_STATUS = {m.value: m for m in sapi.StopNCIICaseStatus}
_FEEDBACK = {m.value: m for m in sapi.StopNCIICSPFeedbackValue}


_Record, _Feedback = sapi.StopNCIIHashRecord, sapi.StopNCIICSPFeedback


def hash_record(raw: dict[str, t.Any]) -> sapi.StopNCIIHashRecord:
    """One FetchHashes record as pytx's dataclass (KeyError, TypeError or ValueError when malformed).
    Fields are passed by position (the dataclass's order: lastModtimestamp, signalType, hashValue,
    hashStatus, caseNumbers, CSPFeedbacks), ~40% less work than by keyword, and the usual empty feedback
    list costs nothing."""
    cases = raw.get("caseNumbers") or {}
    feedbacks = raw.get("CSPFeedbacks")
    stamp, value = raw["lastModtimestamp"], raw["hashValue"]
    if not isinstance(stamp, int) or not isinstance(value, str) or not isinstance(cases, dict):
        raise TypeError("lastModtimestamp, hashValue or caseNumbers of the wrong type")
    return _Record(
        stamp,
        _TYPES[raw["signalType"]],
        value,
        _STATUS[raw["hashStatus"]],
        {str(k): _STATUS[v] for k, v in cases.items()},
        [
            _Feedback(
                feedbackValue=_FEEDBACK[f["feedbackValue"]],
                tags=set(f.get("tags") or ()),
                source=str(f.get("source") or ""),
            )
            for f in feedbacks
        ]
        if feedbacks
        else [],
    )


class FastStopNCIIAPI(sapi.StopNCIIAPI):
    """``StopNCIIAPI`` whose ``fetch_hashes`` reads pages without dacite (same objects, same skips)."""

    _sessions: dict[sapi.StopNCIIEndpoint, requests.Session]

    def _get(self, endpoint: sapi.StopNCIIEndpoint, **params: t.Any) -> t.Any:
        if not hasattr(self, "_sessions"):
            self._sessions, self._session_lock = {}, threading.Lock()
        with self._session_lock:  # one request at a time per client (requests' sessions are not shared)
            if endpoint not in self._sessions:
                self._sessions[endpoint] = self._get_session(endpoint)
            response = self._sessions[endpoint].get("/".join((self._base_url, endpoint.value)), params=params)
            response.raise_for_status()
            return orjson.loads(response.content)  # ~3x faster than the json module on a page

    def close(self) -> None:
        for session in getattr(self, "_sessions", {}).values():
            session.close()
        self._sessions = {}

    def fetch_hashes_iter(
        self, start_timestamp: int = sapi.StopNCIIAPI.DEFAULT_START_TIME
    ) -> t.Iterator[sapi.FetchHashesResponse]:
        """pytx's paging (``nextPageToken`` until ``hasMoreRecords`` is false), one page read ahead."""

        def page(token: str) -> sapi.FetchHashesResponse:
            return self.fetch_hashes(start_timestamp=start_timestamp, next_page=token)

        with ThreadPoolExecutor(1, thread_name_prefix="haven-stopncii-fetch") as pool:
            pending: Future[sapi.FetchHashesResponse] | None = pool.submit(page, "")
            try:
                while pending is not None:
                    result = pending.result()
                    pending = None
                    if result.hasMoreRecords:
                        pending = pool.submit(page, result.nextPageToken or "")
                    yield result
            finally:
                if pending is not None:
                    pending.cancel()

    def fetch_hashes(
        self,
        *,
        page_size: int = 800,
        start_timestamp: int = sapi.StopNCIIAPI.DEFAULT_START_TIME,
        next_page: str = "",
    ) -> sapi.FetchHashesResponse:
        params: dict[str, t.Any] = {"startTimestamp": start_timestamp, "pageSize": page_size}
        if next_page:
            params["nextPageToken"] = next_page
        data = self._get(sapi.StopNCIIEndpoint.FetchHashes, **params)
        records: list[sapi.StopNCIIHashRecord] = []
        for raw in data.get("hashRecords") or []:
            try:
                records.append(hash_record(raw))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                logging.error("StopNCII record skipped (malformed: %s): %.200r", exc, raw)
        token = data.get("nextPageToken")
        return sapi.FetchHashesResponse(
            count=int(data["count"]),
            nextPageToken=None if token is None else str(token),
            nextSetTimestamp=int(data["nextSetTimestamp"]),
            hasMoreRecords=bool(data["hasMoreRecords"]),
            hashRecords=records,
        )
