"""Build the labelled evaluation set for offender-detail extraction (``indicators_eval.jsonl``).

Messages are written in the styles of real sextortion chats and emails and of ordinary chats (the hard
negatives: prices, order numbers, phone-like numbers, tracking codes, dates, version strings). Each template
lists every finding it must yield as ``{kind, normalized, valid}``; the values placed in them (addresses,
numbers, codes) are generated with a fixed seed, checksums computed independently of Haven's extractor
(base58/bech32 encoders, schwifty's IBAN generator, libphonenumber's example-number metadata).

The templates were written before the extractor was tuned against them; run
``python benchmarks/data/make_indicators_eval.py`` to rebuild the file (deterministic).
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import warnings
from pathlib import Path

import base58
import phonenumbers
from schwifty import IBAN

from haven.indicators.codecs import eip55_checksum, keccak256, monero_b58encode, segwit_encode

OUT = Path(__file__).with_name("indicators_eval.jsonl")
rng = random.Random(20261123)


def _bytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def _b58(version: int) -> str:
    return base58.b58encode_check(bytes([version]) + _bytes(20)).decode()


def _typo(addr: str) -> str:
    """Change one character so the checksum fails (a mistyped address)."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    i = rng.randrange(5, len(addr) - 1)
    c = rng.choice([a for a in alphabet if a != addr[i]])
    return addr[:i] + c + addr[i + 1 :]


def v_btc() -> tuple[str, str, bool]:
    r = rng.random()
    if r < 0.35:
        a = _b58(0)
    elif r < 0.5:
        a = _b58(5)
    elif r < 0.8:
        a = segwit_encode("bc", 0, _bytes(20))
    else:
        a = segwit_encode("bc", 1, _bytes(32))
    return a, a, True


def v_btc_typo() -> tuple[str, str, bool]:
    a = _typo(_b58(0))
    return a, a, False


def v_eth() -> tuple[str, str, bool]:
    body = _bytes(20).hex()
    written = "0x" + (eip55_checksum(body) if rng.random() < 0.7 else body)
    return written, "0x" + body, True


def v_ltc() -> tuple[str, str, bool]:
    a = _b58(0x30) if rng.random() < 0.6 else segwit_encode("ltc", 0, _bytes(20))
    return a, a, True


def v_doge() -> tuple[str, str, bool]:
    a = _b58(0x1E)
    return a, a, True


def v_trx() -> tuple[str, str, bool]:
    a = _b58(0x41)
    return a, a, True


def v_xmr() -> tuple[str, str, bool]:
    body = bytes([18 if rng.random() < 0.7 else 42]) + _bytes(64)
    a = monero_b58encode(body + keccak256(body)[:4])
    return a, a, True


FIRST = ["jake", "lily", "anna", "mark", "sofia", "dan", "maria", "kevin", "zara", "tom", "amy", "leo"]
LAST = ["miller", "smith", "jones", "patel", "nguyen", "okafor", "brown", "garcia", "silva", "kowalski"]
MAILHOSTS = ["gmail.com", "outlook.com", "protonmail.com", "yahoo.com", "mail.ru", "hotmail.co.uk", "gmx.de"]
SITES = ["leakvids", "expose-now", "privpics", "hotcams-live", "secure-pay", "nudeleak", "viewmyfiles"]
TLDS = ["com", "net", "xyz", "online", "site", "ru", "top", "info"]


def _user() -> str:
    sep = rng.choice(["", ".", "_"])
    tail = rng.choice(["", str(rng.randrange(1, 99)), str(rng.randrange(1985, 2008))])
    return rng.choice(FIRST) + sep + rng.choice(LAST) + tail


def v_email() -> tuple[str, str, bool]:
    a = f"{_user()}@{rng.choice(MAILHOSTS)}"
    written = a if rng.random() < 0.6 else a[0].upper() + a[1:]
    return written, a.lower(), True


def v_email_obf() -> tuple[str, str, bool]:
    user, host = _user(), rng.choice(["gmail", "protonmail", "outlook", "yahoo"])
    style = rng.randrange(3)
    if style == 0:
        return f"{user} [at] {host} [dot] com", f"{user}@{host}.com", True
    if style == 1:
        return f"{user}(at){host}(dot)com", f"{user}@{host}.com", True
    return f"{user} at {host} dot com", f"{user}@{host}.com", True


def _site() -> str:
    return f"{rng.choice(SITES)}{rng.choice(['', str(rng.randrange(2, 99))])}.{rng.choice(TLDS)}"


def _path() -> str:
    return "/" + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randrange(4, 10))
    )


def v_url() -> tuple[str, str, bool, str]:
    """A URL: (written, normalized, valid, domain)."""
    site, path = _site(), _path()
    style = rng.randrange(4)
    if style == 0:
        return f"https://{site}{path}", f"https://{site}{path}", True, site
    if style == 1:
        w = site.replace(".", "[.]")
        return f"hxxps://{w}{path}", f"https://{site}{path}", True, site
    if style == 2:
        return f"http://www.{site}{path}", f"http://www.{site}{path}", True, site
    return f"www.{site}", f"www.{site}", True, site


def v_domain() -> tuple[str, str, bool]:
    site = _site()
    return (site.replace(".", "[.]") if rng.random() < 0.5 else site), site, True


def _example_number(region: str, kind: int) -> phonenumbers.PhoneNumber:
    ex = phonenumbers.example_number_for_type(region, kind)
    assert ex is not None
    national = str(ex.national_number)
    for _ in range(200):
        cand = national[:-4] + "".join(rng.choice(string.digits) for _ in range(4))
        num = phonenumbers.parse("+" + str(ex.country_code) + cand, None)
        if phonenumbers.is_valid_number(num):
            return num
    return ex


def v_phone_gb() -> tuple[str, str, bool]:
    num = _example_number("GB", phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    style = rng.randrange(3)
    if style == 0:
        written = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    elif style == 1:
        written = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    else:
        written = "0" + str(num.national_number)
    return written, e164, True


def v_phone_intl() -> tuple[str, str, bool]:
    region = rng.choice(["NG", "PH", "CI", "GH", "IN", "US", "MA"])
    num = _example_number(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    fmt = rng.choice([phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164])
    return phonenumbers.format_number(num, fmt), e164, True


def _handle_name() -> str:
    return (
        rng.choice(FIRST)
        + rng.choice(["_", ".", ""])
        + rng.choice([rng.choice(LAST), "xo", "official", "baby", "model"])
        + str(rng.randrange(1, 999))
    )


def v_iban() -> tuple[str, str, bool]:
    """A valid IBAN. German and Spanish accounts carry national check digits that schwifty's generator does
    not compute, so those are drawn until the account number is a real-shaped one (schwifty says so)."""
    while True:
        iban = _iban_candidate()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                IBAN(iban.compact, validate_bban=True)
            break
        except ValueError:
            continue
    compact = iban.compact
    written = iban.formatted if rng.random() < 0.6 else compact
    return written, compact, True


def _iban_candidate() -> IBAN:
    country = rng.choice(["GB", "DE", "FR", "NL", "ES", "LT"])
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if country == "GB":
        iban = IBAN.generate(
            "GB", bank_code=rng.choice(["BARC", "NWBK", "LOYD", "MIDL"]) + digits(6), account_code=digits(8)
        )
    elif country == "DE":
        iban = IBAN.generate("DE", bank_code="37040044", account_code=digits(10))
    elif country == "FR":
        iban = IBAN.generate("FR", bank_code="20041", branch_code="01005", account_code=digits(11))
    elif country == "NL":
        iban = IBAN.generate("NL", bank_code="ABNA", account_code=digits(10))
    elif country == "ES":
        iban = IBAN.generate("ES", bank_code="2100", branch_code="0418", account_code=digits(10))
    else:
        iban = IBAN.generate("LT", bank_code="32500", account_code=digits(11))
    return iban


def v_iban_bad() -> tuple[str, str, bool]:
    _, compact, _ = v_iban()
    check = (int(compact[2:4]) + rng.randrange(1, 90)) % 97 + 2
    bad = compact[:2] + f"{check:02d}" + compact[4:]
    return bad, bad, False


def v_ukbank() -> tuple[str, str, bool]:
    sc = [f"{rng.randrange(100):02d}" for _ in range(3)]
    acc = "".join(rng.choice(string.digits) for _ in range(8))
    style = rng.randrange(3)
    if style == 0:
        written = f"sort code {'-'.join(sc)} account {acc}"
    elif style == 1:
        written = f"Sort Code: {''.join(sc)}, Account No: {acc}"
    else:
        written = f"acc no {acc[:4]} {acc[4:]} s/c {' '.join(sc)}"
    return written, "-".join(sc) + "-" + acc, True


BICS = [
    "BARCGB22",
    "NWBKGB2L",
    "LOYDGB21XXX",
    "DEUTDEFF",
    "COBADEFFXXX",
    "BNPAFRPP",
    "INGBNL2A",
    "CITIUS33",
    "REVOLT21",
    "UNCRITMM",
]


def v_swift() -> tuple[str, str, bool]:
    b = rng.choice(BICS)
    return (b if rng.random() < 0.8 else b.lower()), b, True


def v_mtcn() -> tuple[str, str, bool]:
    d = "".join(rng.choice(string.digits) for _ in range(10))
    written = d if rng.random() < 0.5 else f"{d[:3]}-{d[3:6]}-{d[6:]}"
    return written, d, True


def v_moneygram() -> tuple[str, str, bool]:
    d = "".join(rng.choice(string.digits) for _ in range(8))
    written = d if rng.random() < 0.6 else f"{d[:4]} {d[4:]}"
    return written, d, True


_ALNUM = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"


def _alnum(n: int) -> str:
    while True:
        s = "".join(rng.choice(_ALNUM) for _ in range(n))
        if sum(c.isdigit() for c in s) >= 2 and sum(c.isalpha() for c in s) >= 2:
            return s


def v_gift(brand: str) -> tuple[str, str, bool]:
    if brand == "amazon":
        c = _alnum(14)
        w = f"{c[:4]}-{c[4:10]}-{c[10:]}" if rng.random() < 0.7 else c
    elif brand == "apple":
        c = "X" + _alnum(15)
        w = c if rng.random() < 0.6 else " ".join(c[i : i + 4] for i in range(0, 16, 4))
    elif brand == "google-play":
        c = _alnum(20)
        w = " ".join(c[i : i + 4] for i in range(0, 20, 4)) if rng.random() < 0.5 else c
    elif brand == "steam":
        c = _alnum(15)
        w = f"{c[:5]}-{c[5:10]}-{c[10:]}"
    else:
        c = "".join(rng.choice(string.digits) for _ in range(16))
        w = " ".join(c[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.6 else c
    return w, f"{brand}:{c}", True


def E(kind: str, norm: str, valid: bool = True) -> dict[str, object]:
    return {"kind": kind, "normalized": norm, "valid": valid}


def sextortion() -> list[dict[str, object]]:
    """Messages in the style of sextortion chats and spam emails, each with all its expected findings."""
    out: list[dict[str, object]] = []

    def add(text: str, expect: list[dict[str, object]], region: str = "GB") -> None:
        out.append({"style": "sextortion", "region": region, "text": text, "expect": expect})

    for _ in range(10):
        w, n, v = v_btc()
        add(
            f"I have recorded you. Send $1450 in Bitcoin to my BTC wallet: {w}\nYou have 48 hours.",
            [E("btc", n, v), E("amount", "USD:1450"), E("deadline", "you have 48 hours")],
        )
    for _ in range(4):
        w, n, v = v_btc_typo()
        add(f"pay to this bitcoin address {w} now or everyone sees", [E("btc", n, v)])
    for _ in range(6):
        w, n, v = v_eth()
        add(
            f"USDT ERC20 only. address {w} . 300 usdt or I post the video",
            [E("eth", n, v), E("amount", "USDT:300")],
        )
    for _ in range(5):
        w, n, v = v_ltc()
        add(f"litecoin is fine too {w}", [E("ltc", n, v)])
    for _ in range(4):
        w, n, v = v_doge()
        add(f"doge: {w}", [E("doge", n, v)])
    for _ in range(6):
        w, n, v = v_trx()
        add(
            f"send 500 USDT TRC20 to {w} within 24 hrs",
            [E("trx", n, v), E("amount", "USDT:500"), E("deadline", "within 24 hrs")],
        )
    for _ in range(4):
        w, n, v = v_xmr()
        add(f"only monero now. {w}", [E("xmr", n, v)])
    for _ in range(8):
        w, n, v = v_email()
        add(f"If you want it deleted email me at {w} today", [E("email", n, v)])
    for _ in range(6):
        w, n, v = v_email_obf()
        add(f"write me on {w} don't ignore", [E("email", n, v)])
    for _ in range(8):
        w, n, v, d = v_url()
        add(f"look what I made of you {w} everyone will see it", [E("url", n, v), E("domain", d)])
    for _ in range(5):
        w, n, v = v_domain()
        add(f"the video goes up on {w} tonight", [E("domain", n, v)])
    for _ in range(8):
        w, n, v = v_phone_gb()
        add(f"whatsapp me on {w} now", [E("phone", n, v)])
    for _ in range(8):
        w, n, v = v_phone_intl()
        add(f"call this number {w} or i send it", [E("phone", n, v)])
    platforms = [
        ("snap: {h}", "snapchat"),
        ("add me on snap {h}", "snapchat"),
        ("my insta is @{h}", "instagram"),
        ("ig: {h}", "instagram"),
        ("kik me at {h}", "kik"),
        ("telegram @{h}", "telegram"),
        ("discord: {h}", "discord"),
        ("my tiktok is @{h}", "tiktok"),
    ]
    for tmpl, platform in platforms * 2:
        h = _handle_name()
        add(f"hey cutie {tmpl.format(h=h)} lets talk there", [E("handle", f"{platform}:{h.lower()}")])
    for _ in range(4):
        cid = "".join(rng.choice("0123456789abcdef") for _ in range(16))
        add(f"add me on skype: live:.cid.{cid}", [E("handle", f"skype:live:.cid.{cid}")])
    links = [
        ("https://www.instagram.com/{h}/", "instagram", "instagram.com"),
        ("snapchat.com/add/{h}", "snapchat", "snapchat.com"),
        ("https://t.me/{h}", "telegram", "t.me"),
        ("https://www.tiktok.com/@{h}", "tiktok", "tiktok.com"),
        ("https://www.facebook.com/{h}", "facebook", "facebook.com"),
    ]
    for tmpl, platform, dom in links * 2:
        h = _handle_name()
        link = tmpl.format(h=h)
        add(
            f"this is my profile {link} follow me",
            [E("handle", f"{platform}:{h.lower()}"), E("url", link), E("domain", dom)],
        )
    for _ in range(8):
        w, n, v = v_iban()
        add(
            f"Or pay by bank transfer. IBAN: {w} Name: A. Popescu",
            [E("iban", n, v), E("payee-name", "a. popescu")],
        )
    for _ in range(3):
        w, n, v = v_iban_bad()
        add(f"bank transfer iban {w}", [E("iban", n, v)])
    for _ in range(8):
        w, n, v = v_ukbank()
        add(
            f"Transfer £250 to my account. {w}. Do it now.",
            [E("uk-bank-account", n, v), E("amount", "GBP:250")],
        )
    for _ in range(6):
        w, n, v = v_swift()
        add(f"For international transfer use SWIFT {w}", [E("swift-bic", n, v)])
    for _ in range(6):
        w, n, v = v_mtcn()
        add(f"Send by Western Union to Lagos, then give me the MTCN. I got it: MTCN {w}", [E("mtcn", n, v)])
    for _ in range(5):
        w, n, v = v_moneygram()
        add(f"use moneygram, reference number {w}, name Adebayo", [E("moneygram-ref", n, v)])
    brands = [
        ("amazon", "Amazon gift card"),
        ("apple", "iTunes card"),
        ("google-play", "Google Play card"),
        ("steam", "Steam card"),
        ("paysafecard", "paysafecard"),
    ]
    for brand, word in brands * 3:
        w, n, v = v_gift(brand)
        add(f"buy a {word} and send me the code. code: {w}", [E("gift-card", n, v)])
    amounts = [
        ("I want £{a} or your family sees everything", "GBP"),
        ("Pay ${a} and I delete the pics", "USD"),
        ("send €{a} now", "EUR"),
        ("{a} pounds or I ruin you", "GBP"),
        ("I already paid him £{a} and he wants more", "GBP"),
    ]
    for tmpl, cur in amounts * 3:
        a = rng.choice([100, 150, 200, 250, 300, 500, 750, 1000, 1500, 2000])
        add(tmpl.format(a=f"{a:,}" if rng.random() < 0.3 else a), [E("amount", f"{cur}:{a}")])
    deadlines = [
        ("you have {n} hours to pay", "you have {n} hours"),
        ("pay by midnight or it goes viral", "by midnight"),
        ("{n} hours left. send the money", "{n} hours left"),
        ("I will share the video within {n} minutes", "within {n} minutes"),
        ("send it before tomorrow morning or your friends see the photos", "before tomorrow morning"),
    ]
    for tmpl, norm in deadlines * 2:
        n = rng.choice([1, 2, 12, 24, 30, 48, 72])
        add(tmpl.format(n=n), [E("deadline", norm.format(n=n))])
    for _ in range(4):
        f = rng.choice(["Anna", "Sofia", "Jessica", "Emma"])
        add(f"hi handsome, my name is {f}, I'm 21 from Manchester", [E("name", f.lower())])
    # Spam-email style with several kinds at once.
    for _ in range(6):
        bw, bn, _ = v_btc()
        ew, en, _ = v_email()
        add(
            f"Hello! I am a hacker who has access to your operating system. I recorded you. "
            f"Transfer $1,300 to my bitcoin wallet {bw} . After payment I delete everything. "
            f"You have 50 hours. Reply to {ew} if you have questions.",
            [E("btc", bn), E("amount", "USD:1300"), E("deadline", "you have 50 hours"), E("email", en)],
        )
    return out


def ordinary() -> list[dict[str, object]]:
    """Ordinary chats: mostly nothing to find (hard negatives), sometimes ordinary links, emails, phones."""
    out: list[dict[str, object]] = []

    def add(text: str, expect: list[dict[str, object]] | None = None, region: str = "GB") -> None:
        out.append({"style": "ordinary", "region": region, "text": text, "expect": expect or []})

    negatives = [
        "dinner was £45 and the tickets cost £20 each",
        "the jacket is on sale for $79.99, want me to get it?",
        "I'll pay you back the £20 for the pizza tomorrow",
        "rent is £950 a month now, crazy",
        "Your Amazon order #204-4419921-3382217 has been dispatched",
        "order number 20240115 3391 arrives Tuesday",
        "tracking 1Z999AA10123456784 via UPS",
        "Royal Mail tracking: JD014600006281234567",
        "your parcel reference 12345678 is ready for collection",
        "my student number is 2109 4455 12",
        "the meeting is on 2024-01-15 at 14:30",
        "flight BA0283 leaves at 07:45 from gate 12",
        "version 3.20191021.1ubuntu0.18.04.2 fixed it",
        "commit 3fd3180f5530cb26f6cc9ea316326a7a00729210 broke the build",
        "see you in 2 hours at the station",
        "can you send me the holiday photos by tomorrow",
        "the delivery comes within 3 days apparently",
        "PLEASE CALL MUM TONIGHT SHE IS WORRIED",
        "the swift reply was nice, thank you",
        "Western Union office closes at 5pm, it's next to the bank",
        "moneygram is what my gran uses, she has 12345678 reasons to complain lol",
        "sort it out before friday, the account is a mess",
        "my snap is down today so text me",
        "haha she added me on insta lol",
        "the steam sale has 75% off, got 3 games for £12",
        "apple pay worked fine, card ending 4421",
        "i got a £50 amazon voucher for my birthday",
        "room 1204, building 7, postcode SW1A 1AA",
        "the score was 3-1, 2nd goal at 67 mins",
        "my pin is not 1234 obviously",
        "the wifi password is 84729163",
        "invoice INV-2024-00017 total £1,299.00",
        "README.md and setup.py need updating, e.g. the docs",
        "that costs like 200 quid, too expensive",
        "we won £25 on the lottery!!",
        "Call me later when you are free",
        "I need 2 more days to finish the essay",
        "pay the electricity bill of £84 by friday",
        "lol the code is 4411 for the gate",
        "IMMEDIATELY STOP SENDING ME MEMES",
    ]
    for t in negatives:
        add(t)
    for _ in range(6):
        w, n, v = v_phone_gb()
        add(f"my new number is {w}, save it", [E("phone", n, v)])
    for _ in range(4):
        w, n, v = v_email()
        add(f"send the form to {w} please", [E("email", n, v)])
    add(
        "news here https://www.bbc.co.uk/news/uk-12345678 crazy",
        [E("url", "https://www.bbc.co.uk/news/uk-12345678"), E("domain", "bbc.co.uk")],
    )
    add("booked on booking.com for 3 nights", [E("domain", "booking.com")])
    add(
        "the recipe is on https://www.bbcgoodfood.com/recipes/lasagne",
        [E("url", "https://www.bbcgoodfood.com/recipes/lasagne"), E("domain", "bbcgoodfood.com")],
    )
    return out


def main() -> None:
    rows = sextortion() + ordinary()
    for i, row in enumerate(rows):
        row["id"] = f"e{i:04d}"
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n = sum(len(r["expect"]) for r in rows)  # type: ignore[arg-type]
    print(f"wrote {len(rows)} messages, {n} expected findings to {OUT}")
    _ = hashlib  # (kept for reproducible helpers)


if __name__ == "__main__":
    main()
