"""Accounts: roles, argon2id passwords, TOTP (pyotp), lock-out, sessions.

Lock-out is atomic: each sign-in step first *reserves* an attempt with one conditional UPDATE
(``failed < MAX``), so however many workers race, at most ``MAX_FAILED`` guesses are evaluated per lock
window. A TOTP code is accepted once (its time step must be newer than the last one used).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from haven.console.crypto import ConsoleKey
from haven.console.db import sessions, users
from haven.core.errors import BadAnswers

ROLES = ("officer", "analyst", "supervisor", "admin")
MAX_FAILED = 5
LOCK_SECONDS = 15 * 60
SESSION_SECONDS = 8 * 3600
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory defaults


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    unit: str

    @property
    def sees_all_units(self) -> bool:
        return self.role == "supervisor"


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(int(r["id"]), r["name"], r["role"], r["unit"])


def create_user(engine: Engine, key: ConsoleKey, name: str, role: str, unit: str = "default",
                password: str | None = None) -> dict[str, str]:
    """Make an account; returns the user name, the (generated) password and the TOTP secret, once."""
    if role not in ROLES:
        raise BadAnswers(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.", "role")
    name = name.strip()
    if not name or len(name) > 200:
        raise BadAnswers("Give the person's user name (1 to 200 characters).", "name")
    password = password or secrets.token_urlsafe(18)
    secret = pyotp.random_base32()
    try:
        with engine.begin() as conn:
            conn.execute(insert(users).values(
                name=name, role=role, unit=unit.strip() or "default", password_hash=_hasher.hash(password),
                totp_enc=key.encrypt_text(secret, f"totp:{name}"), totp_last=0, failed=0, locked_until=0.0,
                active=True, created_at=datetime.now(UTC)))
    except IntegrityError as exc:
        raise BadAnswers(f"There is already a user called {name!r}.", "name") from exc
    return {"user": name, "password": password, "totp_secret": secret}


def list_users(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(users.c.name, users.c.role, users.c.unit, users.c.active,
                                   users.c.locked_until).order_by(users.c.name)).mappings().all()
    return [dict(r) | {"locked": r["locked_until"] > time.time()} for r in rows]


def _reserve(engine: Engine, user_id: int) -> bool:
    """Take one attempt; False when the account is locked. One statement each, so it is atomic."""
    now = time.time()
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id, users.c.locked_until > 0,
                                         users.c.locked_until <= now).values(failed=0, locked_until=0.0))
        taken = conn.execute(update(users).where(users.c.id == user_id, users.c.failed < MAX_FAILED,
                                                 users.c.active.is_(True))
                             .values(failed=users.c.failed + 1,
                                     locked_until=now + LOCK_SECONDS)).rowcount
    return taken == 1


def _succeeded(engine: Engine, user_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(failed=0, locked_until=0.0))


def _find(engine: Engine, name: str) -> object | None:
    with engine.connect() as conn:
        return conn.execute(select(users).where(users.c.name == name.strip())).first()


class SignInError(Exception):
    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


GENERIC = "That user name and password do not match, or the account is locked. Please try again."


def check_password(engine: Engine, name: str, password: str) -> User:
    row = _find(engine, name)
    if row is None:
        _hasher.hash(password)  # the same time as a real check: names cannot be probed by timing
        raise SignInError(GENERIC)
    r = row._mapping  # type: ignore[attr-defined]
    if not _reserve(engine, int(r["id"])):
        raise SignInError(GENERIC, locked=True)
    try:
        _hasher.verify(r["password_hash"], password)
    except (VerificationError, InvalidHashError):
        raise SignInError(GENERIC) from None
    return _user(row)


def check_totp(engine: Engine, key: ConsoleKey, user_id: int, code: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise SignInError("Please sign in again.")
    r = row._mapping
    if not _reserve(engine, user_id):
        raise SignInError("Too many attempts: the account is locked for a while.", locked=True)
    totp = pyotp.TOTP(key.decrypt_text(r["totp_enc"], f"totp:{r['name']}"))
    code = "".join(ch for ch in code if ch.isdigit())
    now = time.time()
    step = None
    for offset in (0, -1, 1):  # one step of clock drift either way
        at = now + offset * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            step = int(at // totp.interval)
            break
    if step is None:
        raise SignInError("That code is not right. Codes change every 30 seconds.")
    with engine.begin() as conn:  # a code is used once
        fresh = conn.execute(update(users).where(users.c.id == user_id, users.c.totp_last < step)
                             .values(totp_last=step, failed=0, locked_until=0.0)).rowcount
    if fresh != 1:
        raise SignInError("That code was already used. Wait for the next one.")
    _succeeded(engine, user_id)
    return _user(row)


# -- sessions -------------------------------------------------------------------------------------------
def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(engine: Engine, user_id: int, stage: str) -> tuple[str, str]:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires < time.time()))
        conn.execute(insert(sessions).values(token_hash=_h(token), user_id=user_id, stage=stage, csrf=csrf,
                                             expires=time.time() + (300 if stage == "totp" else
                                                                    SESSION_SECONDS)))
    return token, csrf


def get_session(engine: Engine, token: str | None) -> tuple[User, str, str] | None:
    """(user, stage, csrf) for a live session token, else None."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(sessions, users.c.name, users.c.role, users.c.unit, users.c.active)
                           .join(users, users.c.id == sessions.c.user_id)
                           .where(sessions.c.token_hash == _h(token))).mappings().first()
    if row is None or row["expires"] < time.time() or not row["active"]:
        return None
    return User(int(row["user_id"]), row["name"], row["role"], row["unit"]), row["stage"], row["csrf"]


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _h(token)))
