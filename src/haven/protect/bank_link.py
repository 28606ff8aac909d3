"""One case number everywhere: a protection case registered at Haven hash banks under its own number.

``submit`` sends the case's hashes (never the pictures) to a bank with ``PUT /v1/cases/{number}``
(``haven.bank.case_link``), so the bank holds the case under the number the person already has. The PIN
itself is never sent: the bank gets a *verifier*, argon2id of the PIN salted with the case number, and keeps
only an argon2 hash of that. ``status`` asks each bank how the case stands — per hash, whether it is live
and what platforms did when it matched (PendingReview, Blocked, NotBlocked) — and maps each hash back to
the file on this computer it came from. Withdrawing on either side withdraws on both: a local withdrawal
(``ProtectCase.withdraw`` or ``delete``) queues a withdrawal for each bank, and a case found withdrawn at a
bank is withdrawn here and at the other banks. Anything that cannot be sent now (no connection, the bank
down) waits in the case's outbox and is sent by ``flush``, which ``status`` and ``submit`` call first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from argon2.low_level import Type, hash_secret_raw

from haven.core.errors import HavenError
from haven.protect.case import ProtectCase
from haven.protect.signals import validate_signal

TIMEOUT = 20.0
SIGNAL_TYPES = ("pdq", "vpdq", "md5", "sha256")


class BankRefused(HavenError):
    """The bank answered, and refused (a plain message saying why)."""

    exit_code = 2


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _digits(pin: str) -> str:
    return "".join(ch for ch in pin if ch.isdigit())


def pin_verifier(case_number: str, pin: str) -> str:
    """What stands in for the PIN at a bank: argon2id(PIN, salt from the case number), 64 hex digits.
    The same PIN and number always give the same verifier; the PIN cannot be read back from it."""
    salt = hashlib.sha256(b"haven-bank-verifier\0" + case_number.strip().upper().encode()).digest()[:16]
    raw = hash_secret_raw(
        _digits(pin).encode("ascii"),
        salt,
        time_cost=2,
        memory_cost=19 * 1024,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    return raw.hex()


def case_signals(case: ProtectCase) -> list[tuple[str, str, str]]:
    """``(signal_type, normalised value, local path)`` for every hash of the case, once each."""
    out: dict[tuple[str, str], str] = {}
    for f in case.files:
        for stype in SIGNAL_TYPES:
            if f.get(stype):
                try:
                    value = validate_signal(stype, f[stype])
                except ValueError:
                    continue
                out.setdefault((stype, value), str(f.get("path", "")))
    return [(t, v, p) for (t, v), p in out.items()]


@dataclass
class HashStatus:
    path: str
    signal_type: str
    status: str
    feedback: dict[str, int]


@dataclass
class BankStatus:
    url: str
    bank: str
    status: str  # Active, Withdrawn, Queued (not reached yet) or Unreachable
    checked: str = ""
    error: str = ""
    hashes: list[HashStatus] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "bank": self.bank,
            "status": self.status,
            "checked": self.checked,
            "error": self.error,
            "hashes": [h.__dict__ for h in self.hashes],
        }


class _Offline(Exception):
    """The bank could not be reached (or answered 5xx): try again later."""


def _client(http: httpx.Client | None) -> httpx.Client:
    return http if http is not None else httpx.Client(timeout=TIMEOUT)


def _call(http: httpx.Client, method: str, url: str, key: str, **kw: Any) -> httpx.Response:
    try:
        headers = {"Authorization": f"Bearer {key}", **kw.pop("headers", {})}
        answer = http.request(method, url, headers=headers, **kw)
    except httpx.TransportError as exc:
        raise _Offline(f"could not reach the bank ({type(exc).__name__})") from None
    if answer.status_code >= 500:
        raise _Offline(f"the bank answered {answer.status_code}")
    return answer


def _detail(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):  # a request the bank could not read: say which part
        detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail) if isinstance(detail, str) and detail else f"the bank answered {answer.status_code}"


def _link(case: ProtectCase, url: str) -> dict[str, Any] | None:
    return next((link for link in case.links if link["url"] == url), None)


def _register(http: httpx.Client, case: ProtectCase, link: dict[str, Any], pin: str) -> None:
    body = {
        "pin_verifier": pin_verifier(case.case_number, pin),
        "signals": [{"signal_type": t, "signal": v} for t, v, _p in case_signals(case)],
        "bank": link["bank"],
    }
    answer = _call(http, "PUT", f"{link['url']}/v1/cases/{case.case_number}", link["key"], json=body)
    if answer.status_code not in (200, 201):
        raise BankRefused(f"The bank at {link['url']} did not take the case: {_detail(answer)}")
    link["status"], link["registered"] = answer.json()["status"], _now()


def _withdraw(http: httpx.Client, case: ProtectCase, link: dict[str, Any], pin: str) -> None:
    answer = _call(
        http,
        "POST",
        f"{link['url']}/v1/cases/{case.case_number}/withdraw",
        link["key"],
        json={"pin": pin_verifier(case.case_number, pin)},
    )
    if answer.status_code != 200:
        raise BankRefused(f"The bank at {link['url']} did not withdraw the case: {_detail(answer)}")
    link["status"] = "Withdrawn"


def flush(case: ProtectCase, pin: str, http: httpx.Client | None = None) -> int:
    """Send what waits in the outbox, in order; what still cannot be sent stays (with its error).
    Returns how many were sent. Saves the case."""
    client = _client(http)
    sent, left = 0, []
    try:
        for op in case.outbox:
            link = _link(case, op["url"])
            if link is None:
                continue
            try:
                (_register if op["op"] == "register" else _withdraw)(client, case, link, pin)
                sent += 1
            except (_Offline, BankRefused) as exc:
                op["attempts"] = int(op.get("attempts", 0)) + 1
                op["error"], op["tried"] = str(exc), _now()
                left.append(op)
    finally:
        if http is None:
            client.close()
    case.outbox = left
    case.save()
    return sent


def submit(
    case: ProtectCase,
    pin: str,
    url: str,
    key: str,
    bank: str = "haven",
    http: httpx.Client | None = None,
) -> BankStatus:
    """Register the case at the bank at ``url`` under its own number. When the bank cannot be reached,
    the registration is queued and sent later (status ``Queued``). Only an Active case is sent."""
    case.check_pin(pin)
    if case.status != "Active":
        raise HavenError(f"Case {case.case_number} is {case.status}, so it is not sent to a bank.")
    if not case_signals(case):
        raise HavenError(f"Case {case.case_number} has no hashes to send.")
    url = url.rstrip("/")
    link = _link(case, url)
    if link is None:
        link = {"url": url, "bank": bank, "key": key, "status": "Queued", "added": _now()}
        case.links.append(link)
    else:
        link.update(key=key, bank=bank)
    client = _client(http)
    try:
        flush(case, pin, client)
        try:
            _register(client, case, link, pin)
            error = ""
        except _Offline as exc:
            error = str(exc)
            if not any(o["op"] == "register" and o["url"] == url for o in case.outbox):
                case.outbox.append(
                    {"op": "register", "url": url, "queued": _now(), "attempts": 1, "error": error}
                )
    finally:
        if http is None:
            client.close()
    case.save()
    return BankStatus(url, bank, link["status"], error=error)


def _by_hash(case: ProtectCase) -> dict[tuple[str, str], str]:
    return {(t, v): p for t, v, p in case_signals(case)}


def status(case: ProtectCase, pin: str, http: httpx.Client | None = None) -> list[BankStatus]:
    """Each linked bank's view of the case, hash by hash with the platforms' feedback. A case withdrawn at
    a bank is withdrawn here too (and the other banks are told). Sends the outbox first. Saves the case."""
    case.check_pin(pin)
    client = _client(http)
    out: list[BankStatus] = []
    try:
        flush(case, pin, client)
        waiting = {o["url"] for o in case.outbox}
        local = _by_hash(case)
        verifier = pin_verifier(case.case_number, pin)
        for link in case.links:
            here = BankStatus(link["url"], link["bank"], link.get("status", ""))
            out.append(here)
            pending = link.get("status") == "Withdrawn" and link["url"] in waiting
            if link.get("status") == "Queued" or pending:
                here.error = next((o["error"] for o in case.outbox if o["url"] == link["url"]), "")
                continue
            try:
                answer = _call(
                    client,
                    "GET",
                    f"{link['url']}/v1/cases/{case.case_number}/hashes",
                    link["key"],
                    headers={"X-Case-Pin": verifier},
                )
            except _Offline as exc:
                here.status, here.error = "Unreachable", str(exc)
                continue
            if answer.status_code != 200:
                here.error = _detail(answer)
                continue
            data = answer.json()
            live = [s for s in data["signals"] if s["status"] == "Active"]
            gone = data["status"] in ("Withdrawn", "Deleted") or not live
            link["status"] = here.status = "Withdrawn" if gone else data["status"]
            link["checked"] = here.checked = _now()
            here.hashes = [
                HashStatus(
                    local.get((s["signal_type"], s.get("signal", "")), ""),
                    s["signal_type"],
                    s["status"],
                    dict(s["feedback"]),
                )
                for s in data["signals"]
            ]
            link["feedback"] = [h.__dict__ for h in here.hashes]
            if gone and case.status == "Active":  # withdrawn at the bank: withdrawn here and elsewhere
                case.set_status("Withdrawn")
                case.history[-1]["note"] = f"withdrawn at the bank {link['url']}"
                case.queue_bank_withdrawals(skip=link["url"])
        case.save()
        if case.outbox:  # withdrawals this check found to do at the other banks
            flush(case, pin, client)
            for here, link in zip(out, case.links, strict=True):
                if link.get("status") == "Withdrawn" and here.status != "Withdrawn":
                    here.status = "Withdrawn"
                    for h in here.hashes:
                        h.status = "Withdrawn"
    finally:
        if http is None:
            client.close()
    return out
