"""Which engines and case settings stored derived data was made with, and whether it is stale.

The engine version is a hash over the files (code and data: lexicon, trained weights, tables) of
``haven.indicators`` and ``haven.flags`` and Haven's version, read once per process without importing the
engines. Stored derived data carries it in ``meta['derived']`` with the person's own names and the phone
region; when any of the three differs from now, the data is stale and is made again (``derived.rebuild``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haven import __version__

if TYPE_CHECKING:
    from haven.vault.vault import Vault

META_KEY = "derived"
ENGINES = ("haven.indicators", "haven.flags")


@cache
def engine_version() -> str:
    """A hash over the code and data of ``haven.indicators`` and ``haven.flags`` (and Haven's version):
    any change to either engine makes stored derived data stale."""
    digest = hashlib.sha256(__version__.encode())
    for name in ENGINES:  # found, not imported: the engines stay unloaded in the importing process
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{name} is missing")
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def wanted_state(vault: Vault) -> dict[str, Any]:
    case = vault.case
    return {"version": engine_version(), "me": list(case.me), "region": case.phone_region}


def read_state(get_meta: Any) -> dict[str, Any] | None:
    raw = get_meta(META_KEY)
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def is_stale(state: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    return state is None or any(state.get(k) != v for k, v in wanted.items())
