"""Signal types: the registry's own examples, validation, PDQ distance and vPDQ matching."""

from __future__ import annotations

import json

import pytest

from haven.protect import SIGNALS, pdq_distance, validate_signal
from haven.protect.signals import VpdqFrame, parse_vpdq, vpdq_match_percent, vpdq_to_json

EXAMPLES = [(name, ex) for name, sig in SIGNALS.items() for ex in sig.get_examples()]
BAD_EXAMPLES = [(name, ex) for name, sig in SIGNALS.items() for ex in sig.invalid_examples]


def test_registry_has_the_four_types():
    assert SIGNALS.names() == ["pdq", "vpdq", "md5", "sha256"]
    with pytest.raises(ValueError, match="registered twice"):
        SIGNALS.add("pdq", SIGNALS.get("pdq"))


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_examples_validate_normalise_and_self_match(name: str, example: str):
    norm = validate_signal(name, example)
    assert validate_signal(name, norm) == norm  # idempotent
    assert norm == norm.strip() and (name == "vpdq" or norm == norm.lower())
    matched, _score = SIGNALS.get(name).compare(norm, norm)
    assert matched


@pytest.mark.parametrize(("name", "bad"), BAD_EXAMPLES)
def test_invalid_examples_are_refused(name: str, bad: object):
    with pytest.raises(ValueError):
        validate_signal(name, bad)


def test_unknown_signal_type():
    with pytest.raises(ValueError, match="unknown signal type"):
        validate_signal("tlsh", "abc")


def test_pdq_distance_counts_bits():
    a = "0" * 64
    assert pdq_distance(a, a) == 0
    assert pdq_distance(a, "f" * 64) == 256
    assert pdq_distance(a, "0" * 63 + "7") == 3
    assert pdq_distance(a.upper(), " " + "1" + "0" * 63 + " ") == 1
    pdq = SIGNALS.get("pdq")
    near = "0" * 56 + "ffffffff"  # 32 bits away: just past Meta's threshold of 31
    assert pdq.compare(a, near) == (False, 32.0)
    assert pdq.compare(a, "0" * 56 + "7fffffff") == (True, 31.0)


def test_vpdq_forms_agree():
    meta_lines = "0,100,{h},0.000\n30,90,{g},1.000".format(h="a" * 64, g="b" * 64)
    compact = json.dumps(["a" * 64 + ",100,0.000", "b" * 64 + ",90,1.000"])
    dicts = [
        {"pdq": "A" * 64, "quality": 100, "timestamp": 0},
        {"pdq": "b" * 64, "quality": 90, "timestamp": 1},
    ]
    normal = validate_signal("vpdq", compact)
    assert validate_signal("vpdq", meta_lines) == normal == validate_signal("vpdq", dicts)
    assert parse_vpdq(meta_lines)[1].frame == 30


def test_vpdq_match_percent_uses_quality_and_threshold():
    def frames(hexes: list[str], quality: int = 100) -> list[VpdqFrame]:
        return [VpdqFrame(h, quality, float(i)) for i, h in enumerate(hexes)]

    a = frames(["0" * 64, "f" * 64, "0f" * 32, "f0" * 32, "ff00" * 16])
    near = frames(["0" * 63 + "1", "f" * 64, "0f" * 32, "f0" * 32, "00ff" * 16])
    q, t = vpdq_match_percent(a, near)
    assert (q, t) == (80.0, 80.0)
    assert SIGNALS.get("vpdq").compare(vpdq_to_json(a), vpdq_to_json(near))[0]
    assert vpdq_match_percent(frames(["0" * 64], quality=10), a) == (0.0, 0.0)  # low quality ignored
