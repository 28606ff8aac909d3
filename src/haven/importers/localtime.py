"""Local times without a zone (WhatsApp, Signal markdown) turned into UTC.

Exports like WhatsApp's write the phone's local time with no zone. Haven's decision: use the ``tz``
import option when the person gives one (``haven case import --tz Europe/London``); otherwise the time
zone of this computer (the phone that made the export is usually in the same place), and say so in a
warning on the file. The original string is always kept in ``Message.timestamp_original``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

from haven.core.errors import ImportFileError
from haven.importers.base import ImportSink, sink_option


def resolve_zone(sink: ImportSink, label: str) -> tzinfo:
    """The zone to read local times in for this sink, warning when it was assumed rather than given."""
    name = sink_option(sink, "tz")
    if name:
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ImportFileError(f"unknown time zone {name!r} (use a name like Europe/London)") from exc
    try:
        zone: tzinfo = tzlocal.get_localzone()
        zone_name = getattr(zone, "key", None) or str(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zone, zone_name = UTC, "UTC"
    sink.warn(
        f"{label}: times in this export have no time zone; they were read as local time in "
        f"{zone_name} (this computer's zone). Give --tz to choose another."
    )
    return zone


def to_utc(local: datetime, zone: tzinfo) -> datetime:
    """A naive local time in ``zone`` as an aware UTC time."""
    return local.replace(tzinfo=zone).astimezone(UTC)
