"""Build ``indicators_eval_blind.jsonl``: a held-out set for offender-detail extraction, in nine varieties.

Written on 2026-12-03 BEFORE the recall work of issue 16 item 4 was started and never used to tune the rules
(the fixes are driven by each kind's own examples in ``src/haven/indicators/kinds/``, which are the tuning
set). Its message families (``family``) are written here and nowhere else: none is a copy of a template of
``make_indicators_eval*.py`` or of a kind's examples. ``bench_indicators.py`` reports it on its own.

Nine varieties (``variety``): UK, Nigerian, American, Philippine and Indian English, French (with
Ivorian French), Spanish, Brazilian Portuguese and German. Each has offender messages (amounts in the
local way of writing numbers, phone numbers given as "references", handles named in prose, defanged links,
IBANs written in lower case and groups, money-transfer references) and hard negatives (parcel tracking
numbers, order numbers, prices of ordinary things, dates, version numbers) that must give nothing.

Values with checksums (IBANs, bitcoin and ether addresses) are made by encoders independent of the extractor
(schwifty's IBAN generator, the BIP reference bech32 encoder in ``haven.indicators.codecs`` whose own test
vectors come from ``../shared``); phone numbers are drawn from libphonenumber's example numbers and kept
only when the numbering plan says they are valid. Labels are written by hand: normalised forms follow the
kinds' documented conventions (``CUR:NUMBER``, E.164, ``platform:user``, lower-case domains).

    python benchmarks/data/make_indicators_eval_blind.py   # deterministic
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import phonenumbers
from schwifty import IBAN

from haven.indicators.codecs import eip55_checksum, segwit_encode

OUT = Path(__file__).with_name("indicators_eval_blind.jsonl")
rng = random.Random(20261203)
NBSP, NNBSP = "\u00a0", "\u202f"


def E(kind: str, normalized: str, valid: bool = True) -> dict[str, object]:
    return {"kind": kind, "normalized": normalized, "valid": valid}


def _bytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def _phone(region: str) -> tuple[phonenumbers.PhoneNumber, str]:
    """A valid mobile number of ``region`` (example number with new last digits) and its E.164 form."""
    base = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    nsn = str(base.national_number)
    while True:
        cand = nsn[:-4] + "".join(rng.choice("0123456789") for _ in range(4))
        num = phonenumbers.parse("+" + str(base.country_code) + cand, None)
        if phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            if not e164.startswith("+4477009"):  # Ofcom drama range
                return num, e164


def _national(num: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)


def _intl(num: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _iban(country: str, bank: str, digits: int) -> str:
    while True:
        account = "".join(rng.choice("0123456789") for _ in range(digits))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                iban = IBAN.generate(country, bank_code=bank, account_code=account)
                IBAN(iban.compact, validate_bban=True)
            return str(iban.compact)
        except Exception:
            continue


def _grouped(compact: str, lower: bool = False) -> str:
    g = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return g.lower() if lower else g


def _digits(n: int) -> str:
    return str(rng.randrange(1, 10)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _bc1q() -> str:
    return segwit_encode("bc", 0, _bytes(20))


def _bc1p() -> str:
    return segwit_encode("bc", 1, _bytes(32))


def _eth() -> str:
    return "0x" + eip55_checksum(_bytes(20).hex())


Row = tuple[str, str, str, str, list[dict[str, object]]]


def uk() -> list[Row]:
    v, r = "en-GB", "GB"
    p1, e1 = _phone(r)
    p2, e2 = _phone(r)
    iban = _iban("GB", "NWBK601613", 8)
    mtcn = _digits(10)
    a = _bc1q()
    return [
        (
            v,
            "uk-ref-phone",
            r,
            f"put {_national(p1)} as the payment reference so i know its you, £300 or "
            "the pics go to ur mates",
            [E("phone", e1), E("amount", "GBP:300")],
        ),
        (
            v,
            "uk-quid",
            r,
            "300 quid by bank transfer or i post the lot on your college page",
            [E("amount", "GBP:300")],
        ),
        (
            v,
            "uk-iban-lower",
            r,
            f"pay it to {_grouped(iban, lower=True)} thats my cousins account, send £1,200",
            [E("iban", iban), E("amount", "GBP:1200")],
        ),
        (
            v,
            "uk-snap-prose",
            r,
            "dont reply here. my snap is ellie.rose_04 message me there",
            [E("handle", "snapchat:ellie.rose_04")],
        ),
        (
            v,
            "uk-defanged",
            r,
            "your vid is already up on nudeleaks-uk[.]net, pay and i take it down",
            [E("domain", "nudeleaks-uk.net")],
        ),
        (
            v,
            "uk-wu",
            r,
            f"went to the post office, did western union, the number they gave me is {mtcn}",
            [E("mtcn", mtcn)],
        ),
        (v, "uk-btc", r, f"£500 in btc to {a} and we're done", [E("amount", "GBP:500"), E("btc", a)]),
        (v, "uk-whatsapp-ref", r, f"whatsapp me on {_intl(p2)} when u have the money", [E("phone", e2)]),
        (
            v,
            "uk-neg-parcel",
            r,
            "royal mail tracking is RN123456785GB, parcel number 1234567890, due thursday",
            [],
        ),
        (v, "uk-neg-price", r, "the train to leeds was £34.50 and a meal deal £3.99, robbing us", []),
        (v, "uk-neg-date", r, "my appointment is 03/12/2026 at 10:15, ref 20261203", []),
    ]


def nigeria() -> list[Row]:
    v, r = "en-NG", "NG"
    p1, e1 = _phone(r)
    p2, e2 = _phone(r)
    a = _bc1p()
    return [
        (
            v,
            "ng-naira-n",
            r,
            "Oga you must pay N50,000 today or I will show your mama everything",
            [E("amount", "NGN:50000")],
        ),
        (
            v,
            "ng-naira-k",
            r,
            "send ₦50k sharp sharp, if not your pictures go to all your contacts",
            [E("amount", "NGN:50000")],
        ),
        (v, "ng-naira-word", r, "I want 150,000 naira, transfer am now", [E("amount", "NGN:150000")]),
        (
            v,
            "ng-phone-ref",
            r,
            f"use {_national(p1)} as narration when you transfer, I go know say na you",
            [E("phone", e1)],
        ),
        (
            v,
            "ng-tg-prose",
            r,
            "find me on telegram @bigboy_lagos for the payment details",
            [E("handle", "telegram:bigboy_lagos")],
        ),
        (v, "ng-taproot", r, f"if you no get naira pay btc to {a}", [E("btc", a)]),
        (v, "ng-intl", r, f"call this number {_intl(p2)} make we settle am", [E("phone", e2)]),
        (v, "ng-neg-order", r, "Jumia order number 3012345678 don deliver, na N4,500 for the shoe", []),
        (v, "ng-neg-version", r, "update your app to version 10.2.45 before you login", []),
    ]


def usa() -> list[Row]:
    v, r = "en-US", "US"
    p1, e1 = _phone(r)
    eth = _eth()
    mg = _digits(8)
    return [
        (
            v,
            "us-before-or",
            r,
            "$1,200 or the video goes to every follower you have",
            [E("amount", "USD:1200")],
        ),
        (
            v,
            "us-cashout",
            r,
            "I need $500 USD tonight, otherwise your girlfriend gets the clip",
            [E("amount", "USD:500")],
        ),
        (
            v,
            "us-ig-colon",
            r,
            "ig: tyler.mcd_09 dm me there not here",
            [E("handle", "instagram:tyler.mcd_09")],
        ),
        (
            v,
            "us-discord",
            r,
            "add my discord jaxon_x#4821 and we talk price",
            [E("handle", "discord:jaxon_x#4821")],
        ),
        (
            v,
            "us-tiktok",
            r,
            "everyone on my tiktok @jaxxon.clips will see it",
            [E("handle", "tiktok:jaxxon.clips")],
        ),
        (v, "us-phone", r, f"text me at {_national(p1)} when its sent", [E("phone", e1)]),
        (v, "us-mg", r, f"moneygram it, then send me the reference # {mg}", [E("moneygram-ref", mg)]),
        (v, "us-eth", r, f"or pay in eth, address {eth}", [E("eth", eth.lower())]),
        (
            v,
            "us-hxxp",
            r,
            "proof: hxxps://clipdrop-vault[.]xyz/u/7731 go look",
            [E("url", "https://clipdrop-vault.xyz/u/7731"), E("domain", "clipdrop-vault.xyz")],
        ),
        (
            v,
            "us-neg-ups",
            r,
            "UPS tracking 1Z999AA10123456784 says out for delivery, cost me $12.99 shipping",
            [],
        ),
        (v, "us-neg-order", r, "amazon order #112-4839201-5562810 arrived, thanks", []),
        (
            v,
            "us-neg-wu-track",
            r,
            f"my western union card got here, the dhl tracking number was {_digits(10)}",
            [],
        ),
    ]


def philippines() -> list[Row]:
    v, r = "en-PH", "PH"
    p1, e1 = _phone(r)
    return [
        (
            v,
            "ph-peso-sign",
            r,
            "magbayad ka ng ₱5,000 via gcash or i-post ko to sa fb mo",
            [E("amount", "PHP:5000")],
        ),
        (
            v,
            "ph-php",
            r,
            "send PHP 10,000 now or your family will see everything",
            [E("amount", "PHP:10000")],
        ),
        (
            v,
            "ph-gcash-ref",
            r,
            f"gcash mo sa {_national(p1)}, pay 3,000 pesos",
            [E("phone", e1), E("amount", "PHP:3000")],
        ),
        (
            v,
            "ph-fb-prose",
            r,
            "His FB is marco.dlsantos.88 ask him if you dont believe me",
            [E("handle", "facebook:marco.dlsantos.88")],
        ),
        (
            v,
            "ph-kik-paren",
            r,
            "add her on kik (ayessa_cutie21) she has the vid too",
            [E("handle", "kik:ayessa_cutie21")],
        ),
        (
            v,
            "ph-dot-word",
            r,
            "check mo yung site na pinayscandal dot net andun ka na",
            [E("domain", "pinayscandal.net")],
        ),
        (v, "ph-neg-lazada", r, "lazada parcel tracking PH2234567890 will arrive, the fan was ₱899 only", []),
        (v, "ph-neg-time", r, "see you at 5:30 sa SM, bring 200 for the jeep", []),
    ]


def india() -> list[Row]:
    v, r = "en-IN", "IN"
    p1, e1 = _phone(r)
    return [
        (
            v,
            "in-rs",
            r,
            "pay Rs 5000 immediately else video will be sent to your relatives",
            [E("amount", "INR:5000")],
        ),
        (v, "in-rupee-sign", r, "₹5,000 on this UPI or I upload it", [E("amount", "INR:5000")]),
        (v, "in-lakh", r, "transfer ₹1,50,000 or your whole family sees it", [E("amount", "INR:150000")]),
        (
            v,
            "in-rupees-word",
            r,
            "send 20000 rupees otherwise I will send to your office",
            [E("amount", "INR:20000")],
        ),
        (v, "in-phone-ref", r, f"in remarks write {_intl(p1)} so I can check", [E("phone", e1)]),
        (
            v,
            "in-insta",
            r,
            "follow my insta id - priya_sharma.official and message",
            [E("handle", "instagram:priya_sharma.official")],
        ),
        (
            v,
            "in-skype",
            r,
            "come on skype, my id is live:.cid.9a2b77f0e1c3",
            [E("handle", "skype:live:.cid.9a2b77f0e1c3")],
        ),
        (v, "in-neg-pnr", r, "PNR 4512345678 confirmed, ticket Rs 1,250 for Chennai express", []),
        (v, "in-neg-flipkart", r, "flipkart order OD123456789012345678 delivered, paid ₹499", []),
    ]


def french() -> list[Row]:
    v, r = "fr", "FR"
    p1, e1 = _phone(r)
    iban = _iban("FR", "3000600001", 11)
    mtcn = _digits(10)
    return [
        (
            v,
            "fr-eur-dot",
            r,
            "tu m'envoies 2.000 € sinon la vidéo part chez tous tes amis",
            [E("amount", "EUR:2000")],
        ),
        (
            v,
            "fr-eur-nnbsp",
            r,
            f"paie 1{NNBSP}500{NNBSP}€ sur ce compte ou je publie tout",
            [E("amount", "EUR:1500")],
        ),
        (
            v,
            "fr-eur-nbsp",
            r,
            f"je veux 300{NBSP}€ ce soir, sinon tout le monde verra",
            [E("amount", "EUR:300")],
        ),
        (v, "fr-eur-tight", r, "envoie 50€ en coupon ou je balance", [E("amount", "EUR:50")]),
        (
            v,
            "fr-iban",
            r,
            f"vire l'argent sur {_grouped(iban, lower=True)} au nom de mon frère",
            [E("iban", iban)],
        ),
        (
            v,
            "fr-snap",
            r,
            "ajoute-moi sur snap : lea.dbx75 on parle là-bas",
            [E("handle", "snapchat:lea.dbx75")],
        ),
        (v, "fr-phone", r, f"appelle-moi au {_national(p1)} quand c'est fait", [E("phone", e1)]),
        (
            v,
            "fr-wu",
            r,
            f"western union, le code MTCN c'est {mtcn[:3]}-{mtcn[3:6]}-{mtcn[6:]}",
            [E("mtcn", mtcn)],
        ),
        (
            v,
            "fr-defang-paren",
            r,
            "ta vidéo est sur videos-privees(.)fr regarde",
            [E("domain", "videos-privees.fr")],
        ),
        (v, "fr-neg-colis", r, "ton colis La Poste numéro 6A12345678901 arrive le 12.03.2026", []),
        (v, "fr-neg-prix", r, "le kebab était à 8,50 € et le ciné 12 €", []),
        (
            v,
            "ci-fcfa",
            r,
            "tu vas payer 50 000 FCFA par Orange Money sinon je diffuse",
            [E("amount", "XOF:50000")],
        ),
        (
            v,
            "ci-fcfa-ref",
            r,
            "envoie 100.000 F CFA, mets mon numéro en référence, c'est urgent",
            [E("amount", "XOF:100000")],
        ),
        (v, "ci-neg", r, "le garba c'est 500 FCFA au maquis, on se voit à 19h", []),
    ]


def spanish() -> list[Row]:
    v, r = "es", "ES"
    p1, e1 = _phone(r)
    iban = _iban("ES", "21000418", 10)
    mg = _digits(8)
    return [
        (
            v,
            "es-eur-comma",
            r,
            "manda 1.500,00 EUR o publico el vídeo en tu instituto",
            [E("amount", "EUR:1500")],
        ),
        (v, "es-eur-before", r, "págame €50 hoy o se lo enseño a tu novia", [E("amount", "EUR:50")]),
        (v, "es-eur-after", r, "quiero 300 € por bizum, si no lo subo", [E("amount", "EUR:300")]),
        (v, "es-iban", r, f"haz la transferencia a {_grouped(iban)} y me avisas", [E("iban", iban)]),
        (
            v,
            "es-insta",
            r,
            "mi insta es @carla.mrtz_99 escríbeme allí",
            [E("handle", "instagram:carla.mrtz_99")],
        ),
        (v, "es-phone", r, f"mi número es {_national(p1)}, mándame la captura", [E("phone", e1)]),
        (v, "es-mg", r, f"por moneygram, el número de referencia es {mg}", [E("moneygram-ref", mg)]),
        (v, "es-dot", r, "tu vídeo está en filtrados[dot]xyz", [E("domain", "filtrados.xyz")]),
        (v, "es-neg-pedido", r, "tu pedido número 4071234567 de correos llegó, costó 23,95 €", []),
        (v, "es-neg-version", r, "instala la versión 2.3.1 y reinicia, vale 0 €", []),
    ]


def brazil() -> list[Row]:
    v, r = "pt-BR", "BR"
    p1, e1 = _phone(r)
    a = _bc1q()
    return [
        (
            v,
            "br-real-space",
            r,
            "manda R$ 500 no pix senão eu mando pra tua família",
            [E("amount", "BRL:500")],
        ),
        (v, "br-real-comma", r, "quero R$1.500,00 até amanhã ou vaza tudo", [E("amount", "BRL:1500")]),
        (v, "br-pix-phone", r, f"a chave pix é o meu celular {_national(p1)}", [E("phone", e1)]),
        (v, "br-insta", r, "me chama no insta: @joaopedro.rj21", [E("handle", "instagram:joaopedro.rj21")]),
        (
            v,
            "br-twitter",
            r,
            "vou postar no meu twitter @vazados_br se não pagar",
            [E("handle", "twitter:vazados_br")],
        ),
        (v, "br-btc", r, f"ou paga em bitcoin: {a.upper()}", [E("btc", a)]),
        (
            v,
            "br-url",
            r,
            "olha aqui hxxp://vazou-agora[.]top/v/88",
            [E("url", "http://vazou-agora.top/v/88"), E("domain", "vazou-agora.top")],
        ),
        (v, "br-neg-rastreio", r, "código de rastreio dos Correios: NL123456789BR, frete R$ 25,90", []),
        (v, "br-neg-pedido", r, "pedido nº 1234567890 do ifood chegou, o açaí foi R$ 18", []),
    ]


def german() -> list[Row]:
    v, r = "de", "DE"
    p1, e1 = _phone(r)
    iban = _iban("DE", "37040044", 10)
    mtcn = _digits(10)
    return [
        (
            v,
            "de-eur-comma",
            r,
            "überweise 1.500,00 EUR sonst schicke ich das Video an deine Freunde",
            [E("amount", "EUR:1500")],
        ),
        (v, "de-eur-dot", r, "zahl 2.000 € oder alle sehen es", [E("amount", "EUR:2000")]),
        (v, "de-chf", r, "ich will CHF 200 per twint, sonst geht es raus", [E("amount", "CHF:200")]),
        (v, "de-iban", r, f"IBAN: {_grouped(iban, lower=True)}, Verwendungszweck egal", [E("iban", iban)]),
        (v, "de-snap", r, "mein snap ist lukas.m_2007 schreib mir", [E("handle", "snapchat:lukas.m_2007")]),
        (v, "de-phone", r, f"ruf mich an: {_intl(p1)}", [E("phone", e1)]),
        (
            v,
            "de-wu",
            r,
            f"per Western Union schicken, dann mir die Kontrollnummer {mtcn} geben",
            [E("mtcn", mtcn)],
        ),
        (
            v,
            "de-defang",
            r,
            "dein Video ist auf geleakt-archiv[.]de zu sehen",
            [E("domain", "geleakt-archiv.de")],
        ),
        (v, "de-neg-dhl", r, "DHL Sendungsnummer 00340434161234567890, Paket kommt am 04.12.2026", []),
        (v, "de-neg-preis", r, "die Pizza hat 12,50 € gekostet und das Kino 9 €", []),
        (v, "de-neg-version", r, "Firmware 4.12.0 installiert, Bestellnummer 2026-117834", []),
    ]


def rows() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for make in (uk, nigeria, usa, philippines, india, french, spanish, brazil, german):
        for variety, family, region, text, expect in make():
            out.append(
                {
                    "id": f"b{len(out):03d}",
                    "variety": variety,
                    "family": family,
                    "region": region,
                    "text": text,
                    "expect": expect,
                }
            )
    return out


def main() -> None:
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows():
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
