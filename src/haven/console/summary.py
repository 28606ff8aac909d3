"""One case's summary for lists and statistics (stored encrypted): month, age band, platforms, payment
methods, amounts demanded and paid, counts. Reads only what the package says."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from haven.console.identifiers import PAYMENT_KINDS, offender_side
from haven.console.reader import Package

AGE_BANDS = ("under 14", "14-15", "16-17", "under 18", "18-24", "25-34", "35 and over")
MINOR_BANDS = frozenset(AGE_BANDS[:4])


def age_band(age: int | None, minor: bool | None) -> str:
    if age is None:
        return "under 18" if minor else "not known"
    if age < 14:
        return "under 14"
    if age < 16:
        return "14-15"
    if age < 18:
        return "16-17"
    if age < 25:
        return "18-24"
    return "25-34" if age < 35 else "35 and over"


def _amount(normalized: str) -> dict[str, Any] | None:
    currency, _, number = normalized.partition(":")
    try:
        return {"currency": currency.upper() or "?", "amount": float(number.replace(",", ""))}
    except ValueError:
        return None


def _victim_sent(side: str) -> bool:
    s = side.lower()
    return "victim" in s and ("sent" in s or "paid" in s)


def summarise(pkg: Package, package_sha256: str, age: int | None = None, minor: bool | None = None,
              now: datetime | None = None) -> dict[str, Any]:
    case = pkg.case
    age = age if age is not None else case.get("age") if isinstance(case.get("age"), int) else None
    if minor is None:
        minor = case.get("minor") if isinstance(case.get("minor"), bool) else None
    if age is not None:
        minor = age < 18
    band = age_band(age, minor)
    stated = case.get("age_band")  # written by Haven's exporter from the case's stated age (optional)
    if age is None and stated in AGE_BANDS and (minor is None or minor == (stated in MINOR_BANDS)):
        band, minor = str(stated), stated in MINOR_BANDS
    times = sorted(str(m["timestamp_utc"]) for m in pkg.messages if m.get("timestamp_utc"))
    first = times[0] if times else (now or datetime.now(UTC)).isoformat()
    demanded: list[dict[str, Any]] = []
    paid: list[dict[str, Any]] = []
    methods: set[str] = set()
    for row in pkg.indicators:
        side = str(row.get("side") or "")
        if row["kind"] == "amount":
            value = _amount(row["normalized"])
            if value:
                (paid if _victim_sent(side) else demanded).append(value)
        elif row["kind"] in PAYMENT_KINDS and offender_side(side):
            methods.add(PAYMENT_KINDS[row["kind"]])
    return {
        "reference": case.get("reference"),
        "package_case_id": case.get("id"),
        "first_message": times[0] if times else None,
        "last_message": times[-1] if times else None,
        "month": first[:7],
        "platforms": sorted({str(m.get("source_format")) for m in pkg.messages if m.get("source_format")}),
        "messages": len(pkg.messages),
        "items": len(pkg.manifest.get("items") or []),
        "age": age,
        "minor": minor,
        "age_band": band,
        "payment_methods": sorted(methods),
        "demanded": demanded,
        "paid": paid,
        "package_sha256": package_sha256,
        "public_key": (pkg.manifest.get("signature") or {}).get("public_key"),
        "merkle_root": pkg.manifest.get("merkle_root"),
        "ledger_head": pkg.manifest.get("ledger_head"),
    }
