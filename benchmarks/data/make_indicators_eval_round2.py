"""Build ``indicators_eval_round2.jsonl``: a fresh held-out set for offender-detail extraction.

Written by hand AFTER tuning round 2 (2026-11-24: deadline context words, prose handles with "kik me at",
"snap?? add me its", gift-card purchases as demands, drama-range phone numbers marked invalid) and BEFORE
the extractor was ever run on it. Its numbers in ``bench_indicators.py`` are reported as they came out,
not tuned against.

The messages and their expected findings are written here; only the values that carry a checksum
(addresses, IBANs) are generated, with a fixed seed, by encoders independent of Haven's extractor (the
``base58`` package, the BIP reference bech32 encoder, schwifty's IBAN generator). Phone labels were
written by hand from the numbering plans (Ofcom's drama ranges are reported, marked invalid).

    python benchmarks/data/make_indicators_eval_round2.py   # deterministic
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import base58
from schwifty import IBAN

from haven.indicators.codecs import eip55_checksum, keccak256, monero_b58encode, segwit_encode

OUT = Path(__file__).with_name("indicators_eval_round2.jsonl")
rng = random.Random(20261124)
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _bytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def _b58(version: int) -> str:
    return base58.b58encode_check(bytes([version]) + _bytes(20)).decode()


def _typo(addr: str) -> str:
    i = rng.randrange(5, len(addr) - 1)
    return addr[:i] + rng.choice([c for c in B58 if c != addr[i]]) + addr[i + 1 :]


def _iban(country: str, bank: str, account_digits: int) -> IBAN:
    while True:
        account = "".join(rng.choice("0123456789") for _ in range(account_digits))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                iban = IBAN.generate(country, bank_code=bank, account_code=account)
                IBAN(iban.compact, validate_bban=True)
            return iban
        except Exception:  # draw again until schwifty accepts the national checksum
            continue


def E(kind: str, normalized: str, valid: bool = True) -> dict[str, object]:
    return {"kind": kind, "normalized": normalized, "valid": valid}


def rows() -> list[dict[str, object]]:
    btc_segwit = segwit_encode("bc", 0, _bytes(20))
    btc_typo = _typo(_b58(0))
    trx = _b58(0x41)
    eth_body = _bytes(20).hex()
    eth = "0x" + eip55_checksum(eth_body)
    ltc = _b58(0x30)
    doge = _b58(0x1E)
    xmr_body = bytes([18]) + _bytes(64)
    xmr = monero_b58encode(xmr_body + keccak256(xmr_body)[:4])
    iban_gb = _iban("GB", "BARC200000", 8)
    iban_nl = _iban("NL", "ABNA", 10)

    out: list[tuple[str, str, list[dict[str, object]]]] = [
        # -- sextortion / offender style --
        (
            "sextortion",
            "hey its mia 😊 my snapchat is mia.lovesyou03 add me",
            [E("handle", "snapchat:mia.lovesyou03")],
        ),
        (
            "sextortion",
            "no snap? ok add me on insta instead: @ryan_fitz.07",
            [E("handle", "instagram:ryan_fitz.07")],
        ),
        ("sextortion", "kik = sweet.amber2002", [E("handle", "kik:sweet.amber2002")]),
        (
            "sextortion",
            "I have screenshots of your followers. Pay £800 by tonight or I send the video to all of them",
            [E("amount", "GBP:800"), E("deadline", "by tonight")],
        ),
        (
            "sextortion",
            "u got 30 mins. 300 quid to this acc or its going everywhere. sort code 04-00-04 acc no 61548930",
            [
                E("deadline", "u got 30 mins"),
                E("amount", "GBP:300"),
                E("uk-bank-account", "04-00-04-61548930"),
            ],
        ),
        (
            "sextortion",
            f"Send 0.02 btc to {btc_segwit} now. You have 12 hours.",
            [E("amount", "BTC:0.02"), E("btc", btc_segwit), E("deadline", "you have 12 hours")],
        ),
        ("sextortion", f"wallet (usdt trc20): {trx}", [E("trx", trx)]),
        ("sextortion", f"ETH only: {eth}", [E("eth", "0x" + eth_body)]),
        ("sextortion", f"my litecoin addy {ltc}", [E("ltc", ltc)]),
        ("sextortion", f"doge pls {doge}", [E("doge", doge)]),
        ("sextortion", f"xmr: {xmr}", [E("xmr", xmr)]),
        ("sextortion", f"send to {btc_typo} quick", [E("btc", btc_typo, False)]),
        (
            "sextortion",
            "whatsapp me on +233 24 412 3456 if u want this deleted",
            [E("phone", "+233244123456")],
        ),
        (
            "sextortion",
            "call me 07984 654321 before 9pm or its over",
            [E("phone", "+447984654321"), E("deadline", "before 9pm")],
        ),
        ("sextortion", "my email: darkside.pay [at] proton [dot] me", [E("email", "darkside.pay@proton.me")]),
        (
            "sextortion",
            "Send the money with Western Union to Accra. Receiver: Kwame Boateng. Then text me the MTCN",
            [],
        ),
        ("sextortion", "done. mtcn is 572 019 4483", [E("mtcn", "5720194483")]),
        ("sextortion", "moneygram ref: 4419 2087", [E("moneygram-ref", "44192087")]),
        ("sextortion", "buy a £100 apple gift card and send the code here", [E("amount", "GBP:100")]),
        ("sextortion", "itunes code: XK94LMQ2P7ZR8TWD", [E("gift-card", "apple:XK94LMQ2P7ZR8TWD")]),
        (
            "sextortion",
            "paysafecard 4829 1057 3381 6620 is the pin, i want 2 more",
            [E("gift-card", "paysafecard:4829105733816620")],
        ),
        (
            "sextortion",
            "Google play card: 7HQK 2MPX 9TRW 4LZD",
            [E("gift-card", "google-play:7HQK2MPX9TRW4LZD")],
        ),
        (
            "sextortion",
            f"IBAN {iban_nl.formatted} BIC ABNANL2A",
            [E("iban", iban_nl.compact), E("swift-bic", "ABNANL2A")],
        ),
        ("sextortion", f"the payment goes to {iban_gb.compact}", [E("iban", iban_gb.compact)]),
        (
            "sextortion",
            "check this out hxxp://nudes-leak[.]site/u/ryan",
            [E("url", "http://nudes-leak.site/u/ryan"), E("domain", "nudes-leak.site")],
        ),
        ("sextortion", "I will post everything on exposed-uk.com", [E("domain", "exposed-uk.com")]),
        (
            "sextortion",
            "https://www.instagram.com/sophie.b_official/ that's my real acc",
            [
                E("handle", "instagram:sophie.b_official"),
                E("url", "https://www.instagram.com/sophie.b_official/"),
                E("domain", "instagram.com"),
            ],
        ),
        ("sextortion", "add me skype id live:jonny.b.88", [E("handle", "skype:live:jonny.b.88")]),
        ("sextortion", "my discord is shadowking#4821", [E("handle", "discord:shadowking#4821")]),
        (
            "sextortion",
            "twitter @leaksbyjay_ will have your pics by friday unless u pay",
            [E("handle", "twitter:leaksbyjay_"), E("deadline", "by friday")],
        ),
        (
            "sextortion",
            "hi, my name is Daniel Okoro, I work for the police cyber unit, "
            "pay the fine of £250 within 24 hours",
            [E("name", "daniel okoro"), E("amount", "GBP:250"), E("deadline", "within 24 hours")],
        ),
        (
            "sextortion",
            "You have 3 days to pay 1500 dollars. After that your family gets the video",
            [E("deadline", "you have 3 days"), E("amount", "USD:1500")],
        ),
        (
            "sextortion",
            "i already sent him £150 on paypal and now he wants £400 more",
            [E("amount", "GBP:150"), E("amount", "GBP:400")],
        ),
        ("sextortion", "contact me: +1 (647) 555-2931", [E("phone", "+16475552931")]),
        (
            "sextortion",
            "the fb page facebook.com/groups/leakzone is where it goes",
            [E("url", "facebook.com/groups/leakzone"), E("domain", "facebook.com")],
        ),
        # -- ordinary chat --
        ("ordinary", "can u pay me back the £12 for the cinema by friday", []),
        ("ordinary", "Your parcel 7700 9001 2345 will arrive by 6pm", []),
        (
            "ordinary",
            "ring me on 0161 496 0736 when ur free",
            [E("phone", "+441614960736", False)],
        ),
        ("ordinary", "new phone who dis, it's 07700 900 447", [E("phone", "+447700900447", False)]),
        ("ordinary", "invoice INV-2024-0031 total £1,240.00 due by 30th", []),
        ("ordinary", "version 3.11.7 released on python.org", [E("domain", "python.org")]),
        ("ordinary", "lol my sort of humour. sc tomorrow at 9?", []),
        ("ordinary", "the steam sale has Hollow Knight for £7.49 each", []),
        (
            "ordinary",
            "mum's new email is linda.hart62@btinternet.com",
            [E("email", "linda.hart62@btinternet.com")],
        ),
        ("ordinary", "meet at 7 by the library, bring £5 for the trip", []),
        ("ordinary", "whats ur snap", []),
        ("ordinary", "my insta got hacked so dont accept anything from it", []),
        ("ordinary", "he said add him on snap but idk", []),
        ("ordinary", "the account number ends in 4821", []),
        ("ordinary", "Flight BA2490 departs 14:35, gate 22, booking ref XJ7K2P", []),
        ("ordinary", "I owe Sam 20 quid, will transfer tonight", []),
        ("ordinary", "text me on 07723 456789 after school", [E("phone", "+447723456789")]),
        ("ordinary", "BTC hit 60k today, should've bought in 2020", []),
        ("ordinary", "copy the hash d41d8cd98f00b204e9800998ecf8427e into the form", []),
        (
            "ordinary",
            "GB sort code for the club is 20-45-77 and account 30948812",
            [E("uk-bank-account", "20-45-77-30948812")],
        ),
        ("ordinary", "WU? no, use MoneyGram, it's quicker. ref number coming", []),
        ("ordinary", "my tiktok is @jaydenplays_yt go follow x", [E("handle", "tiktok:jaydenplays_yt")]),
        (
            "ordinary",
            "www.bbc.co.uk/news has it",
            [E("url", "www.bbc.co.uk/news"), E("domain", "bbc.co.uk")],
        ),
        ("ordinary", "order #882193 shipped, tracking 1Z999AA10123456784", []),
        ("ordinary", "call the office 020 7946 0958 ext 2", [E("phone", "+442079460958", False)]),
    ]
    return [
        {
            "id": f"r{i:03d}",
            "style": style,
            "region": "GB",
            "text": text,
            "expect": expect,
            "written": "after tuning round 2, before any run on it",
        }
        for i, (style, text, expect) in enumerate(out)
    ]


def main() -> None:
    data = rows()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in data:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n = sum(len(r["expect"]) for r in data)  # type: ignore[arg-type]
    print(f"wrote {len(data)} messages, {n} expected findings to {OUT}")


if __name__ == "__main__":
    main()
