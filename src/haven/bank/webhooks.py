"""Resurfacing alerts: when a protected hash matches, every registered webhook gets a signed POST.

Delivery runs in background threads (a match answer never waits for it), retries with exponential backoff,
and records the outcome in ``deliveries``. The body is signed with HMAC-SHA256 under the webhook's secret:
``X-Haven-Signature: sha256=<hex>``; receivers recompute it over the raw body (:func:`verify_signature`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Engine, insert, select

from haven.bank.db import deliveries, webhooks

SIGNATURE_HEADER = "X-Haven-Signature"
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before attempts 2..6
TIMEOUT = 5.0


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """True if ``header`` is the signature of ``body`` under ``secret`` (constant-time compare)."""
    return hmac.compare_digest(sign(secret, body), header or "")


def check_url(url: str) -> str:
    """An http(s) URL with a host, or ValueError."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("a webhook URL must start with http:// or https:// and name a host")
    if len(url) > 2000:
        raise ValueError("a webhook URL can be at most 2000 characters")
    return url


def register(engine: Engine, platform: str, url: str) -> dict[str, Any]:
    """Store a webhook; its secret is returned once, for the receiver to verify signatures."""
    secret = secrets.token_hex(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        wid = conn.execute(
            insert(webhooks)
            .values(platform=platform, url=check_url(url), secret=secret, active=True, created_at=now)
            .returning(webhooks.c.id)
        ).scalar_one()
    return {"id": wid, "url": url, "secret": secret, "events": ["match"]}


class Dispatcher:
    """Queue of alerts, delivered by ``workers`` threads with retry and backoff."""

    def __init__(self, engine: Engine, workers: int = 2, refresh_seconds: float = 1.0) -> None:
        self.engine = engine
        self._queue: queue.Queue[tuple[int, str, str, bytes, str] | None] = queue.Queue(maxsize=10_000)
        self._hooks: list[tuple[int, str, str]] = []
        self._hooks_at = 0.0
        self._refresh = refresh_seconds
        self._threads = [
            threading.Thread(target=self._run, daemon=True, name=f"haven-webhook-{i}") for i in range(workers)
        ]
        self._client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self.dropped = 0

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=2)
        self._client.close()

    def _active_hooks(self) -> list[tuple[int, str, str]]:
        now = time.monotonic()
        if now - self._hooks_at > self._refresh:
            with self.engine.connect() as conn:
                self._hooks = [
                    (r.id, r.url, r.secret)
                    for r in conn.execute(
                        select(webhooks.c.id, webhooks.c.url, webhooks.c.secret).where(
                            webhooks.c.active.is_(True)
                        )
                    )
                ]
            self._hooks_at = now
        return self._hooks

    def refresh(self) -> None:
        self._hooks_at = 0.0

    def alert(self, matches: list[dict[str, Any]], platform: str) -> None:
        """Queue one alert per match for every webhook. Never blocks; drops (and counts) when full."""
        hooks = self._active_hooks() if matches else []
        for match in matches:
            event = {
                "event": "match",
                "bank": match["bank"],
                "signal_id": match["signal_id"],
                "signal_type": match["signal_type"],
                "distance": match["distance"],
                "platform": platform,
                "matched_at": datetime.now(UTC).isoformat(),
            }
            for wid, url, secret in hooks:
                body = json.dumps({**event, "delivery": secrets.token_hex(8)}, sort_keys=True).encode()
                try:
                    self._queue.put_nowait((wid, url, secret, body, json.loads(body)["delivery"]))
                except queue.Full:
                    self.dropped += 1

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            wid, url, secret, body, delivery = job
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(secret, body),
                "X-Haven-Event": "match",
                "X-Haven-Delivery": delivery,
                "User-Agent": "haven-bank",
            }
            attempts, error, ok = 0, None, False
            for delay in (0.0, *RETRY_DELAYS):
                time.sleep(delay)
                attempts += 1
                try:
                    resp = self._client.post(url, content=body, headers=headers)
                    if 200 <= resp.status_code < 300:
                        ok = True
                        break
                    error = f"HTTP {resp.status_code}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(deliveries).values(
                            webhook_id=wid,
                            delivery_key=delivery,
                            status="delivered" if ok else "failed",
                            attempts=attempts,
                            last_error=None if ok else error,
                            created_at=datetime.now(UTC),
                        )
                    )
            except Exception:  # the record is for operators; losing it must not stop deliveries
                pass
