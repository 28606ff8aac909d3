"""Local times without a zone (WhatsApp, Signal markdown) turned into UTC, and the assumptions stated.

Exports like WhatsApp's write the phone's local time with no zone, and WhatsApp's dates may be day-first or
month-first. Haven's decision, in order:

- **zone**: the ``tz`` import option when the person gives one (``haven case import --tz Europe/London``);
  otherwise the zone of the case's region (UK regions: Europe/London); otherwise the zone of this computer.
- **date order**: the ``date_order`` option when given; otherwise the file's own dates when they settle it
  (a 13th month or a 31 February under one reading); otherwise the case region's usual order (UK: day
  first); otherwise a guess from the clock style, and every message is marked ambiguous.

Each message records the assumption in plain words (``Message.timestamp_basis``), so the app, the PDF and the
package can show it next to the times it affects. The original string is always kept in
``Message.timestamp_original``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

from haven.core.errors import ImportFileError
from haven.core.warnings import Notice
from haven.importers.base import ImportSink, sink_option

# Guide regions (``Case.region``) -> (IANA zone, usual date order of the region's phones).
REGION_DEFAULTS: dict[str, tuple[str, str]] = {
    "scotland": ("Europe/London", "dmy"),
    "england": ("Europe/London", "dmy"),
    "wales": ("Europe/London", "dmy"),
    "northern-ireland": ("Europe/London", "dmy"),
}
ORDER_WORDS = {"dmy": "day first", "mdy": "month first", "ymd": "year first", "ydm": "year, day, month"}


def case_region(sink: ImportSink) -> str | None:
    """The case's region: the ``region`` option, else the region of the case the sink writes into."""
    region = sink_option(sink, "region")
    if region:
        return str(region)
    case = getattr(getattr(sink, "vault", None), "case", None)
    value = getattr(case, "region", None)
    if value is None:  # the vault's sink writes through a transaction that can read the case record
        get_meta = getattr(getattr(sink, "txn", None), "get_meta", None)
        raw = get_meta("case") if callable(get_meta) else None
        if isinstance(raw, str):
            try:
                value = json.loads(raw).get("region")
            except (ValueError, AttributeError):
                value = None
    return str(value) if value else None


def region_date_order(sink: ImportSink) -> str | None:
    """The usual date order of the case's region (``dmy`` in the UK), or None when it has none."""
    region = case_region(sink)
    return REGION_DEFAULTS[region][1] if region in REGION_DEFAULTS else None


def zone_and_basis(sink: ImportSink, label: str) -> tuple[tzinfo, str]:
    """The zone to read local times in for this sink, and the assumption in words. Warns when the zone
    was not given."""
    name = sink_option(sink, "tz")
    if name:
        try:
            return ZoneInfo(str(name)), f"local time in {name} (as chosen at import)"
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ImportFileError(f"unknown time zone {name!r} (use a name like Europe/London)") from exc
    region = case_region(sink)
    if region in REGION_DEFAULTS:
        zone_name = REGION_DEFAULTS[region][0]
        sink.warn(Notice("zone-assumed", file=label, zone=zone_name, basis=f"the case's region, {region}"))
        return ZoneInfo(zone_name), f"local time in {zone_name} (the case's region, {region})"
    try:
        zone: tzinfo = tzlocal.get_localzone()
        zone_name = getattr(zone, "key", None) or str(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zone, zone_name = UTC, "UTC"
    sink.warn(Notice("zone-assumed", file=label, zone=zone_name, basis="this computer's zone"))
    return zone, f"local time in {zone_name} (this computer's zone, assumed)"


def resolve_zone(sink: ImportSink, label: str) -> tzinfo:
    """The zone to read local times in for this sink, warning when it was assumed rather than given."""
    return zone_and_basis(sink, label)[0]


def order_basis(order: str, *, chosen: bool, ambiguous: bool, region_default: str | None) -> str:
    """The date-order assumption in words."""
    words = ORDER_WORDS.get(order, order)
    if chosen:
        return f"dates read {words} (as chosen at import)"
    if not ambiguous:
        return f"dates read {words} (settled by the file's own dates)"
    if region_default == order:
        return f"dates read {words} (the case region's usual order; the file's own dates could not settle it)"
    return f"dates read {words} (a guess: the file's own dates could not settle day and month)"


def to_utc(local: datetime, zone: tzinfo) -> datetime:
    """A naive local time in ``zone`` as an aware UTC time."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def time_basis(sink: ImportSink, label: str, order: str, ambiguous: bool) -> tuple[tzinfo, str]:
    """The zone for an export's local times and the whole assumption (zone and date order) in words."""
    zone, zone_note = zone_and_basis(sink, label)
    chosen = bool(sink_option(sink, "date_order"))
    note = order_basis(order, chosen=chosen, ambiguous=ambiguous, region_default=region_date_order(sink))
    return zone, f"{zone_note}; {note}"
