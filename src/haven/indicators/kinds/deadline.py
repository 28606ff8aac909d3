"""``deadline``: the time limit in a threat ("within 48 hours", "by midnight", "you have 2 days"), kept as
free text (normalised: lowercase, single spaces). Only with threat or payment words nearby, so "see you in
2 hours" is not a deadline."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, register

_N = (
    r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty[- ]?four|"
    r"forty[- ]?eight|seventy[- ]?two|a few|few)"
)
_UNIT = r"(?:(?:business|working|full)\s+)?(?:hours?|hrs?|h|minutes?|mins?|m|days?|seconds?|secs?)"
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DEADLINE = re.compile(
    r"\b(?:(?:within|in|next|before|under|less than|max(?:imum)?|only|you have|you've got|you got|u have|"
    r"u got|give you|giving you|give u)\s+(?:the\s+next\s+|only\s+)?" + _N + r"\s{0,3}" + _UNIT + r"\b"
    r"|" + _N + r"\s{0,3}" + _UNIT + r"\s+(?:left|to pay|to send|or else|from now|max|deadline|remaining)\b"
    r"|(?:by|before|until|till|untill|no later than)\s+"
    r"(?:tonight|today|tomorrow(?:\s+(?:morning|night|evening))?|"
    r"midnight|noon|end of (?:the )?day|eod|this evening|" + _DAY + r"|\d{1,2}(?::\d{2})?\s?(?:am|pm))\b"
    r"|deadline\s*(?:is|:)?\s*(?:tonight|today|tomorrow|midnight|noon|\d{1,2}(?::\d{2})?\s?(?:am|pm)|"
    + _DAY
    + r"))",
    re.I,
)
_THREAT = re.compile(
    r"\b(?:pay|paid|send|transfer|money|cash|bitcoin|btc|gift ?card|or else|or i|or your|otherwise|everyone|"
    r"family|friends|followers|contacts|post|share|leak|expose|publish|upload|viral|video|pics?|photos?|"
    r"nudes?|delete|ruin|destroy|deadline|timer|last chance|£|\$|€)"
)
_ANCHOR = re.compile(r"\d|hour|day|night|noon|midnight|tomorrow|deadline|minute|eod", re.I)


@register(
    "deadline",
    "Deadline in a threat, as written (e.g. 'within 48 hours')",
    [
        Example("Pay within 48 hours or everyone sees the video", ("within 48 hours",)),
        Example("you have 2 days to send the money", ("you have 2 days",)),
        Example("send it by midnight or I post", ("by midnight",)),
        Example("Deadline: 6pm. Bitcoin only.", ("deadline: 6pm",)),
        Example("I'll see you in 2 hours at the station"),
        Example("delivery by tomorrow, see you"),
    ],
    triggers=[
        (
            r"(?i)(within|in|next|before|under|than|max|maximum|only|have|got|you|u)\s+"
            r"(the\s+next\s+|only\s+)?"
            r"(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty[- ]?four|"
            r"forty[- ]?eight|seventy[- ]?two|a few|few)\s{0,3}((business|working|full)\s+)?"
            r"(hours?|hrs?|h|minutes?|mins?|m|days?|seconds?|secs?)\b",
            40,
            5,
        ),
        (
            r"(?i)(hours?|hrs?|h|minutes?|mins?|m|days?|seconds?|secs?)\s+"
            r"(left|to pay|to send|or else|from now|max|deadline|remaining)",
            40,
            5,
        ),
        (
            r"(?i)(by|before|until|till|untill|later than)\s+"
            r"(tonight|today|tomorrow|midnight|noon|end of|eod|"
            r"this evening|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
            r"\d{1,2}(:\d\d)?\s?(am|pm))",
            5,
            30,
        ),
        (r"(?i)deadline", 5, 40),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    low = scan.lower
    for m in (m for ws, we in scan.windows("deadline") for m in _DEADLINE.finditer(scan.text, ws, we)):
        if not _THREAT.search(low, max(0, m.start() - 150), min(len(low), m.end() + 150)):
            continue
        norm = " ".join(m.group().lower().split())
        yield Hit("deadline", m.start(), m.end(), m.group(), norm, True, 0.75, {}, 30)
