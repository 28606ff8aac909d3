"""Linking: cases that share a normalised offender identifier (matched on its blind-index token), and
clusters of cases joined through shared identifiers, ranked by strength.

Strength of a cluster = Σ over its shared identifiers of weight × (cases sharing it − 1): a wallet in five
cases counts far more than a handle in two. Weights are in ``identifiers.WEIGHTS``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from haven.console.crypto import ConsoleKey
from haven.console.db import identifiers

CHUNK = 500


def _run(db: Engine | Connection, query: Any) -> list[Any]:
    if isinstance(db, Engine):
        with db.connect() as conn:
            return list(conn.execute(query).all())
    return list(db.execute(query).all())


def links_for_tokens(db: Engine | Connection, tokens: Iterable[str], exclude_case: str | None = None,
                     ) -> dict[str, set[str]]:
    """token -> the other cases holding it (one indexed lookup per chunk of tokens)."""
    found: dict[str, set[str]] = defaultdict(set)
    tokens = sorted(set(tokens))
    for i in range(0, len(tokens), CHUNK):
        q = select(identifiers.c.token, identifiers.c.case_id).where(
            identifiers.c.token.in_(tokens[i:i + CHUNK]))
        if exclude_case is not None:
            q = q.where(identifiers.c.case_id != exclude_case)
        for token, case_id in _run(db, q):
            found[token].add(case_id)
    return dict(found)


def clusters(engine: Engine, key: ConsoleKey, visible: set[str] | None = None) -> list[dict[str, Any]]:
    """Connected groups of cases through shared identifiers, strongest first. ``visible`` limits the
    cases considered (an officer's unit); None means all."""
    shared_q = (select(identifiers.c.token).group_by(identifiers.c.token)
                .having(func.count(func.distinct(identifiers.c.case_id)) > 1))
    shared = [r[0] for r in _run(engine, shared_q)]
    rows: list[Any] = []
    for i in range(0, len(shared), CHUNK):
        rows += _run(engine, select(identifiers.c.token, identifiers.c.case_id, identifiers.c.kind,
                                    identifiers.c.weight, identifiers.c.value_enc)
                     .where(identifiers.c.token.in_(shared[i:i + CHUNK])))
    by_token: dict[str, dict[str, Any]] = {}
    for token, case_id, kind, weight, value_enc in rows:
        if visible is not None and case_id not in visible:
            continue
        entry = by_token.setdefault(token, {"kind": kind, "weight": float(weight), "cases": set(),
                                            "identifier": None})
        entry["cases"].add(case_id)
        if entry["identifier"] is None:
            entry["identifier"] = key.decrypt_text(value_enc, f"id:{case_id}")
    by_token = {t: e for t, e in by_token.items() if len(e["cases"]) > 1}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for entry in by_token.values():
        first, *rest = sorted(entry["cases"])
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[str, dict[str, Any]] = {}
    for entry in by_token.values():
        root = find(next(iter(entry["cases"])))
        g = groups.setdefault(root, {"cases": set(), "identifiers": [], "strength": 0.0})
        g["cases"] |= entry["cases"]
        g["identifiers"].append({"identifier": entry["identifier"], "kind": entry["kind"],
                                 "weight": entry["weight"], "cases": sorted(entry["cases"])})
        g["strength"] += entry["weight"] * (len(entry["cases"]) - 1)
    out = []
    for g in groups.values():
        g["identifiers"].sort(key=lambda i: (-i["weight"] * len(i["cases"]), i["identifier"]))
        out.append({"id": min(g["cases"]), "cases": sorted(g["cases"]), "identifiers": g["identifiers"],
                    "strength": round(g["strength"], 2)})
    out.sort(key=lambda g: (-g["strength"], -len(g["cases"]), g["id"]))
    return out


def cluster_of(engine: Engine, key: ConsoleKey, case_id: str, visible: set[str] | None = None,
               ) -> dict[str, Any] | None:
    for g in clusters(engine, key, visible):
        if case_id in g["cases"]:
            return g
    return None
