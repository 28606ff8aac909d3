"""``amount``: money demanded or paid in an extortion — ``£500``, ``1450 USD``, ``0.05 BTC``, ``2k``,
``2.000 €``, ``1 500 €``, ``1.500,00 EUR``, ``R$ 1.200``, ``₹1,50,000``, ``N50,000``, ``CHF 1'000``,
``50 000 FCFA`` — normalised ``CUR:NUMBER`` (``GBP:500``, ``EUR:1500``, ``INR:150000``). Numbers are read
in every English and European way of writing them (thousands grouped by ``,``, ``.``, ``'``, a space, a
no-break or narrow no-break space, Indian lakh grouping; decimals after ``.`` or ``,``), with the currency
before or after, with or without a space. Only amounts with demand or payment words around them ("send",
"pay", "or else", "envoie", "sinon", "si no", "senão", "sonst") and without everyday-spending words
("dinner", "ticket", "rent", "prix", "precio", "preço", "Preis"; "buy" unless what is bought is a gift
card) count: ordinary prices are not offender details."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from haven.indicators.base import Caseless, Example, Hit, Scan, first_char_hint, hinted, register

_SPACE = "[ \u00a0\u202f]"
"""A thousands space: plain, no-break or narrow no-break."""
_RAW = (
    r"\d{1,3}(?:" + _SPACE + r"\d{3})+(?![\d.,]\d)(?:[.,]\d{1,2})?"  # 1 500 / 1 500,50
    r"|\d(?:[\d,.']*\d)?"  # 1,500 / 1.500,00 / 1'000 / 1,50,000 / 0.05
)
NUMBER = r"(?<![\w.,'$£€₹₦₱])(" + _RAW + r")"
"""A written number on its own (not part of a word or a longer number): what ``_NUM_LEADING`` matches."""
# The same number, written to start with a plain digit so the regex engine can skip to digits quickly;
# the look-behind after the first digit is the one in front of ``NUMBER``.
_NUM_LEADING = (
    r"(\d(?<![\w.,'$£€₹₦₱]\d)(?:\d{0,2}(?:" + _SPACE + r"\d{3})+(?![\d.,]\d)(?:[.,]\d{1,2})?|[\d,.']*\d|))"
)
_MULT = r"(?:\s?(k|grand|mil|lakhs?)\b)?"
_PREFIX = r"£|€|\$|us\$|r\$|usd|gbp|eur|btc|eth|usdt|inr|₹|rs\.?|ngn|₦|php|₱|brl|chf|xof|fcfa|f\s?cfa|cfa"
_SYM = Caseless(
    r"(?<![\w$£€₹₦₱])(" + _PREFIX + r")\s?(" + _RAW + r")" + _MULT + r"(?![\d,.']?\d)",
)
_SUFFIX = (
    r"(?:pounds?|quid|gbp|usd|(?:united\s+states\s+|us\s+|american\s+)?dollars?|dólares|dolares|dollari|"
    r"bucks|eur|euros?|btc|bitcoins?|eth|ethereum|usdt|inr|rupees?|rs|naira|ngn|php|pesos?|piso|brl|"
    r"reais|chf|(?:swiss\s+)?francs?(?:\s+cfa)?|f\s?cfa|cfa|xof)\b|[£€$₹₦₱]"
)
_WORD = Caseless(
    _NUM_LEADING + r"\s{0,3}(k\s?|mil\s|lakhs?\s)?(" + _SUFFIX + r")",
)
# "N50,000" (naira): the capital letter only, on the text itself, so "n 5" in a chat is not money.
_NAIRA = re.compile(r"N(?<![\w$£€]N)\s?(\d{1,3}(?:,\d{3})+|\d{3,})(?:\s?(k)\b)?(?![\d,.']?\d)")
_CURRENCY = {
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "dólares": "USD", "dolares": "USD", "dollari": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "btc": "BTC", "bitcoin": "BTC", "bitcoins": "BTC", "eth": "ETH", "ethereum": "ETH", "usdt": "USDT",
    "inr": "INR", "₹": "INR", "rupee": "INR", "rupees": "INR", "rs": "INR", "rs.": "INR",
    "ngn": "NGN", "₦": "NGN", "naira": "NGN", "n": "NGN",
    "php": "PHP", "₱": "PHP", "piso": "PHP",
    "r$": "BRL", "brl": "BRL", "reais": "BRL",
    "chf": "CHF", "franc": "CHF", "francs": "CHF",
    "xof": "XOF", "fcfa": "XOF", "cfa": "XOF",
}  # fmt: skip
_PLAIN = {k: v for k, v in _CURRENCY.items() if k != "n" and not k.startswith(("franc", "cfa"))}
"""Currency words that mean the same money wherever they are written (the fast path)."""
_PESO = {"PH": "PHP", "MX": "MXN", "AR": "ARS", "CO": "COP", "CL": "CLP", "UY": "UYU", "DO": "DOP"}
_CRYPTO = frozenset({"BTC", "ETH", "USDT"})
_DEMAND = re.compile(
    r"\b(?:send|sent|pay|paid|paying|payment|transfer|transferred|wire|deposit|give me|want|need|owe|demand|"
    r"require|or else|or i|or your|otherwise|ransom|fee|to delete|to remove|to stop|cost you|will cost|"
    r"to keep|keep quiet|silence|in btc|in bitcoin|bitcoin|btc|gift card|moneygram|western union|cash\s?app|"
    r"venmo|paypal|zelle|gcash|paymaya|maya|pix|opay|palmpay|upi|paytm|phonepe|extort\w*|blackmail\w*|"
    r"asked for|asking for|demanded|demanding|or the (?:video|pics?|photos?|clip)|"
    r"or it['’]?s|or its|or everything|or this|to this (?:acc|account|wallet|address|iban|number)|"
    # French
    r"pa(?:ie|ye|yer|yez|ies|yes)|envoie\w*|envoy\w*|verse\w*|virement|transf[eè]re\w*|sinon|ou je|"
    r"ou tout|rançon|je veux|il me faut|donne(?:-moi)?|orange money|mtn money|wave|"
    # Spanish
    r"paga\w*|pague\w*|págame|manda\w*|mánda\w*|envía\w*|envia\w*|transfiere\w*|transferencia|deposita\w*|"
    r"depósito|si no|o (?:publico|subo|envío|mando|comparto)|quiero|necesito|rescate|bizum|"
    # Portuguese
    r"envie\w*|transfira\w*|transfere\w*|deposite\w*|senão|senao|ou eu|ou (?:vou|publico|mando)|quero|"
    r"preciso|resgate|"
    # German
    r"zahl\w*|überweis\w*|schick\w*|sende\w*|sonst|oder ich|oder (?:alle|das video|die bilder)|"
    r"will ich|ich will|brauche|lösegeld|"
    # Welsh and Tagalog (Philippine English code-switching)
    r"tala|anfon\w*|padala\w*|magpadala\w*|bayad\w*|bayaran|kundi|kung hindi)\b"
)
_STRONG = re.compile(
    r"\b(?:or else|or i|or your|ransom|to delete|extort\w*|blackmail\w*|to remove|or everyone|or they|"
    r"or all|sinon|ou je|rançon|si no (?:pagas|me|envías|mandas)|o (?:publico|subo)|rescate|senão|senao|"
    r"ou eu|resgate|sonst|oder ich|lösegeld|kundi|kung hindi)\b"
)
_ORDINARY = re.compile(
    r"\b(?:dinner|lunch|breakfast|ticket|tickets|rent|bill|bills|shopping|groceries|uber|taxi|pizza|"
    r"coffee|drinks?|price|prices|priced|sale|discount|off|per|each|salary|wage|costs?(?! you)|"
    r"spent|pay (?:you|u|me) back|paid (?:you|u|me) back|split|concert|cinema|movie|film|netflix|"
    r"subscription|"
    r"i owe|i owed|we owe|owes? (?:you|u)|got paid|paycheck|payday|savings|"
    r"for (?:the |my |a )?(?:train|bus|transport|data|airtime|recharge|load|chai|tea|food|fuel|books|uni|"
    r"school fees|present|gift(?!\s?cards?))|"
    r"deposit on|"
    r"fare|petrol|gas|shoes|jacket|dress|phone bill|quote|was|were|cheap|expensive|worth|raise|"
    r"earn\w*|won|win|lottery|pocket money|birthday|"
    # French, Spanish, Portuguese, German everyday spending
    r"cadeau|geschenk|regalo|pang load|"
    r"prix|co[uû]te(?! cher)|co[uû]tent|coûté|dîner|diner|déjeuner|loyer|billets?|courses|resto|soldes|"
    r"salaire|facture|precio|precios|cuesta|cuestan|costó|cena|comida|alquiler|entradas?|boletos?|"
    r"rebajas?|oferta|salario|factura|preço|preco|custa|custou|jantar|almoço|aluguel|ingressos?|"
    r"promoção|conta de luz|preis|kostet|kosten|kostete|miete|abendessen|essen|karten|angebot|rabatt|"
    r"gehalt|lohn|rechnung|bezahlt für)\b"
)

# Buying is everyday spending, except buying gift cards or vouchers: a common way extortion is paid.
_BUYING = re.compile(r"\b(?:bought|buy|buying|achète|acheté|compré|comprar|comprei|kaufen|gekauft)\b")
_GIFT = re.compile(
    r"\b(?:gift\s?cards?|vouchers?|paysafe\s?cards?|(?:steam|amazon|itunes|apple|google\s?play|play\s?store)"
    r"\s(?:gift\s)?cards?|cartes? cadeaux?|tarjetas? regalo|cart(?:ão|ões) presente|gutschein\w*)\b"
)
_MULTIPLIER = {"k": 1000, "grand": 1000, "mil": 1000, "lakh": 100_000, "lakhs": 100_000}


def _everyday(low: str, s: int, e: int, window: str) -> bool:
    a, b = max(0, s - 35), min(len(low), e + 45)
    if _ORDINARY.search(low, a, b):
        return True
    return _BUYING.search(low, a, b) is not None and _GIFT.search(window) is None


_SPACES = str.maketrans("\u00a0\u202f", "  ")
_THOUSANDS = {
    ",": re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}"),  # 1,500,000 and lakh 1,50,000
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+"),
    "'": re.compile(r"\d{1,3}(?:'\d{3})+"),
}


def parse_number(raw: str, crypto: bool = False) -> Decimal | None:
    """The value of a written number: ``1,500`` / ``1.500`` / ``1 500`` / ``1'500`` = 1500,
    ``1.500,50`` / ``1,500.50`` = 1500.5, ``1,50,000`` = 150000, ``0,05`` / ``0.05`` = 0.05. A lone dot
    or comma before exactly three digits groups thousands (``€1.000``), except in crypto amounts
    (``0.005 BTC``) or after a leading zero. None when the separators make no sense (``1.2.3``)."""
    if raw.isdigit():  # the common case, no separators
        return Decimal(raw)
    s = raw.translate(_SPACES)
    frac = ""
    if " " in s:
        m = re.fullmatch(r"(\d{1,3}(?: \d{3})+)(?:[.,](\d{1,2}))?", s)
        if not m:
            return None
        s, frac = m.group(1).replace(" ", ""), m.group(2) or ""
    else:
        seps = [c for c in s if c in ",.'"]
        if seps:
            last = seps[-1]
            head, _, tail = s.rpartition(last)
            grouped = _THOUSANDS[last].fullmatch(s)
            is_decimal = not grouped or crypto or s.startswith("0") or (len(set(seps)) > 1)
            if last == "'" or (grouped and not is_decimal):
                if not grouped:
                    return None
                s = s.replace(last, "")
            else:
                if last == "'" or not tail.isdigit():
                    return None
                if head and any(c in ",.'" for c in head):
                    other = {c for c in head if not c.isdigit()}
                    if len(other) != 1 or last in other or not _THOUSANDS[other.pop()].fullmatch(head):
                        return None
                s, frac = re.sub(r"\D", "", head), tail
    try:
        return Decimal(s + ("." + frac if frac else ""))
    except InvalidOperation:
        return None


def _number(raw: str, mult: str | None, cur: str) -> str | None:
    n = parse_number(raw, cur in _CRYPTO)
    if n is None:
        return None
    if mult:
        n *= _MULTIPLIER[mult.strip().lower()]
    return format(n.normalize(), "f")


def _currency(word: str, region: str) -> str | None:
    word = word.lower()
    plain = _PLAIN.get(word)
    if plain:
        return plain
    word = " ".join(word.split())
    if word.startswith(("f cfa", "fcfa", "cfa")) or word.endswith("cfa"):
        return "XOF"
    if word.startswith("peso"):
        return _PESO.get(region, "PHP")
    last = word.split()[-1]
    if last.startswith("franc"):  # French francs are gone: Swiss, or CFA where it is the money
        return "CHF" if region in ("CH", "LI") else _CFA.get(region)
    return _CURRENCY.get(word) or _CURRENCY.get(last)


_CFA = dict.fromkeys(("CI", "SN", "BJ", "BF", "ML", "NE", "TG", "GW"), "XOF") | dict.fromkeys(
    ("CM", "GA", "CG", "TD", "CF", "GQ"), "XAF"
)


@register(
    "amount",
    "Amount of money demanded or paid (with currency), never ordinary prices",
    [
        Example("Send me £500 now or I post it", ("GBP:500",)),
        Example("pay 1,450 USD in bitcoin within 48 hours", ("USD:1450",)),
        Example("transfer 0.05 BTC to my wallet or else", ("BTC:0.05",)),
        Example("I already paid him $200 yesterday and he wants 2k more", ("USD:200",)),
        Example("I want €1.000 or your family sees", ("EUR:1000",)),
        Example("dinner was £45 and the tickets cost £20 each"),
        Example("the jacket is on sale for $79.99"),
        Example("go buy 3 amazon gift cards of £100 and send the codes", ("GBP:100",)),
        Example("I bought the £40 trainers, send me a pic when you get yours"),
        # European and English number formats, currency before or after, with or without a space
        Example("tu m'envoies 2.000 € avant ce soir, sinon ta copine reçoit tout", ("EUR:2000",)),
        Example("virement de 1 500 € demain sinon je publie", ("EUR:1500",)),
        Example("verse 1\u202f200\u00a0€ ou je partage la vidéo", ("EUR:1200",)),
        Example("Überweis 1.500,00 EUR bis morgen, sonst sieht es deine Familie", ("EUR:1500",)),
        Example("zahl mir 750€ sonst schicke ich es allen", ("EUR:750",)),
        Example("paga 300 € o publico tus fotos", ("EUR:300",)),
        Example("si no me mandas 1.200,50 € hoy lo subo todo", ("EUR:1200.5",)),
        Example("manda R$ 1.500 no pix senão vou postar", ("BRL:1500",)),
        Example("deposite 2.000 reais ou eu mando pra todo mundo", ("BRL:2000",)),
        Example("envie 5 mil reais até amanhã", ("BRL:5000",)),
        Example("send ₹1,50,000 by tonight or everyone sees it", ("INR:150000",)),
        Example("pay Rs. 25,000 on paytm or the video goes viral", ("INR:25000",)),
        Example("transfer 2 lakh rupees or I will share", ("INR:200000",)),
        Example("send N50,000 to this opay account or else", ("NGN:50000",)),
        Example("you will pay ₦150k before 6pm", ("NGN:150000",)),
        Example("padala ka ng ₱5,000 sa gcash kundi ikakalat ko", ("PHP:5000",)),
        Example("send PHP 10,000 now or I post it", ("PHP:10000",)),
        Example("pay 20,000 pesos or your family sees", ("PHP:20000",), region="PH"),
        Example("überweise CHF 1'000 sonst stelle ich es online", ("CHF:1000",), region="CH"),
        Example("envoie 50 000 FCFA par orange money sinon je diffuse", ("XOF:50000",), region="CI"),
        Example("tu vas payer 100 000 francs CFA", ("XOF:100000",), region="CI"),
        Example("envoie-moi 25 000 francs sinon tout le monde verra", ("XOF:25000",), region="CI"),
        Example("pay $1,200 or the video goes to your school", ("USD:1200",)),
        Example("send 0,05 BTC sonst", ("BTC:0.05",)),
        # everyday money in the same languages, and numbers that only look like amounts
        Example("le dîner coûte 45 € et le loyer 750 €"),
        Example("el precio es 1.200 € y la cena 40 €"),
        Example("o jantar custou R$ 120, paga a tua parte"),
        Example("die Miete kostet 1.500,00 EUR im Monat"),
        Example("I have 1 500 followers and 2 cats"),
        Example("ticket to Lagos was N45,000 and the bus N2,000"),
        # a demand said with "or it's ..." or "to this account"; money the writer owes a friend is not one
        Example("300 quid to this acc or its going everywhere", ("GBP:300",)),
        Example("£400 or it's all over your school page", ("GBP:400",)),
        Example("I owe Sam 20 quid, will transfer tonight"),
        Example("can u pay me back the £12 from friday"),
        Example("I just got paid $1,200 this week"),
        Example("I sent my sister N5,000 for transport", region="NG"),
        Example("I paid Rs. 500 for the recharge", region="IN"),
        Example("i need £20 for the train home"),
        Example("envoie-moi 20 € pour le cadeau de maman"),
        Example("schick mir 20 € für das Geschenk"),
        Example("send £100 in amazon gift cards or the pics go out", ("GBP:100",)),
    ],
    triggers=[
        ("£|€|\\$|₹|₦|₱", 6, 30),
        (r"(?i)\b(usd|gbp|eur|btc|eth|usdt|inr|rs\.?|ngn|php|brl|chf|xof|f ?cfa|cfa)\s?\d", 4, 30),
        (r"\bN\s?\d", 2, 30),
        (
            r"(?i)\d[\s\xa0]{0,3}(k\s?|mil\s|lakhs?\s)?(pounds?|quid|gbp|usd|united|dollars?|d[oó]lares|bucks|eur|"
            r"euros?|btc|bitcoins?|eth|ethereum|usdt|inr|rupees?|rs|naira|ngn|php|pesos?|piso|brl|reais|chf|"
            r"swiss|francs?|f ?cfa|cfa|xof)",
            30,
            30,
        ),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    windows = scan.windows("amount")
    low = scan.lower
    region = scan.region
    spans: list[tuple[int, int, str, str]] = []
    for m in (m for ws, we in windows for m in _SYM.finditer(scan, ws, we)):
        cur = _currency(m.group(1), region)
        num = _number(m.group(2), m.group(3), cur) if cur else None
        if cur and num:
            spans.append((m.start(), m.end(), cur, num))
    naira = len(spans)
    for m in (m for ws, we in windows for m in _NAIRA.finditer(text, ws, we)):
        num = _number(m.group(1), m.group(2), "NGN")
        if num:
            spans.append((m.start(), m.end(), "NGN", num))
    if len(spans) > naira:
        spans.sort()
    # The spans found so far never overlap, so sorted starts and ends tell by bisection whether a new one
    # overlaps any of them.
    starts = [s for s, _, _, _ in spans]
    ends = [e for _, e, _, _ in spans]
    for m in (m for ws, we in windows for m in _WORD.finditer(scan, ws, we)):
        cur = _currency(m.group(3), region)  # type: ignore[assignment]
        num = _number(m.group(1), m.group(2), cur) if cur else None
        if not (cur and num):
            continue
        i = bisect_left(ends, m.start() + 1)  # the first span ending after m starts
        if i < len(starts) and starts[i] < m.end():
            continue
        spans.append((m.start(), m.end(), cur, num))
        starts.insert(i, m.start())
        ends.insert(i, m.end())
    for s, e, cur, num in spans:
        if num == "0":
            continue
        a, b = max(0, s - 70), min(len(low), e + 60)
        window = low[a:b]
        strong = _STRONG.search(window)
        if not strong and (not _DEMAND.search(window) or _everyday(low, s, e, window)):
            continue
        yield Hit("amount", s, e, text[s:e], f"{cur}:{num}", True, 0.8, {"currency": cur}, 40)


# Skip straight to the letters these word lists start with (same matches; see ``first_char_hint``).
_DEMAND = first_char_hint(_DEMAND)
_STRONG = first_char_hint(_STRONG)
_ORDINARY = first_char_hint(_ORDINARY)
_BUYING = first_char_hint(_BUYING)
_GIFT = first_char_hint(_GIFT)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_SYM = hinted(_SYM)
