"""HMA 2.0 (OpenMediaMatch) compatible routes, so a platform integrated with Meta's Hasher-Matcher-Actioner
can point at Haven unchanged — except that Haven asks for its API key (``Authorization: Bearer KEY``).

Same paths, parameters and answer shapes as ``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/``
(``curation.py``, ``matching.py``) and ``app.py``'s status routes:

* curation (role curator or admin): ``GET/POST /c/banks``, ``GET/PUT/DELETE /c/bank/<name>``,
  ``POST /c/bank/<name>/content`` and ``/signal``, ``GET/PUT/DELETE /c/bank/<name>/content/<id>``,
  ``GET /c/signal_type``;
* matching (role matcher, curator or admin): ``GET /m/lookup``, ``GET /m/raw_lookup``, ``POST /m/compare``,
  ``GET /m/index/status``;
* status: ``/status`` and ``/status/live`` (no key, like ``/v1/health``: load balancers call them),
  ``/site-map`` (any key).

Left out on purpose: ``/h/hash`` and every form that takes media (``url=``, uploads). Haven never receives or
fetches images; content is added by its hashes. Signal type names are Haven's (``pdq``, ``vpdq``, ``md5``,
``sha256``); HMA's ``video_md5`` is accepted as ``md5``. Errors use Haven's ``{"detail": ...}``.
"""

import random
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine

from haven.bank import banks as store
from haven.bank.index import MAX_RADIUS, hex_to_words, popcount_rows
from haven.bank.keys import Principal
from haven.bank.matcher import Matcher
from haven.bank.openapi import errors
from haven.protect.signals import validate_signal

SIGNAL_TYPES = ("pdq", "vpdq", "md5", "sha256")
ALIASES = {"video_md5": "md5"}
NO_MEDIA = "Haven never receives or fetches media: add content by its hashes (signals)."


def signal_type_name(name: str) -> str:
    name = ALIASES.get(name, name)
    if name not in SIGNAL_TYPES:
        raise HTTPException(400, f"No such SignalType '{name}'")
    return name


def checked(signal_type: str, value: str) -> tuple[str, str]:
    stype = signal_type_name(signal_type)
    try:
        return stype, validate_signal(stype, value)
    except ValueError as exc:
        raise HTTPException(400, f"invalid signal: {exc}") from None


def compare(signal_type: str, left: str, right: str) -> list[Any]:
    """HMA's ``/m/compare`` answer for one pair: ``[match, {"distance": n}]``."""
    if signal_type == "pdq":
        dist = int(popcount_rows(hex_to_words([left]) ^ hex_to_words([right]))[0])
        return [dist <= MAX_RADIUS, {"distance": dist}]
    if signal_type in ("md5", "sha256"):
        return [left == right, {"distance": 0 if left == right else 1}]
    raise HTTPException(400, f"{signal_type} does not support hash comparison")


def make_router(engine: Engine, matcher: Matcher, allowed: Callable[[str], Any], app: FastAPI) -> APIRouter:
    """The HMA routes over this bank's database and index; ``allowed(action)`` is the key check."""
    r = APIRouter()
    E = errors(400, 404)  # every curation and matching route's own errors
    Curator = Annotated[Principal, Depends(allowed("curate"))]
    Platform = Annotated[Principal, Depends(allowed("match"))]
    Anyone = Annotated[Principal, Depends(allowed("status"))]
    Json = Annotated[dict[str, Any], Body()]

    def fail(exc: store.BankError) -> HTTPException:
        return HTTPException(exc.status, exc.message)

    def bank_or_404(name: str) -> dict[str, Any]:
        found = store.get_bank(engine, name)
        if found is None:
            raise HTTPException(404, f"bank '{name}' not found")
        return found

    # ------------------------------------------------------------------ status
    @r.get("/status", tags=["hma"], response_class=PlainTextResponse, responses=errors(503))
    def hma_status() -> PlainTextResponse:
        """Ready to serve (HMA: ``I-AM-ALIVE``, or 503 ``INDEX-NOT-LOADED``). No key, like /v1/health."""
        if matcher.loaded_from == "empty":
            return PlainTextResponse("INDEX-NOT-LOADED", status_code=503)
        return PlainTextResponse("I-AM-ALIVE")

    @r.get("/status/live", tags=["hma"], response_class=PlainTextResponse)
    def hma_live() -> PlainTextResponse:
        """The process answers HTTP (never fails on index state)."""
        return PlainTextResponse("I-AM-ALIVE")

    @r.get("/site-map", tags=["hma"])
    def site_map(who: Anyone) -> list[str]:
        """Every route path, sorted."""
        return sorted({getattr(route, "path", "") for route in app.routes} - {""})

    # ------------------------------------------------------------------ banks
    @r.get("/c/banks", tags=["hma"], responses=E)
    def banks_index(who: Curator) -> list[dict[str, Any]]:
        return store.list_banks(engine)

    @r.post("/c/banks", status_code=201, tags=["hma"], responses=E)
    def bank_create(who: Curator, body: Json) -> dict[str, Any]:
        try:
            return store.create_bank(engine, body)
        except store.BankError as exc:
            raise fail(exc) from None

    @r.get("/c/bank/{bank_name}", tags=["hma"], responses=E)
    def bank_show(bank_name: str, who: Curator) -> dict[str, Any]:
        return bank_or_404(bank_name)

    @r.put("/c/bank/{bank_name}", tags=["hma"], responses=E)
    def bank_update(bank_name: str, who: Curator, body: Json) -> dict[str, Any]:
        try:
            out = store.update_bank(engine, bank_name, body)
        except store.BankError as exc:
            raise fail(exc) from None
        matcher.refresh_banks()
        return out

    @r.delete("/c/bank/{bank_name}", tags=["hma"], responses=E)
    def bank_delete(bank_name: str, who: Curator) -> dict[str, str]:
        store.delete_bank(engine, bank_name)
        matcher.sync()
        return {"message": "Done"}

    # ------------------------------------------------------------------ content
    def add(bank_name: str, by: str, given: Any, meta: Any, note: Any) -> dict[str, Any]:
        bank_or_404(bank_name)
        if not isinstance(given, dict) or not given:
            raise HTTPException(400, "No signals given")
        pairs = [checked(str(t), str(v)) for t, v in given.items()]
        try:
            cid = store.add_content(
                engine, bank_name, pairs, by, store.check_metadata(meta), store.check_note(note)
            )
        except store.BankError as exc:
            raise fail(exc) from None
        matcher.sync()
        return {"id": cid, "signals": dict(pairs)}

    @r.post("/c/bank/{bank_name}/content", tags=["hma"], responses=E)
    def bank_add_content(
        bank_name: str, who: Curator, body: Json, url: Annotated[str | None, Query()] = None
    ) -> dict[str, Any]:
        """Add an item by its hashes: ``{"signals": {"pdq": "..."}, "metadata": {...}, "note": "..."}``."""
        if url is not None or "url" in body:
            raise HTTPException(400, NO_MEDIA)
        return add(bank_name, who.name, body.get("signals"), body.get("metadata"), body.get("note"))

    @r.post("/c/bank/{bank_name}/signal", tags=["hma"], responses=E)
    def bank_add_signal(bank_name: str, who: Curator, body: Json) -> dict[str, Any]:
        """Add an item from ``{"pdq": "...", ...}`` (HMA's shape), with an optional ``note``."""
        body = dict(body)
        note = body.pop("note", None)
        return add(bank_name, who.name, body, None, note)

    def content_out(item: dict[str, Any], signals: bool, metadata: bool) -> dict[str, Any]:
        out = {k: item[k] for k in ("id", "disable_until_ts", "original_media_uri", "bank")}
        if signals:
            out["signals"] = item["signals"]
        if metadata and item["metadata"]:
            out["metadata"] = item["metadata"]
        if item["note"] is not None:
            out["note"] = item["note"]
        return out

    @r.get("/c/bank/{bank_name}/content/{content_id}", tags=["hma"], responses=E)
    def bank_get_content(
        bank_name: str,
        content_id: int,
        who: Curator,
        include_signals: Annotated[bool, Query()] = False,
        include_metadata: Annotated[bool, Query()] = True,
    ) -> dict[str, Any]:
        bank_or_404(bank_name)
        item = store.get_content(engine, bank_name, content_id)
        if item is None:
            raise HTTPException(404, f"content '{content_id}' not found")
        return content_out(item, include_signals, include_metadata)

    @r.put("/c/bank/{bank_name}/content/{content_id}", tags=["hma"], responses=E)
    def bank_update_content(bank_name: str, content_id: int, who: Curator, body: Json) -> dict[str, Any]:
        bank_or_404(bank_name)
        try:
            item = store.update_content(engine, bank_name, content_id, body)
        except store.BankError as exc:
            raise fail(exc) from None
        return content_out(item, False, True)

    @r.delete("/c/bank/{bank_name}/content/{content_id}", tags=["hma"], responses=E)
    def bank_delete_content(bank_name: str, content_id: int, who: Curator) -> dict[str, int]:
        bank_or_404(bank_name)
        count = store.remove_content(engine, bank_name, content_id)
        matcher.sync()
        return {"deleted": count}

    @r.get("/c/signal_type", tags=["hma"], responses=E)
    def signal_types(who: Curator) -> list[dict[str, Any]]:
        return [{"name": n, "enabled_ratio": 1.0} for n in SIGNAL_TYPES]

    # ------------------------------------------------------------------ matching
    def query(signal: str, signal_type: str, include_disabled: bool) -> list[tuple[str, int, int, int]]:
        """(bank, content id, distance, disable_until_ts) per matched content, best first."""
        stype, value = checked(signal_type, signal)
        found = matcher.match(stype, value, MAX_RADIUS, include_disabled=include_disabled)
        owners = store.contents_of(engine, [m.signal_id for m in found])
        out: dict[int, tuple[str, int, int, int]] = {}
        for m in found:
            if m.signal_id in owners:
                cid, ts = owners[m.signal_id]
                if cid not in out or out[cid][2] > m.distance:
                    out[cid] = (m.bank, cid, int(m.distance), ts)
        return sorted(out.values(), key=lambda x: (x[2], x[1]))

    def bank_filter(banks: str | None) -> set[str] | None:
        return {b for b in banks.split(",") if b} if banks else None

    @r.get("/m/raw_lookup", tags=["hma"], responses=E)
    def raw_lookup(
        who: Platform,
        signal: Annotated[str, Query(max_length=1000)],
        signal_type: Annotated[str, Query(max_length=40)],
        banks: Annotated[str | None, Query(max_length=2000)] = None,
        include_distance: Annotated[bool, Query()] = False,
    ) -> dict[str, list[Any]]:
        """Content ids matching one hash (enable/disable not checked, as in HMA)."""
        wanted = bank_filter(banks)
        hits = [h for h in query(signal, signal_type, True) if wanted is None or h[0] in wanted]
        if include_distance:
            return {"matches": [{"bank_content_id": h[1], "distance": str(h[2])} for h in hits]}
        return {"matches": [h[1] for h in hits]}

    @r.get("/m/lookup", tags=["hma"], responses=E)
    def lookup(
        who: Platform,
        signal: Annotated[str | None, Query(max_length=1000)] = None,
        signal_type: Annotated[str | None, Query(max_length=40)] = None,
        url: Annotated[str | None, Query(max_length=2000)] = None,
        banks: Annotated[str | None, Query(max_length=2000)] = None,
        seed: Annotated[str | None, Query(max_length=200)] = None,
        bypass_coinflip: Annotated[bool, Query()] = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """Matches grouped by bank: ``{"BANK": [{"bank_content_id": 1, "distance": "4"}]}`` (enabled
        banks and content only; a bank with ratio r answers that share of lookups, by ``seed``)."""
        if url is not None:
            raise HTTPException(400, NO_MEDIA)
        if not signal or not signal_type:
            raise HTTPException(400, "Either url or both signal and signal_type are required")
        coinflip = 0.0 if bypass_coinflip else random.Random(seed).random()
        ratios = {b["name"]: b["matching_enabled_ratio"] for b in store.list_banks(engine)}
        wanted = bank_filter(banks)
        now = time.time()
        out: dict[str, list[dict[str, Any]]] = {}
        for bank, cid, dist, disabled_until in query(signal, signal_type, False):
            if disabled_until > now or ratios.get(bank, 1.0) < coinflip:
                continue
            if wanted is not None and bank not in wanted:
                continue
            out.setdefault(bank, []).append({"bank_content_id": cid, "distance": str(dist)})
        return out

    @r.post("/m/compare", tags=["hma"], responses=E)
    def compare_route(who: Platform, body: Json) -> dict[str, list[Any]]:
        """``{"pdq": [a, b]}`` -> ``{"pdq": [true, {"distance": 9}]}``."""
        results: dict[str, list[Any]] = {}
        for name, pair in body.items():
            if not isinstance(pair, list):
                raise HTTPException(400, f"Comparison hashes for {name} was not a list")
            if len(pair) != 2:
                raise HTTPException(400, "Comparison hash list length must be exactly 2")
            (stype, left), (_, right) = checked(name, str(pair[0])), checked(name, str(pair[1]))
            results[name] = compare(stype, left, right)
        return results

    @r.get("/m/index/status", tags=["hma"], responses=E)
    def index_status(
        who: Platform, signal_type: Annotated[str | None, Query(max_length=40)] = None
    ) -> dict[str, dict[str, Any]]:
        """Per signal type: ``present``, ``built_to`` (the last applied change number), ``size``."""
        names = [signal_type_name(signal_type)] if signal_type else list(SIGNAL_TYPES)
        per = matcher.stats()["index"]
        out = {}
        for n in names:
            size = int(per.get(n, {}).get("hashes", 0))
            ready = matcher.loaded_from != "empty"
            out[n] = {"present": ready, "built_to": matcher.last_seq if ready else -1, "size": size}
        return out

    return r
