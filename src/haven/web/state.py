"""The one person's session, held in the server's memory only.

Haven's web app serves one person on one computer. The first address it prints carries a random
one-time token; the browser that opens it gets a session cookie (HttpOnly, SameSite=Strict). Any other
browser gets nothing. The session holds the open vault (its key lives only inside it), the guide's
answers, a CSRF token, and a few things shown once (a protection PIN).

``lock()`` closes the vault, which drops its key from this process; ``end()`` (quick exit) also ends the
session, so the old cookie and the old address stop working, and makes a new one-time address.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from haven.vault import Vault


def _token() -> str:
    return secrets.token_urlsafe(32)


class Session:
    """All per-person state. Every method is thread-safe (pages run in a thread pool)."""

    def __init__(self, lock_after: float, on_new_link: Callable[[str, str], None] | None = None) -> None:
        self._lock = threading.RLock()
        self.lock_after = lock_after
        self.launch_token: str | None = _token()
        self.session_id: str | None = None
        self.csrf = _token()
        self.vault: Vault | None = None
        self.case_name: str | None = None
        self.answers: dict[str, Any] = {}
        self.held_answers: dict[str, Any] = {}
        """Answers from the browser the session moved away from: kept apart (not used, not shown) until
        the person chooses to carry on with them or to start fresh."""
        self.flash: dict[str, Any] = {}
        self.last_seen = time.monotonic()
        self.cache: dict[str, Any] = {}
        self.progress: dict[str, Any] = {"active": False, "done": 0, "total": 0, "name": ""}
        self.on_new_link = on_new_link

    # -- who may come in ------------------------------------------------------------------------
    def redeem(self, token: str) -> str | None:
        """Swap the one-time launch token for a session id (the cookie). None if it does not match.
        Any earlier session (another browser) ends: one browser at a time."""
        with self._lock:
            if self.launch_token is None or not hmac.compare_digest(token, self.launch_token):
                return None
            if self.session_id is not None:
                self.lock()  # a session moving to another browser: the case must be unlocked again
                self.flash.clear()
                # A clean start: the old answers (maybe "I am thinking of hurting myself") are not
                # carried into the new browser unless the person chooses to (see ``resume``).
                self.held_answers, self.answers = (self.answers or self.held_answers), {}
            self.session_id = _token()
            self.csrf = _token()
            self.last_seen = time.monotonic()
            # The used address is dead (it stays in the browser's history). A fresh one is printed in the
            # terminal only, to come back if the browser is closed; using it moves the session there.
            self.launch_token = _token()
            sid, token = self.session_id, self.launch_token
        if self.on_new_link is not None:
            self.on_new_link(token, "again")
        return sid

    def resume(self, carry_on: bool) -> None:
        """The person's choice after moving browser: carry on with the held answers, or drop them."""
        with self._lock:
            if carry_on and self.held_answers:
                self.answers = self.held_answers
            self.held_answers = {}

    def is_member(self, cookie: str | None) -> bool:
        with self._lock:
            return bool(cookie and self.session_id and hmac.compare_digest(cookie, self.session_id))

    def csrf_ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value), self.csrf)

    def touch(self) -> None:
        with self._lock:
            self.last_seen = time.monotonic()

    # -- the vault ------------------------------------------------------------------------------
    def set_vault(self, name: str, vault: Vault) -> None:
        with self._lock:
            self._close_vault()
            self.vault, self.case_name = vault, name
            self.cache.clear()
            self.last_seen = time.monotonic()

    def _close_vault(self) -> None:
        vault, self.vault, self.case_name = self.vault, None, None
        self.cache.clear()
        if vault is not None:
            with contextlib.suppress(Exception):
                vault.close()
            del vault

    def lock(self) -> None:
        """Close the open case: its key is dropped from memory. The session itself goes on."""
        with self._lock:
            self._close_vault()
            self.flash.pop("pin", None)

    def idle_check(self) -> bool:
        """Lock if nothing was used for ``lock_after`` seconds. True when it locked an open case."""
        with self._lock:
            if self.vault is None or time.monotonic() - self.last_seen < self.lock_after:
                return False
            self.lock()
            return True

    def end(self) -> str:
        """Quick exit: lock, forget the answers, end the session and make a new one-time address token."""
        with self._lock:
            self.lock()
            self.answers.clear()
            self.held_answers = {}
            self.flash.clear()
            self.session_id = None
            self.csrf = _token()
            self.launch_token = _token()
            token = self.launch_token
        if self.on_new_link is not None:
            self.on_new_link(token, "exit")
        return token


class IdleLocker(threading.Thread):
    """Checks every few seconds whether the session has been idle too long, and locks it."""

    def __init__(self, session: Session) -> None:
        super().__init__(name="haven-idle-lock", daemon=True)
        self.session = session
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(0.5, min(5.0, self.session.lock_after / 4))
        while not self.stopped.wait(interval):
            self.session.idle_check()

    def stop(self) -> None:
        self.stopped.set()
