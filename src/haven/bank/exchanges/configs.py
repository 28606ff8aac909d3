"""Exchange configurations stored in the bank database (table ``exchange_configs``), one per exchange.

Each names its kind (``kinds.KINDS``), the bank it fills (by default a bank of its own name, as HMA gives
each exchange its own bank: withdrawals from one exchange then never touch another's hashes), its settings
(address, privacy group, file…), its credentials and how often to fetch. Credentials are encrypted at
rest (``haven.bank.exchanges.sealed``: Fernet, key from ``HAVEN_BANK_SECRET_KEY``, ``HAVEN_BANK_KEYFILE``
or a key file beside a SQLite database); only the names of the credentials are ever shown.
"""

import time
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update

from haven.bank.banks import NAME
from haven.bank.db import exchange_configs
from haven.bank.exchanges import sealed
from haven.bank.exchanges.kinds import KINDS


class ExchangeError(ValueError):
    """A configuration that cannot be stored or used (a plain message)."""


@dataclass
class Exchange:
    name: str
    api: str
    bank: str
    config: dict[str, t.Any]
    credentials: dict[str, t.Any]
    enabled: bool
    every_seconds: float
    last_fetch_at: float
    last_error: str | None
    feedback_cursor: int

    def public(self) -> dict[str, t.Any]:
        """What may be shown: everything but the credentials' values."""
        return {
            "name": self.name,
            "api": self.api,
            "bank": self.bank,
            "config": self.config,
            "credentials": sorted(self.credentials),
            "enabled": self.enabled,
            "every_seconds": self.every_seconds,
            "last_fetch_at": self.last_fetch_at,
            "last_error": self.last_error,
        }


def add(
    engine: Engine,
    name: str,
    api: str,
    config: dict[str, t.Any],
    credentials: dict[str, t.Any],
    bank: str | None = None,
    every_seconds: float = 3600.0,
    enabled: bool = True,
) -> Exchange:
    if not NAME.match(name):
        raise ExchangeError("An exchange name is letters, digits, _ or - (at most 100).")
    kind = KINDS.get(api)
    if kind is None:
        raise ExchangeError(f"Unknown exchange kind {api!r}: use one of {', '.join(sorted(KINDS))}.")
    missing = [k for k in kind.needs if not config.get(k)] + [
        k for k in kind.secrets if not credentials.get(k)
    ]
    if missing:
        raise ExchangeError(f"A {api} exchange needs: {', '.join(missing)}.")
    if every_seconds < 0:
        raise ExchangeError("every_seconds cannot be negative.")
    bank = bank or name
    if not NAME.match(bank):
        raise ExchangeError("A bank name is letters, digits, _ or - (at most 100).")
    kind.build(name, config, credentials)  # refuses settings it cannot use, before anything is stored
    with engine.begin() as conn:
        if conn.execute(select(exchange_configs.c.name).where(exchange_configs.c.name == name)).first():
            raise ExchangeError(f"An exchange named {name} already exists.")
        conn.execute(
            insert(exchange_configs).values(
                name=name,
                api=api,
                bank=bank,
                config=config,
                credentials=sealed.seal(sealed.key_for(engine), credentials),
                enabled=enabled,
                every_seconds=float(every_seconds),
                last_fetch_at=0.0,
                last_error=None,
                feedback_cursor=0,
                created_at=datetime.now(UTC),
            )
        )
    found = get(engine, name)
    assert found is not None
    return found


def _row(r: t.Any, box: t.Any) -> Exchange:
    return Exchange(
        r.name,
        r.api,
        r.bank,
        dict(r.config),
        sealed.open_sealed(box, r.credentials),
        bool(r.enabled),
        float(r.every_seconds),
        float(r.last_fetch_at or 0.0),
        r.last_error,
        int(r.feedback_cursor or 0),
    )


def get(engine: Engine, name: str) -> Exchange | None:
    with engine.connect() as conn:
        r = conn.execute(select(exchange_configs).where(exchange_configs.c.name == name)).first()
    return _row(r, sealed.key_for(engine)) if r is not None else None


def all_exchanges(engine: Engine) -> list[Exchange]:
    with engine.connect() as conn:
        rows = conn.execute(select(exchange_configs).order_by(exchange_configs.c.name)).all()
    if not rows:
        return []
    box = sealed.key_for(engine)
    return [_row(r, box) for r in rows]


def due(engine: Engine, now: float | None = None) -> list[Exchange]:
    """Enabled exchanges whose next fetch time has come."""
    now = time.time() if now is None else now
    return [x for x in all_exchanges(engine) if x.enabled and now >= x.last_fetch_at + x.every_seconds]


def set_fields(engine: Engine, name: str, **values: t.Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(exchange_configs).where(exchange_configs.c.name == name).values(**values))


def remove(engine: Engine, name: str) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(delete(exchange_configs).where(exchange_configs.c.name == name)).rowcount)
