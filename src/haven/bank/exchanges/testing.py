"""A loopback stand-in for StopNCII's ``FetchHashes`` (its documented paging), shared by the exchange
tests and ``benchmarks/bench_bank_exchange.py`` so both exercise the same protocol; never used by the bank.

``GET /v1/FetchHashes?startTimestamp=&pageSize=&nextPageToken=`` with the ``x-functions-key`` and
``Ocp-Apim-Subscription-Key`` headers answers ``count``, ``nextPageToken`` (null on the last page),
``nextSetTimestamp`` (the page's checkpoint: a client stopped here resumes from its last record, re-read
once, or after the last record when nothing more is waiting), ``hasMoreRecords`` and ``hashRecords``, the
records whose ``lastModtimestamp`` is at least ``startTimestamp``, oldest first.
"""

from __future__ import annotations

import json
import typing as t
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def stopncii_record(ts: int, value: str, status: str = "Active") -> dict[str, t.Any]:
    """One FetchHashes record of a PDQ hash (its case carrying the same status)."""
    return {
        "lastModtimestamp": ts,
        "signalType": "ImagePDQ",
        "hashValue": value,
        "hashStatus": status,
        "caseNumbers": {f"case-{ts}": status},
        "CSPFeedbacks": [],
    }


def fetch_hashes_answer(
    records: Sequence[Mapping[str, t.Any]], query: Mapping[str, str], max_page: int
) -> dict[str, t.Any]:
    """The FetchHashes answer for ``query`` over ``records`` (sorted by ``lastModtimestamp``)."""
    start = int(query["startTimestamp"])
    size = min(int(query.get("pageSize") or max_page), max_page)
    first = bisect_left(records, start, key=lambda r: int(r["lastModtimestamp"]))
    offset = int(query.get("nextPageToken") or 0)
    lo = first + offset
    chunk = list(records[lo : lo + size])
    more = lo + size < len(records)
    return {
        "count": len(chunk),
        "nextPageToken": str(offset + size) if more else None,
        "nextSetTimestamp": (chunk[-1]["lastModtimestamp"] + (0 if more else 1)) if chunk else start,
        "hasMoreRecords": more,
        "hashRecords": chunk,
    }


def stopncii_server(
    records: t.Callable[[], Sequence[Mapping[str, t.Any]]],
    max_page: int,
    keys: tuple[str, str] = ("fk", "sk"),
    dumps: t.Callable[[t.Any], bytes] = lambda o: json.dumps(o, separators=(",", ":")).encode(),
) -> ThreadingHTTPServer:
    """A FetchHashes server on a free loopback port (not started: call ``serve_forever``); ``records()``
    gives the current records, sorted; ``keys`` the function and subscription keys it accepts."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real service
        # TCP_NODELAY, as real HTTP servers set it: otherwise each answer's last segment waits for the
        # client's delayed ACK (~40 ms a page on Linux loopback), a stall of the test server, not the client
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if (
                url.path != "/v1/FetchHashes"
                or self.headers.get("x-functions-key") != keys[0]
                or self.headers.get("Ocp-Apim-Subscription-Key") != keys[1]
            ):
                self._send(401, b"")
                return
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            self._send(200, dumps(fetch_hashes_answer(records(), q, max_page)))

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)
