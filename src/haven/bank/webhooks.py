"""Resurfacing alerts: when a protected hash matches, every registered webhook gets a signed POST.

Delivery runs in background threads (a match answer never waits for it), retries with exponential backoff,
and records the outcome in ``deliveries``. The body is signed with HMAC-SHA256 under the webhook's secret:
``X-Haven-Signature: sha256=<hex>``; receivers recompute it over the raw body (:func:`verify_signature`).

Targets cannot reach inside (server-side request forgery): a webhook must be ``https://`` and may not name a
loopback, link-local, private, multicast, reserved or otherwise non-public address. This is checked when
it is registered and again at every delivery *after* DNS resolution; the request then goes to the checked
address itself (Host header and TLS name kept), so a name that re-binds cannot slip past. A platform's own
internal receiver is allowed only by name in ``HAVEN_BANK_WEBHOOK_ALLOW`` (comma-separated host names, IP
addresses or networks); allowed targets may also use ``http://``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse, urlunparse

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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
ALLOW_ENV = "HAVEN_BANK_WEBHOOK_ALLOW"


class TargetRefused(ValueError):
    """A webhook target the bank will not send to, with the plain reason."""


class Unresolved(OSError):
    """The target's name did not resolve (may be passing: the delivery is retried)."""


def address_class(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "link-local", …), or None if it is one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name, hit in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if hit:
            return name
    if not ip.is_global:
        return "non-public"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the operating system's resolver)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass(frozen=True)
class TargetPolicy:
    """Which webhook targets are allowed: public https by default, plus an explicit allow-list."""

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_setting(cls, setting: str | None, resolver: Resolver = system_resolver) -> TargetPolicy:
        """``"hooks.internal, 10.1.2.3, 192.168.5.0/24"`` → an allow-list (empty or None: none)."""
        hosts: set[str] = set()
        nets: list[Network] = []
        for entry in (setting or "").split(","):
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                nets.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(nets), resolver)

    @classmethod
    def from_env(cls) -> TargetPolicy:
        return cls.from_setting(os.environ.get(ALLOW_ENV))

    def _allowed_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allow_networks)

    def allowed_host(self, host: str) -> bool:
        """``host`` is on the allow-list by name or as an address."""
        if host.lower().rstrip(".") in self.allow_hosts:
            return True
        try:
            return self._allowed_ip(ipaddress.ip_address(host))
        except ValueError:
            return False

    def check_address(self, host: str, ip: IPAddress) -> None:
        """TargetRefused unless ``ip`` is public or allowed (by its name ``host`` or itself)."""
        if self.allowed_host(host) or self._allowed_ip(ip):
            return
        kind = address_class(ip)
        if kind:
            raise TargetRefused(
                f"the webhook host {host} is a {kind} address ({ip}); alerts go only to public addresses "
                f"(an operator can allow an internal receiver with {ALLOW_ENV})"
            )

    def check_url(self, url: str) -> str:
        """The URL if its scheme and (literal or local) host are allowed; TargetRefused otherwise."""
        if len(url) > 2000:
            raise TargetRefused("a webhook URL can be at most 2000 characters")
        try:
            parsed = urlparse(url)
            host = parsed.hostname
            parsed.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise TargetRefused(f"the webhook URL cannot be read ({exc})") from None
        if parsed.scheme not in ("http", "https") or not host:
            raise TargetRefused("a webhook URL must start with https:// and name a host")
        if parsed.username is not None or parsed.password is not None:
            raise TargetRefused("a webhook URL cannot carry a user name or password")
        allowed = self.allowed_host(host)
        if parsed.scheme != "https" and not allowed:
            raise TargetRefused("a webhook URL must use https:// (http only for an allowed internal host)")
        if not allowed and (host == "localhost" or host.endswith((".localhost", ".localdomain"))):
            raise TargetRefused(f"the webhook host {host} is a loopback name; alerts go only to public hosts")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            last = host.rstrip(".").rsplit(".", 1)[-1]
            if not allowed and (last.isdigit() or last.startswith("0x")):  # 2130706433, 0x7f.1: no TLD
                raise TargetRefused(f"the webhook host {host} is an address in an unusual form") from None
            return url  # a name: checked again after resolution, at every delivery
        self.check_address(host, ip)
        return url

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host, port)]
        except (OSError, ValueError) as exc:
            raise Unresolved(f"the webhook host {host} cannot be resolved ({exc})") from None
        if not found:
            raise Unresolved(f"the webhook host {host} resolves to no address")
        return found

    def pin(self, url: str) -> tuple[str, str, str]:
        """Resolve the URL's host and check every address: ``(url with the checked address in place of
        the name, Host header, TLS server name)``. TargetRefused if any address is not allowed."""
        self.check_url(url)
        parsed = urlparse(url)
        host = parsed.hostname or ""
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = self._addresses(host, port)
        for ip in addresses:
            self.check_address(host, ip)
        ip = addresses[0]
        netloc = f"[{ip}]" if ip.version == 6 else str(ip)
        if parsed.port:
            netloc += f":{parsed.port}"
        host_header = parsed.netloc.rsplit("@", 1)[-1]
        return urlunparse(parsed._replace(netloc=netloc)), host_header, host


def check_url(url: str, policy: TargetPolicy | None = None) -> str:
    """An allowed webhook URL (see :class:`TargetPolicy`), or ValueError with the reason."""
    return (policy or TargetPolicy.from_env()).check_url(url)


def register(engine: Engine, platform: str, url: str, policy: TargetPolicy | None = None) -> dict[str, Any]:
    """Store a webhook; its secret is returned once, for the receiver to verify signatures."""
    url = check_url(url, policy)
    secret = secrets.token_hex(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        wid = conn.execute(
            insert(webhooks)
            .values(platform=platform, url=url, secret=secret, active=True, created_at=now)
            .returning(webhooks.c.id)
        ).scalar_one()
    return {"id": wid, "url": url, "secret": secret, "events": ["match"]}


class Dispatcher:
    """Queue of alerts, delivered by ``workers`` threads with retry and backoff."""

    def __init__(
        self,
        engine: Engine,
        workers: int = 2,
        refresh_seconds: float = 1.0,
        policy: TargetPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy or TargetPolicy.from_env()
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
            self.deliver(*job)

    def deliver(self, wid: int, url: str, secret: str, body: bytes, delivery: str) -> str:
        """One alert with retries; records and returns the outcome ("delivered", "failed", "refused").
        The target is re-checked after resolution before every attempt; a refused one is never contacted."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "X-Haven-Event": "match",
            "X-Haven-Delivery": delivery,
            "User-Agent": "haven-bank",
        }
        attempts, error, outcome = 0, None, "failed"
        for delay in (0.0, *RETRY_DELAYS):
            time.sleep(delay)
            try:
                target, host_header, server_name = self.policy.pin(url)
            except TargetRefused as exc:
                error, outcome = str(exc), "refused"
                break
            except Unresolved as exc:
                error = str(exc)
                continue
            attempts += 1
            try:
                resp = self._client.post(
                    target,
                    content=body,
                    headers={**headers, "Host": host_header},
                    extensions={"sni_hostname": server_name},
                )
                if 200 <= resp.status_code < 300:
                    outcome = "delivered"
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
                        status=outcome,
                        attempts=attempts,
                        last_error=None if outcome == "delivered" else error,
                        created_at=datetime.now(UTC),
                    )
                )
        except Exception:  # the record is for operators; losing it must not stop deliveries
            pass
        return outcome
