"""Property tests: random text never crashes and the prefilter never loses a finding; generated valid
addresses and IBANs are always found, valid, at the right offsets."""

from __future__ import annotations

import json
from pathlib import Path

import base58
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from haven.indicators import extract
from haven.indicators.codecs import eip55_checksum, segwit_encode
from haven.indicators.extract import find_hits

EVAL = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "indicators_eval.jsonl"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made of the characters indicators are made of, so random strings actually reach the validators.
_ALPHABET = st.sampled_from(
    [
        *list("0123456789 abcxyzABCXYZ@.:/-_[]()+£$€\n#mtcnbc1qpzry9x"),
        "hxxp",
        " at ",
        " dot ",
        "snap: ",
        "swift ",
        "western union ",
        "moneygram ref ",
        "amazon ",
        "£500 ",
        "within 24 hours ",
        "sort code ",
        "0x",
        "bc1q",
        "GB82",
        "www.",
    ]
)
_TEXT = st.lists(_ALPHABET, max_size=120).map("".join)


def _keys(hits):
    return [(h.kind, h.start, h.end, h.normalized, h.valid) for h in hits]


@FAST
@given(st.text(max_size=400))
def test_any_text_never_crashes(text):
    for ind in extract(text):
        assert text[ind.provenance.start : ind.provenance.end] == ind.value


@FAST
@given(_TEXT)
def test_prefilter_never_loses_a_finding(text):
    assert _keys(find_hits(text)) == _keys(find_hits(text, prefilter=False))


def test_prefilter_parity_on_the_labelled_set():
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert _keys(find_hits(row["text"], row["region"])) == _keys(
            find_hits(row["text"], row["region"], prefilter=False)
        ), row["id"]


@FAST
@given(st.binary(min_size=20, max_size=20), st.sampled_from([0x00, 0x05]), st.text(" \n.,:;!?", max_size=3))
def test_generated_legacy_addresses_found(payload, version, punct):
    addr = base58.b58encode_check(bytes([version]) + payload).decode()
    text = f"send it to{punct} {addr}{punct} now"
    found = [i for i in extract(text) if i.kind == "btc"]
    assert [(i.normalized, i.valid) for i in found] == [(addr, True)]
    assert text[found[0].provenance.start : found[0].provenance.end] == addr


@FAST
@given(st.sampled_from([(0, 20), (0, 32), (1, 32)]), st.data())
def test_generated_segwit_addresses_found(shape, data):
    version, n = shape
    program = data.draw(st.binary(min_size=n, max_size=n))
    addr = segwit_encode("bc", version, program)
    written = addr.upper() if data.draw(st.booleans()) else addr
    found = [i for i in extract(f"wallet: {written}") if i.kind == "btc"]
    assert [(i.normalized, i.valid) for i in found] == [(addr, True)]


@FAST
@given(st.binary(min_size=20, max_size=20))
def test_generated_eth_addresses_found(payload):
    body = payload.hex()
    written = "0x" + eip55_checksum(body)
    found = [i for i in extract(f"usdt erc20 {written}") if i.kind == "eth"]
    assert [(i.normalized, i.valid) for i in found] == [("0x" + body, True)]


@FAST
@given(st.sampled_from(["GB", "NL", "LT"]), st.data(), st.booleans())
def test_generated_ibans_found(country, data, grouped):
    digits = lambda n: data.draw(st.text("0123456789", min_size=n, max_size=n))  # noqa: E731
    if country == "GB":
        iban = IBAN.generate("GB", bank_code="BARC" + digits(6), account_code=digits(8))
    elif country == "NL":
        iban = IBAN.generate("NL", bank_code="ABNA", account_code=digits(10))
    else:
        iban = IBAN.generate("LT", bank_code="32500", account_code=digits(11))
    written = iban.formatted if grouped else iban.compact
    found = [i for i in extract(f"please pay to IBAN {written} today") if i.kind == "iban"]
    assert [(i.normalized, i.valid) for i in found] == [(iban.compact, True)]
