"""Details a sextortion email states: the amount and currency asked for, the deadline, the quoted password.

Written by hand (no library reads ransom demands): the words come from each language's lexicon file; the
patterns run on the folded text and the values are cut from the clean text at the same offsets, so case and
accents are kept.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache

from haven.mail.lexicon import lexicons
from haven.mail.normalize import Normalized

SYMBOLS = {"$": "USD", "\u20ac": "EUR", "\u00a3": "GBP", "\u20bf": "BTC"}
# groups bounded ({1,7}): an open ``+`` backtracked quadratically on "000 000 000 …" with no currency after it
NUMBER = r"\d{1,3}(?:[ ,.'\u00a0]\d{3}){1,7}(?:[.,]\d{1,8})?|\d+(?:[.,]\d{1,8})?"


@dataclass
class Amount:
    value: float
    currency: str
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Deadline:
    text: str
    hours: int | None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class QuotedPassword:
    value: str
    start: int
    end: int


def parse_number(text: str) -> float | None:
    """``1,450`` / ``1.450`` / ``1 450`` -> 1450; ``0.05`` / ``0,05`` -> 0.05."""
    raw = text.replace("\u00a0", " ").replace("'", " ").strip()
    groups = re.split(r"[ ,.]", raw)
    seps = re.findall(r"[ ,.]", raw)
    if not seps:
        return float(raw)
    last = groups[-1]
    if (
        len(last) == 3
        and (len(groups) > 2 or seps[-1] != "." or len(groups[0]) <= 3)
        and not (seps[-1] in ".," and len(groups) == 2 and groups[0] == "0")
    ):
        return float("".join(groups))  # every separator groups thousands
    whole = "".join(groups[:-1])
    try:
        return float(f"{whole}.{last}")
    except ValueError:
        return None


@cache
def _currency_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    words: dict[str, str] = {}
    for lex in lexicons().values():
        words.update(lex.currency)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    symbols = "".join(re.escape(s) for s in SYMBOLS)
    pattern = re.compile(
        rf"(?P<sym>[{symbols}])\s?(?P<num1>{NUMBER})"
        rf"|(?<![\w.,])(?P<num2>{NUMBER})\s*(?:(?P<sym2>[{symbols}])|(?P<word>{alternatives})\b)"
    )
    return pattern, words


def find_amounts(norm: Normalized) -> list[Amount]:
    """Every sum of money in the text, in order."""
    pattern, words = _currency_pattern()
    out: list[Amount] = []
    for match in pattern.finditer(norm.folded):
        num = match.group("num1") or match.group("num2")
        value = parse_number(num)
        if value is None:
            continue
        symbol = match.group("sym") or match.group("sym2")
        currency = SYMBOLS[symbol] if symbol else words.get(re.sub(r"\s+", " ", match.group("word")), "")
        out.append(Amount(value, currency, " ".join(norm.clean[match.start() : match.end()].split())))
    return out


def main_amount(norm: Normalized, payment_spans: list[tuple[int, int]]) -> Amount | None:
    """The sum demanded: the first amount near a payment word, else the first amount at all."""
    amounts = find_amounts(norm)
    if not amounts:
        return None
    pattern, _ = _currency_pattern()
    positions = [m.start() for m in pattern.finditer(norm.folded)]
    for amount, pos in zip(amounts, positions, strict=False):
        plausible = amount.currency != "BTC" or amount.value < 10  # "60,000 BTC" is news, not a ransom
        if plausible and any(abs(pos - start) < 160 or abs(pos - end) < 160 for start, end in payment_spans):
            return amount
    return amounts[0]


@cache
def _deadline_pattern() -> tuple[re.Pattern[str], dict[str, int], dict[str, int], re.Pattern[str]]:
    numbers: dict[str, int] = {}
    units: dict[str, int] = {}
    intros: set[str] = set()
    for lex in lexicons().values():
        numbers.update(lex.numbers)
        units.update(lex.units)
        intros.update(lex.deadline_intro)
    num_words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(numbers, key=len, reverse=True))
    unit_words = "|".join(re.escape(w) for w in sorted(units, key=len, reverse=True))
    pattern = re.compile(
        rf"(?<![\w.,])(?:(?P<digits>\d{{1,3}})\s*|(?P<word>{num_words})\s+)"
        rf"(?:(?:business|working)\s+)?(?P<unit>{unit_words})\b"
    )
    intro_words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(intros, key=len, reverse=True))
    intro = re.compile(rf"\b(?:{intro_words})\b")
    return pattern, numbers, units, intro


def find_deadline(norm: Normalized, payment_spans: list[tuple[int, int]] | None = None) -> Deadline | None:
    """The time limit given ("you have 48 hours", "zwei Tage", "2 jours ouvrables").

    A span of time counts as the deadline when words like "you have" / "within" come just before it, or
    else when it is close to a payment word; other spans ("updated every 5 hrs") are ignored."""
    pattern, numbers, units, intro = _deadline_pattern()
    near_payment: Deadline | None = None
    for match in pattern.finditer(norm.folded):
        unit = match.group("unit")
        if unit in ("h", "u") and match.group("word"):
            continue
        if match.group("digits"):
            count = int(match.group("digits"))
        else:
            count = numbers.get(re.sub(r"\s+", " ", match.group("word")), 0)
        hours = count * units.get(unit, 0)
        if not 0 < hours <= 24 * 31:
            continue
        found = Deadline(" ".join(norm.clean[match.start() : match.end()].split()), hours)
        if intro.search(norm.folded, max(0, match.start() - 40), match.start()):
            return found
        if (
            near_payment is None
            and payment_spans
            and any(
                abs(match.start() - end) < 200 or abs(start - match.end()) < 200
                for start, end in payment_spans
            )
        ):
            near_payment = found
    return near_payment


_TRAILING = ".,;:\"'\u201c\u201d\u2018\u2019\u00bb\u203a)]>"
_LEADING = "\"'\u201c\u2018\u201e\u00ab\u2039(<["
"""Quote marks around a quoted password: straight, curly, low-9 (German) and guillemets (French)."""


def find_password(norm: Normalized) -> QuotedPassword | None:
    """The password the email quotes ("I know that hunter2 is your password"), if any."""
    for lex in lexicons().values():
        for pattern in lex.password:
            for match in pattern.finditer(norm.folded):
                start, end = match.span("pw")
                value = norm.clean[start:end]
                while value and value[-1] in _TRAILING:
                    value, end = value[:-1], end - 1
                while value and value[0] in _LEADING:
                    value, start = value[1:], start + 1
                if len(value) < 3 or value.lower() in lex.password_stopwords:
                    continue
                if value.lower().startswith(("http", "www.")):
                    continue
                return QuotedPassword(value, start, end)
    return None
