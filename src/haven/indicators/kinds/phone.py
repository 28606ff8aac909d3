"""``phone``: phone numbers, parsed and validated by ``phonenumbers`` (Google's libphonenumber metadata),
default region from the case, normalised to E.164 (``+447700900123``).

A number without ``+``/``00`` must start with the region's trunk prefix (``0`` in the UK), be written in
brackets, or have phone words just before it ("call", "text me", "whatsapp", "number"), so order numbers,
dates and amounts that happen to be valid digit strings are not reported.

Numbers reserved for films and TV (Ofcom's drama ranges such as ``07700 900123``, NANP ``555-01xx``; listed
with their source in ``data/reserved_phone_numbers.csv``) are reported with ``valid=False`` and a note:
they never reach a real line, but an offender may still write one, and that is worth knowing.

Known gap of the prefilter: a number grouped only in pairs by slashes ("01/23/45/67/89") opens no window
(a trigger for it would fire on every date of a chat export), so it is found only with the prefilter off.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

import phonenumbers
from phonenumbers.phonenumberutil import _number_type_helper

from haven.indicators.base import Example, Hit, Scan, first_char_hint, register, result_cache

CANDIDATE = r"(?<![\w+#/.,:-])(?:\+|00)?\(?\d[\d \t().\-/]{5,20}\d(?![\w-]|[.,]\d)"
"""What a written phone number looks like (the rules say which are taken)."""
# The same regex, written to start with one character class so Python's regex engine skips straight to
# a "+", "(" or digit (twice as fast): the look-behind moves after that first character, and the
# optional "+" / "00" / "(" prefix becomes one branch per first character, tried in the same order.
_CAND = re.compile(
    r"[+(\d](?<![\w+#/.,:-].)(?:(?<=\+)\(?\d|(?<=\()\d|(?<=0)0\(?\d|(?<=\d))[\d \t().\-/]{5,20}\d"
    r"(?![\w-]|[.,]\d)"
)
_PHONE_WORDS = re.compile(
    r"\b(?:phone|mobile|mob|cell|tel|telephone|call|ring|text|txt|sms|whats\s?app|wa|wsp|viber|signal|"
    r"telegram|number|no|num|contact|reach|"
    r"n[uú]mero|numéro|nummer|handy\w*|telefon\w*|teléfono|tél|m[oó]vil|celular|cel|zap|portable|"
    r"appelle\w*|llam\w*|liga\w*|ligue|ruf\w*|anruf\w*|contacto|contato|joindre|"
    r"paytm|gpay|phonepe|gcash|bizum|m-?pesa|zelle)\b[^\n\d]{0,25}$"
)
# Words that make a number something else (an order, a card, a parcel): never a phone number. Whole words
# only ("id" is not the end of "paid" or "said").
_NOT_PHONE = re.compile(
    r"(?<![^\W\d_])(?:order|tracking|track|invoice|acc|account|a/c|iban|mtcn|transfer|control|moneygram|"
    r"sort\s*code|code|card|pin|voucher|serial|id|#|commande|pedido|encomenda|bestell\w*|sendung\w*|"
    r"colis|paquete|rastreio|rastreamento|rastreo|suivi|seguimiento|guía|guia|awb|waybill|consignment|"
    r"parcel|shipment|booking|reservation|pnr|receipt|recibo|factura|fatura|facture|rechnung|"
    r"transaction|txn|utr|cpf|cnpj|bvn|nin|aadhaa?r|pan|dni|nie|ssn|imei|policy|kundennummer|customer|"
    r"client|cliente|kunden\w*|auftrag\w*|nota fiscal|boleto|comprobante|folio|"
    r"case|ticket|claim|crime|incident|complaint|confirmation|membership|member|loyalty|passport|"
    r"licen[cs]e|registration|vat|tax|nhs|student|employee|staff|badge|model|part|batch|sku|item|"
    r"product|meter|contract|subscription|loan|mortgage|application|quote|dossier|expediente|processo|"
    r"protocolo|aktenzeichen|vorgang\w*|mitglieds\w*|adhérent|socio|matr[ií]cula|carnet|"
    r"bank|banking|acct|compte|cuenta|conta|konto\w*|rib|blz|clabe|nuban|details|sécu|siret|siren|"
    r"documento|cartão|cartao|tarjeta|carte|karte|ausweis|pasaporte|passaporte|passeport|identité|"
    r"identidad|identidade|"
    # German compounds in -nummer (Rechnungs-, Vertrags-, Versicherungsnummer), except the phone ones
    r"\w+(?<!handy)(?<!telefon)(?<!ruf)(?<!mobil)(?<!kontakt)(?<!whatsapp)nummer)\b"
    r"\W{0,4}(?:(?:no\.?|number|num|#|ref\.?|reference)\W{0,3})?"
    r"(?:is|was)?\W{0,3}$"
)
# A "reference" may be a phone number all the same (offenders give a number as the payment reference):
# taken only when it is written the way phone numbers are (international, or the region's trunk prefix).
_REFERENCE = re.compile(
    r"(?:ref|reference|référence|referencia|referência|referenz|verwendungszweck)\b\W{0,4}"
    r"(?:(?:no\.?|number|num|#)\W{0,3})?(?:is|was|es|est|é|ist)?\W{0,3}$"
)
_NOT_DIGITS = str.maketrans("", "", "+ \t().-/")
_CONTINUES = re.compile(r"[ \t./-]?\d")
"""After a candidate: the digits go on (a 20-digit tracking number in groups is not a phone number)."""


RESERVED_NOTE = "reserved for films and TV: not a real phone line"


@cache
def _reserved() -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str, str], ...]]:
    """All reserved fictional-use ranges as one regex (a quick no for almost every number), and each
    range's (pattern on the E.164 form, country, source)."""
    text = files("haven.indicators").joinpath("data/reserved_phone_numbers.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    anyone = re.compile("|".join(f"(?:{r['pattern']})" for r in rows))
    return anyone, tuple((re.compile(r["pattern"]), r["country"], r["source"]) for r in rows)


def reserved_range(e164: str) -> tuple[str, str] | None:
    """(country, source) when ``e164`` is in a range kept for fiction, else None."""
    anyone, ranges = _reserved()
    if anyone.match(e164) is None:
        return None
    for pattern, country, source in ranges:
        if pattern.match(e164):
            return country, source
    return None


@cache
def _trunk(region: str) -> str:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta else ""


@register(
    "phone",
    "Phone number, validated for its country and written in E.164 form",
    [
        Example("text me on 07911 123456 now", ("+447911123456",)),
        Example("WhatsApp +44 7412-345-678", ("+447412345678",)),
        Example("call (415) 555-2671 please", ("+14155552671",), region="US"),
        Example("my nigerian line 0803 123 4567", ("+2348031234567",), region="NG"),
        Example("call me 0803/123/4567 now", ("+2348031234567",), region="NG"),
        Example("text 07911   123456 now", ("+447911123456",)),
        Example("text me 07700 900123 or +44 20 7946 0321", invalid=("+447700900123", "+442079460321")),
        Example("order #40219 was 2024-01-15, total 1,299.00, tracking 7700900123"),
        Example("my western union card got here, the dhl tracking number was 4829103756"),
        Example("ref 20240115 and 12345678"),
        Example("mi número es 612 34 56 78, escríbeme", ("+34612345678",), region="ES"),
        Example("mein Handy: 0151 23456789", ("+4915123456789",), region="DE"),
        Example("meu número é (11) 96123-4567", ("+5511961234567",), region="BR"),
        Example("put 07911 123456 as the payment reference", ("+447911123456",)),
        Example("payment reference: 07911 123456", ("+447911123456",)),
        Example("DHL tracking 0034 0434 1610 9404 2557 arrives monday", region="ES"),
        Example("your parcel 3S 0034 0434 1610 9404 2557 is on the way"),
        Example("numéro de commande 0612345678 expédié", region="FR"),
        Example("payment reference 20240115 for the invoice"),
        Example("Sendungsnummer: 0151 23456789 wird zugestellt", region="DE"),
        Example("numéro de suivi : 06 12 34 56 78", region="FR"),
        Example("meu CPF 119.876.543-21 e o boleto", region="BR"),
        Example("my BVN 08031234567 for the bank", region="NG"),
        # identifiers that look like numbers: cases, tickets, memberships, policies
        Example("your case number is 0791 112 3456"),
        Example("membership number 07911 123456"),
        Example("ticket no. 0791112345 for the match"),
        Example("numéro de dossier 06 12 34 56 78", region="FR"),
        Example("número de expediente 612 34 56 78", region="ES"),
        Example("numéro de compte 0612345678", region="FR"),
        Example("rib 06 12 34 56 78", region="FR"),
        Example("bank details 07911 123456"),
        Example("Rechnungsnummer 0151 23456789", region="DE"),
        Example("Versicherungsnummer: 0151 23456789", region="DE"),
        Example("meine Handynummer 0151 23456789", ("+4915123456789",), region="DE"),
        Example("numéro de sécu 06 12 34 56 78", region="FR"),
        Example("order ref 07911 123456"),
        Example("número de documento 612 34 56 78", region="ES"),
        Example("número do cartão 11 96123 4567", region="BR"),
        Example("numéro de carte 06 12 34 56 78", region="FR"),
        Example("i said 07911 123456 is my number", ("+447911123456",)),
        Example("send it to gtbank 0123456789 name emeka", region="NG"),
        # wallets whose account is a phone number
        Example("paytm 9876543210 abhi ke abhi", ("+919876543210",), region="IN"),
        Example("gcash 09171234567 ngayon na", ("+639171234567",), region="PH"),
        Example("GCash ref no. 0012 345 678 901 po", region="PH"),
        Example("paid, ref 0012125551234"),
        Example("paid, ref 0044 7911 123456", ("+447911123456",)),
        Example("call 00447911123456 tonight", ("+447911123456",)),
        # a phone number given as the payment reference, in the ways people say it
        Example("use 07412 345678 as reference when you pay", ("+447412345678",)),
        Example("in the reference box write 07412 345678", ("+447412345678",)),
        Example("the reference is my number 07911 123456", ("+447911123456",)),
        Example("ref: +234 803 123 4567", ("+2348031234567",)),
    ],
    # Seven digits with spaces, dots, dashes or brackets between them (as many as a candidate can hold).
    # Numbers grouped with slashes ("0803/123/4567") have a trigger of their own, so dates (05/11/2026)
    # do not open a window on every line of a chat export.
    # The seven digits end where the digits do (a non-digit or the end of the text follows), so a long
    # digit run reports one trigger, not one per digit.
    triggers=[(r"\+\s?\(?\d", 2, 30), (r"\d([\s().\-]{0,18}\d){6}(\D|$)", 4, 25), (r"\d{3}/\d{3}", 4, 25)],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    trunk = _trunk(scan.region)
    for m in (m for ws, we in scan.windows("phone") for m in _CAND.finditer(text, ws, we)):
        raw = m.group().rstrip(" \t(-/")
        digits = len(raw.translate(_NOT_DIGITS))
        if not 7 <= digits <= 15 or raw.count(".") > 2:
            continue
        international = raw.startswith(("+", "00"))
        before = scan.lower[max(0, m.start() - 40) : m.start()]
        if not international:
            written = (trunk and raw.lstrip("(").startswith(trunk)) or raw.startswith("(")
            # cheapest test first: most candidates (dates, times, counts) have neither form nor words
            if not written and not _PHONE_WORDS.search(before):
                continue
            if not written and _REFERENCE.search(before):
                continue  # a reference is a phone number only when it is written as one
        elif (
            raw.startswith("00")
            and not _grouped_after_00(raw)
            and (_REFERENCE.search(before) or not _PHONE_WORDS.search(before))
        ):
            continue  # "ref no. 0012 345 678 901": a "00" not followed by a country code on its own
        if _NOT_PHONE.search(before) or _CONTINUES.match(text, m.start() + len(raw)):
            continue
        found = _lookup(raw, scan.region)
        if found is None:
            continue
        e164, country, ntype, source = found
        valid = source is None
        extra: dict[str, object] = {"country": country, "type": ntype}
        if source is not None:
            extra.update(reserved=True, note=RESERVED_NOTE, reserved_by=source)
        confidence = 0.9 if valid else 0.5
        yield Hit("phone", m.start(), m.start() + len(raw), raw, e164, valid, confidence, extra, 50)


_FIRST_GROUP = re.compile(r"00\(?(\d{1,3})[ \t().\-/]")


def _grouped_after_00(raw: str) -> bool:
    """True when the digits after a leading "00" start with a country code written as a group of its own
    ("0044 7911 123456", "001-212-555-1234"): the way an international number is written. Reference and
    tracking numbers that merely begin with two zeros ("0012 345 678 901", "0012125551234") are not."""
    m = _FIRST_GROUP.match(raw)
    return m is not None and int(m.group(1)) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE


@result_cache(8192)
def _lookup(raw: str, region: str) -> tuple[str, str | None, str, str | None] | None:
    """(E.164, country, type, reserved-range source or None) for a candidate as written, or None when it is
    not a phone number. Cached: a chat repeats the same numbers, and libphonenumber is the slow part."""
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    reserved = reserved_range(e164)
    # ``is_valid_number_for_region(num, country)`` and ``number_type(num)`` in one step: both look the
    # region up again (the slowest part) and match the same type patterns; this does each once.
    country = phonenumbers.region_code_for_number(num)
    kind = phonenumbers.PhoneNumberType.UNKNOWN
    if country is not None and num.country_code is not None:
        meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(num.country_code, country)
        if meta is not None:
            kind = _number_type_helper(phonenumbers.national_significant_number(num), meta)
    if reserved is None and kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    ntype = _TYPES.get(kind, "other")
    return e164, country or (reserved[0] if reserved else None), ntype, reserved[1] if reserved else None


_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline-or-mobile",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll-free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium-rate",
}


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
_PHONE_WORDS = first_char_hint(_PHONE_WORDS)
