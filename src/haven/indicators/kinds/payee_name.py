"""``payee-name``: the name of the account holder given next to bank details ("name: J Smith", "account
name Daniel Okafor", "payee: ...", "beneficiary ..."), only when bank words (sort code, account number,
IBAN, bank) are close by. Normalised: single spaces, lowercase. A name is what someone writes, so
confidence is modest; it matters because banks match it against the account (Confirmation of Payee)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register

_LABEL = re.compile(
    r"(?i:\b(?:account\s*holder(?:'s)?\s*name|account\s*holder|account\s*name|acc(?:ount)?\s*name|a/c\s*name|"
    r"beneficiary(?:\s*name)?|payee(?:\s*name)?|recipient(?:\s*name)?|name\s+on\s+(?:the\s+)?account|"
    r"in\s+the\s+name\s+of|name))\s*[:=\-–]?\s*"
    r"((?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?[A-Z][A-Za-z'’-]{0,20}\.?(?:\s+[A-Z][A-Za-z'’-]{0,20}\.?){0,3})"
)
_BANK = re.compile(
    r"sort\s*-?code|s/c|\biban\b|account\s*(?:no|number|num|#)|\ba/c\b|\bacc(?:ount)?\b|"
    r"\bbank\b|\bbic\b|\bswift\b|routing"
)
_STOP = frozenset(
    [
        "Sort",
        "Account",
        "Acc",
        "Iban",
        "IBAN",
        "Bank",
        "Ref",
        "Reference",
        "Is",
        "The",
        "And",
        "Please",
        "Code",
        "No",
        "Number",
    ]
)


@register(
    "payee-name",
    "Name of the account holder written next to bank details (name: J Smith, payee: ...)",
    [
        Example("s/c 09-01-28 a/c 40123456 name J Smith", ("j smith",)),
        Example("Account name: Daniel Okafor\nSort code 20-00-00 Account 55779911", ("daniel okafor",)),
        Example("IBAN GB82WEST12345698765432, beneficiary: Mrs Ana Costa", ("mrs ana costa",)),
        Example("what's your name? I'm at the bank"),
        Example("my name is Dave, nice to meet you"),
    ],
    triggers=[(r"(?i)name|payee|beneficiary|recipient|account\s*holder", 120, 80)],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    for ws, we in scan.windows("payee-name"):
        for m in _LABEL.finditer(text, ws, we):
            words = m.group(1).split()
            while words and words[-1].rstrip(".") in _STOP:
                words.pop()
            if not words or words[0] in _STOP:
                continue
            label = m.group(0)[: m.start(1) - m.start()].strip(" :=-–").lower()
            if (
                label == "name"
                and not re.search(r"[:=\-–]", m.group(0)[: m.start(1) - m.start()])
                and not scan.near(m.start(), m.end(), re.compile(r"s/c|a/c|sort|iban"), 60, 10)
            ):
                continue
            if not scan.near(m.start(), m.end(), _BANK, 120, 80):
                continue
            if "my name is" in scan.lower[max(0, m.start() - 3) : m.end()]:
                continue
            value = " ".join(words)
            end = m.start(1) + len(m.group(1).rstrip())
            while text[m.start(1) : end].split() != words and end > m.start(1):
                end -= 1
            yield Hit(
                "payee-name",
                m.start(1),
                end,
                text[m.start(1) : end],
                value.lower(),
                True,
                0.7,
                {"label": label},
                45,
                exclusive=False,
            )


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_BANK = hinted(_BANK)
