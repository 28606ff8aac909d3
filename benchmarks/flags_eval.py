"""The labelled red-flag evaluation set (``benchmarks/data/flags_eval/``): load it and score a detector.

Conversations are parsed with Haven's importers (``detect_format`` + ``run`` into a ``MemorySink``), the
same way ``haven flags FILE`` reads a chat. Labels (``labels.json``) name, for every text message, the
flags a person would expect; a message is matched to its label by sender and text.

Shared by ``bench_flags.py``, ``bench_flags_embeddings.py`` and the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from haven.core.models import Message
from haven.flags import FLAG_NAMES

EVAL_DIR = Path(__file__).resolve().parent / "data" / "flags_eval"
ORDINARY_FORBIDDEN = ("threat-to-share", "payment-demand")
SPLIT_ORDER = ["dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5"]
BLIND_SPLITS = ("heldout5",)
"""Splits (and ``paraphrases_<split>.json``) written after the last rule change and never tuned on. Keep
them blind: when the lexicon is changed because of them, move them out of here and write a new one."""


@dataclass
class Conversation:
    file: str
    split: str
    kind: str
    victim: str | None
    messages: list[Message]
    expected: dict[str, set[str]]
    """message id -> expected flags (every text message has an entry, often empty)."""


def read_chat(path: Path) -> list[Message]:
    """Messages of one chat export, parsed by Haven's importers (the stand-in below only when the
    importers package cannot be imported, e.g. while it is being built)."""
    try:
        from haven.importers import MemorySink, detect_format
    except ImportError:
        return _standin_read(path)
    sink = MemorySink(keep_bytes=False)
    detect_format(path).run(path, sink)
    return list(sink.messages)


def _standin_read(path: Path) -> list[Message]:
    """A minimal reader for exactly the files ``data/flags_eval/build.py`` writes. Not an importer: it
    exists so the evaluation can run without ``haven.importers``; the benchmark says when it is used."""
    import re
    from datetime import UTC, datetime

    global STANDIN_USED
    STANDIN_USED = True
    rows: list[tuple[str | None, str, datetime | None, bool]] = []
    if path.suffix == ".txt":
        line_re = re.compile(r"^\[?(\d\d/\d\d/\d{4}), (\d\d:\d\d(?::\d\d)?)\]?(?: -)? (?:([^:]+): )?(.*)$")
        for line in path.read_text(encoding="utf-8").splitlines():
            m = line_re.match(line)
            if not m or "end-to-end encrypted" in line:
                continue
            fmt = "%d/%m/%Y %H:%M:%S" if m[2].count(":") == 2 else "%d/%m/%Y %H:%M"
            when = datetime.strptime(f"{m[1]} {m[2]}", fmt).replace(tzinfo=UTC)
            media = "omitted>" in m[4] or "<attached:" in m[4]
            rows.append((m[3], "" if media else m[4], when, media))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "participants" in data:  # Instagram
            for e in reversed(data["messages"]):
                fix = lambda v: v.encode("latin-1").decode("utf-8")  # noqa: E731
                when = datetime.fromtimestamp(e["timestamp_ms"] / 1000, UTC)
                rows.append((fix(e["sender_name"]), fix(e.get("content", "")), when, "photos" in e))
        elif "guild" in data:  # Discord
            for e in data["messages"]:
                rows.append(
                    (
                        e["author"]["name"],
                        e["content"],
                        datetime.fromisoformat(e["timestamp"]),
                        bool(e["attachments"]),
                    )
                )
        else:  # Telegram
            for e in data["messages"]:
                when = datetime.fromtimestamp(int(e["date_unixtime"]), UTC)
                rows.append((e["from"], e["text"], when, "photo" in e))
    return [
        Message(
            id=f"{path.stem}-{i}",
            source_format="standin",
            conversation=path.stem,
            sender=sender,
            timestamp_utc=when,
            text=text,
            kind="media" if media else "text",
        )
        for i, (sender, text, when, media) in enumerate(rows)
    ]


STANDIN_USED = False


def _key(sender: str | None, text: str) -> tuple[str, str]:
    return ((sender or "").strip(), " ".join(text.split()))


def load(split: str | None = None) -> list[Conversation]:
    labels = json.loads((EVAL_DIR / "labels.json").read_text(encoding="utf-8"))
    out = []
    for entry in labels:
        if split and entry["split"] != split:
            continue
        messages = read_chat(EVAL_DIR / entry["file"])
        wanted = {_key(m["sender"], m["text"]): set(m["flags"]) for m in entry["messages"]}
        expected: dict[str, set[str]] = {}
        found = set()
        for msg in messages:
            k = _key(msg.sender, msg.text)
            if k in wanted:
                expected[msg.id] = wanted[k]
                found.add(k)
        missing = set(wanted) - found
        if missing:
            raise ValueError(
                f"{entry['file']}: labelled messages not found after import: {sorted(missing)[:3]}"
            )
        out.append(
            Conversation(entry["file"], entry["split"], entry["kind"], entry["victim"], messages, expected)
        )
    return out


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    mistakes: list[str] = field(default_factory=list)
    ordinary_violations: list[str] = field(default_factory=list)

    def precision(self, flag: str) -> float:
        d = self.tp[flag] + self.fp[flag]
        return self.tp[flag] / d if d else 1.0

    def recall(self, flag: str) -> float:
        d = self.tp[flag] + self.fn[flag]
        return self.tp[flag] / d if d else 1.0

    def table(self) -> str:
        lines = [f"{'flag':<18} {'P':>5} {'R':>5} {'tp':>4} {'fp':>4} {'fn':>4}"]
        for flag in FLAG_NAMES:
            lines.append(
                f"{flag:<18} {self.precision(flag):5.2f} {self.recall(flag):5.2f} "
                f"{self.tp[flag]:4d} {self.fp[flag]:4d} {self.fn[flag]:4d}"
            )
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        lines.append(
            f"{'ALL (micro)':<18} {tp / max(tp + fp, 1):5.2f} {tp / max(tp + fn, 1):5.2f} "
            f"{tp:4d} {fp:4d} {fn:4d}"
        )
        return "\n".join(lines)


Predictor = Callable[[list[Message]], dict[str, set[str]]]


def score(conversations: list[Conversation], predict: Predictor) -> Scores:
    s = Scores()
    for conv in conversations:
        got = predict(conv.messages)
        for msg in conv.messages:
            exp = conv.expected.get(msg.id, set())
            have = got.get(msg.id, set())
            for flag in FLAG_NAMES:
                if flag in exp and flag in have:
                    s.tp[flag] += 1
                elif flag in have:
                    s.fp[flag] += 1
                    s.mistakes.append(f"FP {flag:<17} {conv.file}: {msg.sender}: {msg.text[:90]}")
                elif flag in exp:
                    s.fn[flag] += 1
                    s.mistakes.append(f"FN {flag:<17} {conv.file}: {msg.sender}: {msg.text[:90]}")
            if conv.kind.startswith("ordinary"):
                for flag in ORDINARY_FORBIDDEN:
                    if flag in have:
                        s.ordinary_violations.append(f"{conv.file}: {flag}: {msg.text[:80]}")
    return s


PARA_SETUP = [("Them", "I recorded you. Pay £200 or I send it to your family."), ("Me", "please don't")]
PARA_PAID = [*PARA_SETUP, ("Them", "then pay"), ("Me", "ok I sent it, I paid the £200")]
"""How a paraphrase is read: after a recording claim and a threat (repeat-demand: also after a payment)."""


@dataclass
class ParaScores:
    file: str
    hits: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    negatives_flagged: list[str] = field(default_factory=list)
    negatives: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        hit, total = sum(self.hits.values()), sum(self.totals.values())
        per = " ".join(f"{k}={self.hits[k]}/{self.totals[k]}" for k in self.totals)
        return (
            f"{self.file}: recall {hit}/{total} ({hit / max(total, 1):.2f})  {per}  | negatives flagged "
            f"{len(self.negatives_flagged)}/{self.negatives}"
        )


def paraphrase_files() -> list[Path]:
    return sorted(EVAL_DIR.glob("paraphrases*.json"))


def score_paraphrases(path: Path, predict: Predictor) -> ParaScores:
    """Single-message check: each positive must raise its flag; each negative must raise nothing."""
    para = json.loads(path.read_text(encoding="utf-8"))

    def chat(lines: list[tuple[str, str]]) -> list[Message]:
        return [
            Message(id=f"p{i}", source_format="test", conversation="p", sender=s, text=t)
            for i, (s, t) in enumerate(lines)
        ]

    s = ParaScores(path.name)
    for flag, phrases in para["positives"].items():
        s.totals[flag] = len(phrases)
        s.hits[flag] = 0
        setup = PARA_PAID if flag == "repeat-demand" else PARA_SETUP
        who = "Me" if flag == "self-harm-risk" else "Them"
        for p in phrases:
            got = predict(chat([*setup, (who, p)])).get(f"p{len(setup)}", set())
            if flag in got:
                s.hits[flag] += 1
            else:
                s.misses.append(f"MISS {flag:<17} {p}")
    for n in para["negatives"]:
        s.negatives += 1
        got = predict(chat([("Friend", "hey"), ("Other", n)])).get("p1", set())
        if got:
            s.negatives_flagged.append(f"FALSE {sorted(got)}: {n}")
    return s
