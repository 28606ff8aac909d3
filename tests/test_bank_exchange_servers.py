"""Loopback servers speaking the exchanges' documented wire protocols, for the exchange tests (no tests
in this module). Each keeps its records in memory, logs every request, checks credentials, and can be told
to stall after N pages (the client then hangs there, so a test can kill it mid-fetch).

- StopNCII: ``GET /v1/FetchHashes`` (x-functions-key, Ocp-Apim-Subscription-Key, startTimestamp,
  pageSize, nextPageToken → count, nextPageToken, nextSetTimestamp, hasMoreRecords, hashRecords) and
  ``POST /v1/SubmitFeedback`` (hashFeedbacks).
- NCMEC hash sharing v2 (XML, HTTP basic auth): ``GET /v2/entries?from=&to=`` with ``<paging><next>``
  links carrying ``start``/``size``/``max``, ``<image>``/``<deletedImage>`` entries, ``maxTimestamp``;
  ``GET /v2/feedback/{type}/reasons``; ``PUT /v2/entries/{esp}/{id}/{type}/feedback``.
- ThreatExchange Graph API: ``GET /{privacy_group}/threat_updates/`` (access_token, start_time,
  stop_time, limit, fields → data, paging.next), ``should_delete`` tombstones; ``POST /{descriptor}/``
  with ``reactions=``.
- A URL hash list (``signal_type value`` lines) with ETag / If-None-Match.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from xml.sax.saxutils import escape

from haven.bank.exchanges.testing import fetch_hashes_answer
from haven.bank.exchanges.testing import stopncii_record as stopncii_record  # re-exported for the tests

TE_TOKEN = "1234567890|abcdefghijklmnopqrstuvwxyz"
NCMEC_AUTH = "Basic dXNlcjpwYXNz"  # user:pass


class Protocol:
    """Shared state: records, a request log, and the stall switch."""

    def __init__(self, page: int = 2) -> None:
        self.records: list[dict[str, Any]] = []
        self.page = page
        self.log: list[dict[str, Any]] = []
        self.feedback: list[Any] = []
        self.pages_served = 0
        self.stall_after: int | None = None
        self.stall_if: Any = None  # or a test on the request's query: hang when it holds
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    def served_page(self, q: dict[str, str] | None = None) -> None:
        """Called before a page of records is sent: hangs once ``stall_after`` pages were served, or when
        ``stall_if(query)`` holds, until ``release`` is set."""
        if (self.stall_after is not None and self.pages_served >= self.stall_after) or (
            self.stall_if is not None and self.stall_if(q or {})
        ):
            self.release.wait(60)
        self.pages_served += 1

    def start(self) -> str:
        proto = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proto.handle(self, "GET")

            def do_POST(self) -> None:
                proto.handle(self, "POST")

            def do_PUT(self) -> None:
                proto.handle(self, "PUT")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        self.log.append({"method": method, "path": url.path, "query": query})
        status, ctype, payload, extra = self.answer(method, url.path, query, dict(h.headers), body)
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        for k, v in extra.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)

    def answer(
        self, method: str, path: str, q: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        raise NotImplementedError


def _json(status: int, data: Any) -> tuple[int, str, bytes, dict[str, str]]:
    return status, "application/json", json.dumps(data).encode(), {}


class StopNCII(Protocol):
    def answer(self, method, path, q, headers, body):  # type: ignore[no-untyped-def]
        if headers.get("Ocp-Apim-Subscription-Key") != "sk":
            return _json(401, {"error": "subscription key"})
        if method == "POST" and path == "/v1/SubmitFeedback":
            if headers.get("x-functions-key") != "fbk":
                return _json(401, {"error": "function key"})
            self.feedback.extend(json.loads(body)["hashFeedbacks"])
            return _json(200, {})
        if path != "/v1/FetchHashes" or headers.get("x-functions-key") != "fk":
            return _json(401, {"error": "function key"})
        records = sorted(self.records, key=lambda r: r["lastModtimestamp"])
        self.served_page(q)
        return _json(200, fetch_hashes_answer(records, q, self.page))


def _ncmec_time(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").timestamp())  # as the client formats it


class NCMEC(Protocol):
    def answer(self, method, path, q, headers, body):  # type: ignore[no-untyped-def]
        if headers.get("Authorization") != NCMEC_AUTH:
            return 401, "text/plain", b"", {"WWW-Authenticate": "Basic"}
        if method == "PUT" and path.endswith("/feedback"):
            _, _, _, esp, entry, fp, _ = path.split("/")
            self.feedback.append({"esp": int(esp), "entry": entry, "type": fp, "xml": body.decode()})
            return 200, "application/xml", b"<feedbackSubmissionResult/>", {}
        if path.startswith("/v2/feedback/") and path.endswith("/reasons"):
            reason = '<reason guid="g-1" name="Not CSAM"/>'
            xml = f"<r><availableFeedbackReasons>{reason}</availableFeedbackReasons></r>"
            return 200, "application/xml", xml.encode(), {}
        if path != "/v2/entries":
            return 404, "text/plain", b"", {}
        start_ts, end_ts = _ncmec_time(q["from"]), _ncmec_time(q["to"])
        inside = sorted(
            (r for r in self.records if start_ts <= r["ts"] < end_ts), key=lambda r: (r["ts"], r["id"])
        )
        offset = int(q.get("start") or 0)
        chunk = inside[offset : offset + self.page]
        if chunk:
            self.served_page(q)
        parts = []
        for kind in ("image", "video"):
            items = [r for r in chunk if r["type"] == kind]
            if not items:
                continue
            top = datetime.fromtimestamp(max(r["ts"] for r in items), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            xml_items = []
            for r in items:
                tag = ("deleted" + kind.capitalize()) if r.get("deleted") else kind
                fps = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in r.get("fingerprints", {}).items())
                xml_items.append(
                    f'<{tag}><id>{r["id"]}</id><member id="{r["member"]}">ESP {r["member"]}</member>'
                    + (
                        ""
                        if r.get("deleted")
                        else f"<classification>A1</classification><fingerprints>{fps}</fingerprints>"
                    )
                    + f"</{tag}>"
                )
            parts.append(f'<{kind}s count="{len(items)}" maxTimestamp="{top}">{"".join(xml_items)}</{kind}s>')
        paging = ""
        if offset + self.page < len(inside):
            nxt = "/v2/entries?" + urlencode(
                {
                    "from": q["from"],
                    "to": q["to"],
                    "start": offset + self.page,
                    "size": self.page,
                    "max": len(inside),
                }
            )
            paging = f"<paging><next>{escape(nxt)}</next></paging>"
        xml = f'<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">{"".join(parts)}{paging}</queryResult>'
        return 200, "application/xml", xml.encode(), {}


def ncmec_record(
    ts: int, entry: str, pdq: str | None = None, md5: str | None = None, deleted: bool = False
) -> dict[str, Any]:
    fps = {k: v for k, v in (("md5", md5), ("pdq", pdq)) if v}
    return {"ts": ts, "id": entry, "member": 7, "type": "image", "deleted": deleted, "fingerprints": fps}


class ThreatExchange(Protocol):
    def __init__(self, page: int = 2, base: str = "") -> None:
        super().__init__(page)
        self.base = base

    def answer(self, method, path, q, headers, body):  # type: ignore[no-untyped-def]
        if q.get("access_token") != TE_TOKEN:
            return _json(401, {"error": {"message": "Invalid OAuth access token"}})
        if method == "POST":
            self.feedback.append({"descriptor": path.strip("/"), "reactions": q.get("reactions")})
            return _json(200, {"success": True})
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[1] != "threat_updates":
            return _json(404, {"error": {"message": "Unknown path"}})
        start = int(q.get("start_time") or 0)
        after = sorted(
            (r for r in self.records if r["last_updated"] >= start),
            key=lambda r: (r["last_updated"], r["id"]),
        )
        offset = int(q.get("after") or 0)
        size = min(int(q.get("limit") or self.page), self.page)
        chunk = after[offset : offset + size]
        self.served_page(q)
        out: dict[str, Any] = {"data": chunk}
        if offset + size < len(after):
            nxt = {"access_token": TE_TOKEN, "start_time": start, "limit": size, "after": offset + size}
            out["paging"] = {"next": f"{self.base}{path}?{urlencode(nxt)}"}
        return _json(200, out)


def te_record(ts: int, rid: str, pdq: str, delete: bool = False) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid,
        "indicator": pdq,
        "type": "HASH_PDQ",
        "last_updated": ts,
        "should_delete": delete,
    }
    if not delete:
        rec["descriptors"] = {
            "data": [
                {
                    "id": f"9{rid}",
                    "owner": {"id": "555"},
                    "status": "MALICIOUS",
                    "tags": ["ncii"],
                    "reactions": [],
                }
            ]
        }
    return rec


class URLList(Protocol):
    def answer(self, method, path, q, headers, body):  # type: ignore[no-untyped-def]
        text = "".join(f"{r['type']} {r['value']}\n" for r in self.records)
        etag = f'"{hash(text) & 0xFFFFFFFF}"'
        if headers.get("If-None-Match") == etag:
            return 304, "text/plain", b"", {"ETag": etag}
        return 200, "text/plain", ("# hash list\n" + text).encode(), {"ETag": etag}


def wait_for(check: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
