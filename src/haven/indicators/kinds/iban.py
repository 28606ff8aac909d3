"""``iban``: International Bank Account Numbers, validated with ``schwifty`` (country format, length,
ISO 7064 check digits, and the national check digits where schwifty knows them). Written compact, grouped,
dotted or dashed; normalised uppercase without separators. A candidate of the right country, length and
shape whose check digits fail is kept, marked invalid."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import cache

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from schwifty.registry import get_iban_spec

from haven.indicators.base import Example, Hit, Scan, register, result_cache

_CAND = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2})((?:[ .-]{0,2}[A-Za-z0-9]){8,34})(?![A-Za-z0-9])")


@cache
def _length(country: str) -> int:
    try:
        return int(get_iban_spec(country).iban_length)
    except (KeyError, SchwiftyException, AttributeError):
        return 0


@result_cache(4096)
def _check(compact: str, country: str) -> bool | None:
    """True: a valid IBAN; False: right country, length and shape but the check digits fail; None: not an
    IBAN. Cached per string (schwifty's checks are the slow part)."""
    if _mod97(compact):  # schwifty's full check only for what passes the ISO 7064 digits (few do)
        try:
            with warnings.catch_warnings():  # "national checksum not verified" for some countries
                warnings.simplefilter("ignore")
                IBAN(compact, validate_bban=True)
            return True
        except SchwiftyException:
            pass
    try:
        spec = get_iban_spec(country)
    except (KeyError, SchwiftyException):
        return None
    return False if spec.regex.match(compact[4:]) else None


def _mod97(compact: str) -> bool:
    """ISO 7064 MOD 97-10 over the rearranged IBAN (what schwifty checks first): one ``int`` of the
    letters-as-numbers string, so the candidates that cannot be IBANs cost microseconds, not schwifty."""
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


@register(
    "iban",
    "IBAN (international bank account number), checksum verified",
    [
        Example("IBAN: GB33 BUKB 2020 1555 5555 55 thanks", ("GB33BUKB20201555555555",)),
        Example("pay DE89370400440532013000 today", ("DE89370400440532013000",)),
        Example("iban GB94 BARC 1020 1530 0934 59 PLEASE", ("GB94BARC10201530093459",)),
        Example("iban GB33 BUKB 2020 1555 5555 56", invalid=("GB33BUKB20201555555556",)),
        Example("serial AB12 3456 7890 1234 and part XY99ZZZZ0000"),
        Example("my iban is nl41 ingb 0461 5188 80 ok", ("NL41INGB0461518880",)),
        Example("IBAN: de89-3704-0044-0532-0130-00", ("DE89370400440532013000",)),
        Example("überweis an De89 3704 0044 0532 0130 00 sonst", ("DE89370400440532013000",)),
        Example("iban: fr1420041010050500013m02606 merci", ("FR1420041010050500013M02606",)),
        Example("at 12 gb33 bukb 2020 1555 5555 56 lower case, bad checksum"),
    ],
    triggers=[(r"[A-Za-z]{2} ?\d{2}([ .-]{0,2}[A-Za-z0-9]){6}", 1, 60)],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    for m in (m for ws, we in scan.windows("iban") for m in _CAND.finditer(text, ws, we)):
        country = m.group(1).upper()
        length = _length(country)
        if not length:
            continue
        # Take exactly the country's length; the number must end where a word ends.
        count, end = 0, m.start()
        for i in range(m.start(), m.end()):
            if text[i].isalnum():
                count += 1
                if count == length:
                    end = i + 1
                    break
        if count < length or (end < len(text) and text[end].isalnum()):
            continue
        value = text[m.start() : end]
        compact = re.sub(r"[ .-]", "", value).upper()
        valid = _check(compact, country)
        if valid is None or (not valid and not m.group(1).isupper()):
            continue  # written in lower case, only a valid checksum makes it an IBAN
        yield Hit(
            "iban", m.start(), end, value, compact, valid, 1.0 if valid else 0.4, {"country": country}, 85
        )
