"""Signal types: the kinds of hash Haven makes and matches (python-threatexchange's SignalType habit).

``SIGNALS`` is the registry: ``pdq`` (images), ``vpdq`` (videos), ``md5`` and ``sha256`` (exact, any file).
Each type knows how to validate and normalise a hash string, how to compare two hashes, and carries its
own examples (``get_examples()``) that one parametrised test runs.

Serialisations follow Meta's tools so hashes can go to StopNCII, Take It Down or a ThreatExchange bank:
PDQ is 64 lowercase hex characters; vPDQ is python-threatexchange's JSON list of
``"pdqhex,quality,timestamp"`` strings (``vpdq_to_json``); ``validate_signal`` also accepts a list of
``{pdq, quality, timestamp}`` objects or Meta's ``frame,quality,pdqhex,timestamp`` text lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from haven.core.registry import Registry

PDQ_HEX_LEN = 64
PDQ_MATCH_DISTANCE = 31  # Meta's recommended PDQ match threshold (inclusive)
VPDQ_QUALITY_THRESHOLD = 50  # frames below this quality are not compared (Meta's vPDQ default)
VPDQ_MATCH_PERCENT = 80.0  # share of the query's frames that must find a match (Meta's default)
VPDQ_TIMESTAMP_PRECISION = 3

_HEX = re.compile(r"[0-9a-f]+")


def _clean_hex(value: object, length: int, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a {what} hash must be text, not {type(value).__name__}")
    text = value.strip().lower()
    if len(text) != length or not _HEX.fullmatch(text):
        raise ValueError(f"a {what} hash is {length} hexadecimal characters (0-9, a-f); got {value!r:.80}")
    return text


def pdq_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance (number of differing bits, 0..256) between two PDQ hashes given as hex."""
    a = _clean_hex(a_hex, PDQ_HEX_LEN, "PDQ")
    b = _clean_hex(b_hex, PDQ_HEX_LEN, "PDQ")
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed video frame: its PDQ hash, quality (0..100), timestamp in seconds, frame number."""

    pdq: str
    quality: int
    timestamp: float
    frame: int = 0

    def compact(self) -> str:
        """python-threatexchange's ``VpdqCompactFeature`` string: ``pdqhex,quality,timestamp``."""
        return f"{self.pdq},{self.quality},{self.timestamp:.{VPDQ_TIMESTAMP_PRECISION}f}"

    def to_dict(self) -> dict[str, Any]:
        return {"frame": self.frame, "quality": self.quality, "pdq": self.pdq, "timestamp": self.timestamp}


def _frame_from(obj: Any, index: int) -> VpdqFrame:
    if isinstance(obj, str):
        parts = obj.split(",")
        if len(parts) == 3:
            pdq, quality, timestamp = parts
            frame = index
        elif len(parts) == 4:  # Meta's sample-hashes text line: frame,quality,pdq,timestamp
            frame_s, quality, pdq, timestamp = parts
            frame = int(frame_s)
        else:
            raise ValueError(f"vPDQ frame {index}: expected 'pdqhex,quality,timestamp', got {obj!r:.80}")
    elif isinstance(obj, dict):
        try:
            pdq, quality, timestamp = obj["pdq"], obj["quality"], obj["timestamp"]
        except KeyError as exc:
            raise ValueError(f"vPDQ frame {index}: missing {exc.args[0]!r}") from None
        frame = obj.get("frame", index)
    else:
        raise ValueError(f"vPDQ frame {index}: expected text or an object, got {type(obj).__name__}")
    try:
        q, ts, fr = int(quality), float(timestamp), int(frame)
    except (TypeError, ValueError):
        raise ValueError(f"vPDQ frame {index}: quality, timestamp and frame must be numbers") from None
    if not 0 <= q <= 100:
        raise ValueError(f"vPDQ frame {index}: quality must be 0..100, got {q}")
    if ts < 0 or fr < 0:
        raise ValueError(f"vPDQ frame {index}: timestamp and frame number cannot be negative")
    return VpdqFrame(_clean_hex(pdq, PDQ_HEX_LEN, "PDQ"), q, round(ts, VPDQ_TIMESTAMP_PRECISION), fr)


def parse_vpdq(value: Any) -> list[VpdqFrame]:
    """Frames from a vPDQ value: a JSON string or a list (of compact strings or dicts). ValueError if bad."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            lines = [ln for ln in value.splitlines() if ln.strip()]
            value = lines  # Meta's text format, one frame per line
    if not isinstance(value, list) or not value:
        raise ValueError("a vPDQ hash is a non-empty list of frames")
    return [_frame_from(item, i) for i, item in enumerate(value)]


def vpdq_to_json(frames: list[VpdqFrame]) -> str:
    """The canonical vPDQ string (python-threatexchange ``vpdq_to_json``)."""
    return json.dumps([f.compact() for f in frames])


def vpdq_match_percent(query: list[VpdqFrame], target: list[VpdqFrame]) -> tuple[float, float]:
    """(query %, target %) of good-quality, de-duplicated frames with a partner within distance 31.

    Meta's brute-force vPDQ matcher (python-threatexchange ``match_VPDQ_hash_brute``), over integers.
    """

    def prep(frames: list[VpdqFrame]) -> list[int]:
        seen: dict[str, int] = {}
        for f in frames:
            if f.quality >= VPDQ_QUALITY_THRESHOLD and f.pdq not in seen:
                seen[f.pdq] = int(f.pdq, 16)
        return list(seen.values())

    q, t = prep(query), prep(target)
    if not q or not t:
        return 0.0, 0.0

    def share(a: list[int], b: list[int]) -> float:
        hits = sum(1 for x in a if any((x ^ y).bit_count() <= PDQ_MATCH_DISTANCE for y in b))
        return hits * 100.0 / len(a)

    return share(q, t), share(t, q)


@dataclass
class SignalType:
    """One kind of hash. Subclasses fill in ``validate`` and ``compare``."""

    name: str
    media: str  # "image", "video" or "any"
    description: str
    examples: list[str] = field(default_factory=list)
    invalid_examples: list[Any] = field(default_factory=list)

    def validate(self, value: Any) -> str:
        raise ValueError(f"{self.name}: no validator")  # overridden by every registered type

    def compare(self, a: str, b: str) -> tuple[bool, float]:
        """(match?, distance or score) for two already-validated hashes."""
        return a == b, 0.0 if a == b else 1.0

    def get_examples(self) -> list[str]:
        """Valid hashes of this type (they validate, and each matches itself)."""
        return list(self.examples)


@dataclass
class ExactSignal(SignalType):
    """A cryptographic digest of the file's bytes: matches only identical files."""

    hex_len: int = 64

    def validate(self, value: Any) -> str:
        return _clean_hex(value, self.hex_len, self.name.upper())


@dataclass
class PdqSignal(SignalType):
    """PDQ: Meta's 256-bit perceptual image hash; a match is Hamming distance <= 31."""

    threshold: int = PDQ_MATCH_DISTANCE

    def validate(self, value: Any) -> str:
        return _clean_hex(value, PDQ_HEX_LEN, "PDQ")

    def compare(self, a: str, b: str) -> tuple[bool, float]:
        d = pdq_distance(a, b)
        return d <= self.threshold, float(d)


@dataclass
class VpdqSignal(SignalType):
    """vPDQ: a PDQ hash per sampled video frame; a match is >= 80% of the query's frames matching."""

    match_percent: float = VPDQ_MATCH_PERCENT

    def validate(self, value: Any) -> str:
        return vpdq_to_json(parse_vpdq(value))

    def compare(self, a: str, b: str) -> tuple[bool, float]:
        q, _ = vpdq_match_percent(parse_vpdq(a), parse_vpdq(b))
        return q >= self.match_percent, q


SIGNALS: Registry[SignalType] = Registry("signal type")

SIGNALS.add(
    "pdq",
    PdqSignal(
        "pdq",
        "image",
        "PDQ perceptual hash of an image (finds resized or re-saved copies)",
        # python-threatexchange PdqSignal.get_examples() (bridge photo and its edits)
        examples=[
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
            "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22",
            "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
            "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22",
        ],
        invalid_examples=["", "f8f8", "z" * 64, "f" * 63, 12345, "f" * 65],
    ),
)
SIGNALS.add(
    "vpdq",
    VpdqSignal(
        "vpdq",
        "video",
        "vPDQ: PDQ hashes of video frames, one per second by default",
        examples=[
            json.dumps(
                [
                    "d3d8981ba52c59e79fb49295bed80905036b1dbe57b292c8ea4fb525f52c420e,100,0.000",
                    "d2d899daa62c5de7bebc9295ae580905016999aa57969ac0ee4bd50df52c5b0e,100,1.000",
                ]
            ),
            json.dumps(
                [
                    {
                        "frame": 0,
                        "quality": 90,
                        "pdq": "dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c",
                        "timestamp": 0.0,
                    }
                ]
            ),
            "0,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.000",
        ],
        invalid_examples=[
            "",
            "[]",
            "not json",
            json.dumps(["abc,100,0.0"]),
            json.dumps(["f" * 64 + ",101,0.0"]),
            7,
        ],
    ),
)
SIGNALS.add(
    "md5",
    ExactSignal(
        "md5",
        "any",
        "MD5 of the file's bytes (what StopNCII sends for videos); finds identical copies only",
        examples=["0a21c8f85a55a9e276ffc2c53f6887c4", "D41D8CD98F00B204E9800998ECF8427E"],
        invalid_examples=["", "0a21c8f85a55a9e276ffc2c53f6887c", "g" * 32, None],
        hex_len=32,
    ),
)
SIGNALS.add(
    "sha256",
    ExactSignal(
        "sha256",
        "any",
        "SHA-256 of the file's bytes; finds identical copies only",
        examples=["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
        invalid_examples=["", "e3b0c442", "x" * 64, b"e3b0"],
        hex_len=64,
    ),
)


def validate_signal(signal_type: str, value: Any) -> str:
    """The normalised hash string for ``signal_type``, or ValueError naming what is wrong."""
    try:
        signal = SIGNALS.get(signal_type)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    return signal.validate(value)
