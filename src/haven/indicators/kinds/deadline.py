"""``deadline``: the time limit in a threat ("within 48 hours", "by midnight", "you have 2 days"), kept as
free text (normalised: lowercase, single spaces). Only with threat words nearby ("or else", "everyone will
see", "bitcoin", "I will post"), or money words ("pay", "£") when the payment is not an everyday one (a
bill, rent, tickets): "see you in 2 hours" and "pay the gas bill by friday" are not deadlines."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Caseless, Example, Hit, Scan, first_char_hint, hinted, register

_N = (
    r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty[- ]?four|"
    r"forty[- ]?eight|seventy[- ]?two|a few|few)"
)
_UNIT = r"(?:(?:business|working|full)\s+)?(?:hours?|hrs?|h|minutes?|mins?|m|days?|seconds?|secs?)"
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DEADLINE = Caseless(
    r"\b(?:(?:within|in|next|before|under|less than|max(?:imum)?|only|you have|you've got|you got|u have|"
    r"u got|give you|giving you|give u)\s+(?:the\s+next\s+|only\s+)?" + _N + r"\s{0,3}" + _UNIT + r"\b"
    r"|" + _N + r"\s{0,3}" + _UNIT + r"\s+(?:left|to pay|to send|or else|from now|max|deadline|remaining)\b"
    r"|(?:by|before|until|till|untill|no later than)\s+"
    r"(?:tonight|today|tomorrow(?:\s+(?:morning|night|evening))?|"
    r"midnight|noon|end of (?:the )?day|eod|this evening|" + _DAY + r"|\d{1,2}(?::\d{2})?\s?(?:am|pm))\b"
    r"|deadline\s*(?:is|:)?\s*(?:tonight|today|tomorrow|midnight|noon|\d{1,2}(?::\d{2})?\s?(?:am|pm)|"
    + _DAY
    + r"))"
)
# Words that make a time limit a threat on their own: consequences, exposure, extortion payment methods.
_THREAT = re.compile(
    r"\b(?:or else|or i\b|or i['’]ll|or ill|or your|or ur|or everyone|or all|or it|or they|otherwise|"
    r"everyone|every1|followers|contacts|leak\w*|expos\w*|publish\w*|upload\w*|viral|nudes?|ruin\w*|"
    r"destroy\w*|deadline|timer|last chance|too late|after that|it['’]?s over|its over|"
    r"bitcoin|btc|crypto|usdt|"
    r"gift ?cards?|ransom|blackmail\w*|extort\w*|hack(?:ed|er)|recorded|delete|"
    r"(?:i will|i['’]ll|ill|i am going to|i['’]m going to|im going to|i['’]m gonna|im gonna|gonna) (?:\w+ )?"
    r"(?:send|share|post|upload|publish|leak|expose|release|show|forward|spread))"
)
# Money words: a time limit next to them is a payment deadline, unless the payment is an everyday one.
_MONEY = re.compile(r"\b(?:pay|paid|payment|transfer|wire|money|cash|funds)\b|[£$€]")
_EVERYDAY = re.compile(
    r"\b(?:bills?|rent|invoice|electricity|gas|water|council|tax|mortgage|loan|tuition|subscription|"
    r"deposit|tickets?|order|delivery|parcel|refund|dinner|lunch|shopping|pay (?:you|u) back|owe (?:you|u)|"
    r"lend|borrow\w*|split|fine|fees?|due|pay (?:me|him|her|them) back|paid (?:me|him|her|them) back|"
    r"cinema|concert|movie|party|owe|owes|owed)\b"
)
# Someone claiming to be the police or an agency and asking for money: a "fine" there is extortion.
_AUTHORITY = re.compile(
    r"\b(?:police|cyber\s?(?:crime|unit|division|team)|cybercrime|fbi|nca|interpol|gendarmerie|polic[ií]a|"
    r"polizei|officer|agent|arrest\w*|warrant|prosecut\w*|court|tribunal)\b"
)


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
        Example("pay the phone bill of £30 by friday please"),
        Example("can you send me the wedding photos by tonight x"),
        Example("you have 24 hours to pay", ("you have 24 hours",)),
        Example("kik me at 9pm. i'll post it all in 2 hours if u ignore me", ("in 2 hours",)),
        # a "fine" asked for by someone claiming to be the police; money owed between friends
        Example(
            "I work for the cyber crime unit, pay the fine of £250 within 24 hours",
            ("within 24 hours",),
        ),
        Example("can u pay me back the £12 for the cinema by friday"),
        Example("i called the police, they will come by tomorrow"),
        Example("the parking fine of £60 is due by friday"),
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
    text = scan.text
    for m in (m for ws, we in scan.windows("deadline") for m in _DEADLINE.finditer(scan, ws, we)):
        a, b = max(0, m.start() - 150), min(len(low), m.end() + 150)
        if not _THREAT.search(low, a, b) and (
            not _MONEY.search(low, a, b)
            or (
                _EVERYDAY.search(low, max(0, m.start() - 80), min(len(low), m.end() + 60))
                and not _AUTHORITY.search(low, a, b)
            )
        ):
            continue
        value = text[m.start() : m.end()]
        norm = " ".join(value.lower().split())
        yield Hit("deadline", m.start(), m.end(), value, norm, True, 0.75, {}, 30)


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
_THREAT = first_char_hint(_THREAT)
_EVERYDAY = first_char_hint(_EVERYDAY)
_AUTHORITY = first_char_hint(_AUTHORITY)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_MONEY = hinted(_MONEY)
