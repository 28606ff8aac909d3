"""Offender details against external vectors in ../shared/corpora: BIP-173/350, Bitcoin Core base58 and
key_io_invalid, EIP-55, python-stdnum IBANs, 12,533 addresses from real sextortion spam, real spam mails."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import base58
import pytest

from haven.indicators import extract
from haven.indicators.codecs import b58check_payload, bech32_decode, eip55_checksum, segwit_decode

CRYPTO = {"btc", "ltc", "doge", "trx", "xmr", "eth"}


def _section(text: str, start: str, stop: str | None = None) -> list[str]:
    """The <tt>…</tt> values listed after a heading line (up to the next heading)."""
    body = text.split(start, 1)[1]
    if stop:
        body = body.split(stop, 1)[0]
    return [m.group(1) for m in re.finditer(r"^\* (?:0x[0-9A-F]{2} \+ )?<tt>([^<]*)</tt>", body, re.M)]


@pytest.fixture(scope="module")
def bips(corpora: Path) -> dict[str, list[str]]:
    d = corpora / "bitcoin-bips-test-vectors"
    b173 = (d / "bip-0173_test_vectors.mediawiki.txt").read_text()
    b350 = (d / "bip-0350_test_vectors.mediawiki.txt").read_text()
    return {
        "bech32_valid": _section(b173, "valid Bech32:", "not valid Bech32"),
        "bech32_invalid": _section(b173, "not valid Bech32", "valid segwit addresses"),
        "b173_addr_valid": _section(b173, "valid segwit addresses", "invalid segwit addresses"),
        "bech32m_valid": _section(b350, "valid Bech32m:", "not valid Bech32m"),
        "bech32m_invalid": _section(b350, "not valid Bech32m", "valid segwit addresses"),
        "b350_addr_valid": _section(b350, "valid segwit addresses", "invalid segwit addresses"),
        "b350_addr_invalid": _section(b350, "invalid segwit addresses"),
    }


def test_bech32_and_bech32m_strings(bips):
    assert len(bips["bech32_valid"]) == 7 and len(bips["bech32m_valid"]) == 7
    for s in bips["bech32_valid"]:
        assert bech32_decode(s) is not None and bech32_decode(s)[2] == "bech32", s
    for s in bips["bech32m_valid"]:
        assert bech32_decode(s) is not None and bech32_decode(s)[2] == "bech32m", s
    # BIP-350: no string is valid in both; every listed invalid string is invalid
    for s in bips["bech32m_valid"]:
        assert bech32_decode(s)[2] != "bech32"
    for s in bips["bech32_invalid"] + bips["bech32m_invalid"]:
        assert bech32_decode(s) is None, s


def test_segwit_addresses_valid_under_bip350(bips):
    valid = bips["b350_addr_valid"]
    assert len(valid) == 8
    for addr in valid:
        hrp = addr[:2].lower()
        assert segwit_decode(hrp, addr) is not None, addr
        found = [i for i in extract(f"pay to {addr} now") if i.kind == "btc"]
        assert [(i.normalized, i.valid) for i in found] == [(addr.lower(), True)], addr
    taproot = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    assert next(i for i in extract(taproot)).extra["type"] == "taproot"


def test_bip173_v1_vector_is_invalid_under_bip350(bips):
    v1 = "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx"
    assert v1 in bips["b173_addr_valid"]
    assert segwit_decode("bc", v1) is None
    assert [(i.kind, i.valid) for i in extract(v1)] == [("btc", False)]
    # the v0 addresses of BIP-173 stay valid
    for addr in bips["b173_addr_valid"]:
        if addr.lower()[3] == "q":
            assert segwit_decode(addr[:2].lower(), addr) is not None


def test_invalid_segwit_addresses_never_valid(bips):
    invalid = bips["b350_addr_invalid"]
    assert len(invalid) == 15
    for addr in invalid:
        assert segwit_decode("bc", addr) is None and segwit_decode("tb", addr) is None, addr
        assert not any(i.valid for i in extract(addr) if i.kind in CRYPTO), addr


def test_bitcoin_core_base58_vectors(corpora):
    vectors = json.loads((corpora / "bitcoin-core-test-data" / "base58_encode_decode.json").read_text())
    assert len(vectors) >= 20
    for hex_, b58 in vectors:
        assert base58.b58encode(bytes.fromhex(hex_)).decode() == b58
        assert base58.b58decode(b58).hex() == hex_.lower()


def test_bitcoin_core_key_io_invalid_never_valid(corpora):
    vectors = json.loads((corpora / "bitcoin-core-test-data" / "key_io_invalid.json").read_text())
    assert len(vectors) == 79
    for (s,) in vectors:
        assert not any(i.valid for i in extract(f"address: {s}") if i.kind in CRYPTO), s


def test_eip55_vectors(corpora):
    lines = (corpora / "eip55-test-vectors" / "eip55_test_cases.txt").read_text().splitlines()
    addrs = [line.strip() for line in lines if line.startswith("0x")]
    assert len(addrs) == 8
    for addr in addrs:
        body = addr[2:]
        found = [i for i in extract(f"eth {addr}") if i.kind == "eth"]
        assert [(i.normalized, i.valid) for i in found] == [(addr.lower(), True)]
        if not (body.isupper() or body.islower()):
            assert eip55_checksum(body) == body
            assert found[0].extra["checksummed"] is True
            # flip the case of one letter: the checksum must catch it
            i = next(k for k, c in enumerate(body) if c.isalpha())
            bad = "0x" + body[:i] + body[i].swapcase() + body[i + 1 :]
            assert [(x.kind, x.valid) for x in extract(bad)] == [("eth", False)]
        else:
            assert found[0].extra["checksummed"] is False


def _stdnum_lists(corpora: Path) -> list[list[str]]:
    text = (corpora / "python-stdnum-vectors" / "test_iban.doctest.txt").read_text()
    return [
        [line[4:].strip() for line in block.splitlines() if line.startswith("... ") and line[4:].strip()]
        for block in re.findall(r">>> numbers = '''\n(.*?)\n\.\.\. '''", text, re.S)
    ]


def test_stdnum_valid_ibans_found(corpora):
    lists = _stdnum_lists(corpora)
    valid = lists[0]
    assert len(valid) > 150
    for number in valid:  # as the registry writes them: grouped, compact, dotted (NO07.8380…), odd spacing
        compact = re.sub(r"[ .-]", "", number).upper()
        found = [i for i in extract(f"IBAN {number} thanks") if i.kind == "iban"]
        assert [(i.normalized, i.valid) for i in found] == [(compact, True)], number


def test_stdnum_invalid_ibans_never_valid(corpora):
    lists = _stdnum_lists(corpora)
    broken, wrong_length, bad_chars, national = lists[1], lists[2], lists[3], lists[4]
    assert len(broken) == 11 and len(wrong_length) == 4
    for number in broken + wrong_length + bad_chars + national:
        found = [i for i in extract(f"iban {number}") if i.kind == "iban"]
        assert not any(i.valid for i in found), number
    # broken check digits with the right shape are still reported, marked invalid
    found = [i for i in extract(f"iban {broken[0]}") if i.kind == "iban"]
    assert [(i.normalized, i.valid) for i in found] == [(broken[0], False)]


@pytest.mark.slow
def test_sextortion_spam_addresses(corpora):
    d = corpora / "sextortion-spam-bitcoin-aft2019"
    addresses = [a.strip() for a in (d / "addresses.csv").read_text().splitlines() if a.strip()]
    failing = {
        a.strip()
        for a in (d / "DERIVED_addresses_failing_base58check.txt").read_text().splitlines()
        if a.strip() and not a.startswith("#")
    }
    assert len(addresses) == 12533 and len(failing) == 11
    assert failing <= set(addresses)
    independent_ok = {a for a in addresses if b58check_payload(a) is not None}
    assert independent_ok == set(addresses) - failing
    found = extract("\n".join(addresses))
    assert {i.kind for i in found} == {"btc"}
    by_value = {i.normalized: i.valid for i in found}
    assert set(by_value) == set(addresses)
    assert {a for a, ok in by_value.items() if ok} == independent_ok
    assert {a for a, ok in by_value.items() if not ok} == failing
    # and inside a typical demand
    for a in sorted(independent_ok)[:50]:
        hits = [
            i for i in extract(f"Send the Bitcoin to my wallet: {a}. You have 48 hours.") if i.kind == "btc"
        ]
        assert [(i.normalized, i.valid) for i in hits] == [(a, True)]


def _body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain", "html"))
    return str(msg["Subject"] or "") + "\n" + (part.get_content() if part else "")


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("2022-06-06_linux-f2fs-devel_btc-extort.eml", "bc1qpqum4asxh2rd0twkam3768jgd58v29z6v0gxh7"),
        ("2021-11-02_v9fs-developer_btc-extort_base64.eml", "bc1q8we4usmw0nf6rfm04gh8d47zqny2f0alpwernf"),
        ("2022-05-16_industrypack-devel_btc-extort.eml", "bc1qezav9wqhsrxyszvc9egyrd7v47pqanxx8lw48h"),
    ],
)
def test_real_sextortion_mails_yield_their_address(corpora, name, address):
    found = extract(_body(corpora / "sextortion-emails-mailing-lists" / name))
    crypto = [(i.kind, i.normalized, i.valid) for i in found if i.kind in CRYPTO]
    assert crypto == [("btc", address, True)]
    assert any(i.kind == "amount" for i in found)


def test_openwrt_false_positive_yields_no_crypto(corpora):
    path = (
        corpora
        / "sextortion-emails-mailing-lists"
        / "NEGATIVE_2019-12_openwrt-devel_PDS_BTC_ID_false_positive.eml.partial"
    )
    text = path.read_text(encoding="utf-8", errors="replace")
    found = extract(text)
    assert not [i for i in found if i.kind in CRYPTO]
    assert not [i for i in found if i.kind in ("amount", "deadline", "mtcn", "moneygram-ref", "gift-card")]
    assert any(i.kind == "url" for i in found)  # the links in it are still links
