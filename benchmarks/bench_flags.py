"""Benchmark the red-flag detector on the labelled conversation set (``data/flags_eval/``).

Prints precision / recall per flag for each split, checks that ordinary conversations get no
threat-to-share or payment-demand, checks who Haven thinks the victim is, and measures messages/s.

Splits, honestly: ``dev`` was used to tune the lexicon. ``heldout`` .. ``heldout4`` were each written
before the lexicon saw them, scored once blind, and then their errors were fixed too; so they are tuned
on now. ``heldout5`` (and ``paraphrases_heldout5.json``) was written after the last rule change and has
not been tuned on. First, blind scores of every split are in ``docs/usage/flags.md`` and the data
README. Write a new split to measure generalisation again.

The speed anchor is a naive keyword baseline (labelled as such below: substring keywords per flag, no
sides, no context). Its precision/recall is printed too, so the ratio is not read as "faster is better".
Speed is messages per CPU-second. The synthetic corpus (``data/flags_corpus``, blind and dev splits) is
scored with the lexicon alone (``mode="lexicon"``, the anchor) and with the hybrid detector in the same
run. The LAST line is ``ratio hybrid/lexicon (blind macro-F1): X``.

    .venv/bin/python benchmarks/bench_flags.py             # small default, a few seconds
    .venv/bin/python benchmarks/bench_flags.py --repeat 200 # longer timing run
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flags_eval

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import train_flags

from haven.core.models import Message
from haven.flags import FLAG_NAMES, detect

NAIVE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "sexual-escalation": ("sexy", "naked", "nude", "hot", "bed", "clothes"),
    "image-request": ("send me a pic", "pics", "photo", "video call", "webcam", "camera"),
    "move-platform": ("snap", "whatsapp", "skype", "telegram", "hangouts"),
    "identity-claim": ("i am a", "i'm a", "im 1", "i'm 2", "years old"),
    "recording-claim": ("recorded", "screenshot", "saved"),
    "threat-to-share": ("send it to", "post it", "everyone", "your family", "followers"),
    "contact-list": ("followers", "friends list", "your mum", "your boss"),
    "payment-demand": ("pay", "money", "gift card", "bitcoin", "western union", "£", "$"),
    "deadline": ("hour", "minutes", "tonight", "midnight", "tomorrow"),
    "repeat-demand": ("more", "another"),
    "self-harm-risk": ("die", "kill myself", "suicide", "end it", "can't go on"),
}


def naive_predict(messages: list[Message]) -> dict[str, set[str]]:
    """BASELINE, not Haven: any keyword anywhere in the message raises the flag."""
    out: dict[str, set[str]] = {}
    for m in messages:
        low = m.text.lower()
        hits = {flag for flag, words in NAIVE_KEYWORDS.items() if any(w in low for w in words)}
        if hits:
            out[m.id] = hits
    return out


def haven_predict(messages: list[Message]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in detect(messages).flags:
        out.setdefault(f.message_id, set()).add(f.flag)
    return out


def throughput(conversations: list[flags_eval.Conversation], predict, repeat: int) -> float:
    """Messages per CPU-second (the machine is shared, so wall time says little), after one warm-up
    pass (lazy imports such as haven.indicators). Nothing is cached between calls of ``detect``."""
    for c in conversations:
        predict(c.messages)
    n = sum(len(c.messages) for c in conversations) * repeat
    start = time.process_time()
    for _ in range(repeat):
        for c in conversations:
            predict(c.messages)
    return n / max(time.process_time() - start, 1e-9)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def corpus_scores(split: str, mode: str) -> dict[str, tuple[int, int, int]]:
    """Per flag (tp, fp, fn) of ``detect(mode=...)`` on one split of ``data/flags_corpus``."""
    counts = {f: [0, 0, 0] for f in FLAG_NAMES}
    for rows in train_flags.load(split):
        msgs = train_flags.to_messages(rows)
        got: dict[str, set[str]] = {}
        for f in detect(msgs, mode=mode).flags:
            got.setdefault(f.message_id, set()).add(f.flag)
        for m, r in zip(msgs, rows, strict=True):
            want, have = set(r["labels"]), got.get(m.id, set())
            for f in FLAG_NAMES:
                counts[f][0] += f in want and f in have
                counts[f][1] += f in have and f not in want
                counts[f][2] += f in want and f not in have
    return {f: (c[0], c[1], c[2]) for f, c in counts.items()}


def print_table(title: str, before: dict, after: dict) -> float:
    """Side-by-side per-flag table; returns after/before macro-F1 over flags with >= 5 examples."""
    print(f"\n== {title}: lexicon-only (before) vs hybrid (after)")
    print(f"{'flag':20} {'n':>4}  {'P':>5} {'R':>5} {'F1':>5}  |  {'P':>5} {'R':>5} {'F1':>5}")
    fb, fa = [], []
    for f in FLAG_NAMES:
        n = before[f][0] + before[f][2]
        pb, rb, f1b = _prf(*before[f])
        pa, ra, f1a = _prf(*after[f])
        print(f"{f:20} {n:4d}  {pb:5.2f} {rb:5.2f} {f1b:5.2f}  |  {pa:5.2f} {ra:5.2f} {f1a:5.2f}")
        if n >= 5:
            fb.append(f1b)
            fa.append(f1a)
    mb, ma = sum(fb) / max(len(fb), 1), sum(fa) / max(len(fa), 1)
    print(f"{'macro F1 (n>=5)':20} {'':4}  {'':5} {'':5} {mb:5.2f}  |  {'':5} {'':5} {ma:5.2f}")
    return ma / mb if mb else float("inf")


def corpus_throughput(split: str, mode: str, repeat: int) -> tuple[float, float]:
    convs = [train_flags.to_messages(rows) for rows in train_flags.load(split)]
    for msgs in convs:
        detect(msgs, mode=mode)
    n = sum(len(m) for m in convs) * repeat
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for msgs in convs:
            detect(msgs, mode=mode)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(
        f"{mode:8} {n:7d} messages  wall {wall:6.2f} s  CPU {cpu:6.2f} s  "
        f"{n / max(cpu, 1e-9):10,.0f} messages/CPU-s"
    )
    return n / max(cpu, 1e-9), wall


def generated_chat(n: int) -> list[Message]:
    """A realistic chat of ``n`` messages (``bench_scale.generate``: ordinary messages, about one in 170
    with offender details or a threat), read back into messages with the export's senders and times."""
    import re
    import tempfile
    from datetime import datetime

    from bench_scale import generate

    line = re.compile(r"(\d\d)/(\d\d)/(\d{4}), (\d\d):(\d\d) - ([^:]+): (.*)")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.txt"
        generate(path, n)
        for text in path.read_text(encoding="utf-8").splitlines()[1:]:
            m = line.match(text)
            if m is None:
                rows[-1]["text"] += "\n" + text
                continue
            d, mo, y, h, mi, who, body = m.groups()
            when = datetime(int(y), int(mo), int(d), int(h), int(mi))
            rows.append({"id": f"g{len(rows)}", "sender": who, "timestamp_utc": when, "text": body})
    return [Message(source_format="whatsapp", conversation="chat", **r) for r in rows]


def chat_throughput(n: int) -> float:
    """Messages per CPU-second of ``detect`` over one generated chat of ``n`` messages, after a warm-up
    on its first 200 (one-off loads: lexicon, model, the Hyperscan database when a cache dir holds it,
    ``haven.indicators``; their CPU time is printed on its own line, not counted in the rate)."""
    msgs = generated_chat(n)
    c0 = time.process_time()
    detect(msgs[:200])
    import haven.indicators  # noqa: F401  (imported lazily by the detector on the first payment detail)

    print(f"chat     one-off loads before the timed run: CPU {time.process_time() - c0:6.2f} s")
    c0, w0 = time.process_time(), time.perf_counter()
    flags = len(detect(msgs).flags)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(
        f"chat     {len(msgs):7d} messages  wall {wall:6.2f} s  CPU {cpu:6.2f} s  "
        f"{len(msgs) / max(cpu, 1e-9):10,.0f} messages/CPU-s  {len(msgs) / max(wall, 1e-9):10,.0f} "
        f"messages/wall-s  ({flags} flags)"
    )
    return len(msgs) / max(cpu, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="passes over the blind split for the speed figure"
    )
    parser.add_argument(
        "--chat", type=int, default=20000, help="messages of the generated realistic chat timed (0: none)"
    )
    args = parser.parse_args()

    ratio = 1.0
    for split in ("blind", "dev"):
        before, after = corpus_scores(split, "lexicon"), corpus_scores(split, "hybrid")
        r = print_table(f"synthetic corpus, split {split}", before, after)
        if split == "blind":
            ratio = r

    conversations = flags_eval.load()
    groups = {
        "older held-out sets (tuned on by the lexicon)": [
            c for c in conversations if c.split not in flags_eval.BLIND_SPLITS
        ],
        "independent blind set heldout5": [c for c in conversations if c.split in flags_eval.BLIND_SPLITS],
    }
    for title, chosen in groups.items():
        for mode in ("lexicon", "hybrid"):
            s = flags_eval.score(chosen, lambda msgs, mode=mode: predict(msgs, mode))
            print(f"\n== {title} ({len(chosen)} conversations), mode {mode}")
            print(s.table())
    for mode in ("lexicon", "hybrid"):
        print(f"\n== single-message paraphrases, mode {mode}")
        for path in flags_eval.paraphrase_files():
            print(flags_eval.score_paraphrases(path, lambda msgs, mode=mode: predict(msgs, mode)).line())

    print("\n== speed, one core, blind split of the synthetic corpus")
    lex, _ = corpus_throughput("blind", "lexicon", args.repeat)
    hyb, _ = corpus_throughput("blind", "hybrid", args.repeat)
    print(
        f"speed ratio hybrid/lexicon (messages/CPU-s): {hyb / lex:.4f}  "
        f"(target >= 20,000 messages/s: {hyb:,.0f})"
    )
    if args.chat:
        print("\n== speed, one core, a generated realistic chat (benchmarks/bench_scale.py's generator)")
        chat = chat_throughput(args.chat)
        print(f"speed ratio chat/target (messages/CPU-s over 20,000): {chat / 20000:.4f}")
    print(f"ratio hybrid/lexicon (blind macro-F1): {ratio:.4f}")


def predict(messages: list[Message], mode: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in detect(messages, mode=mode).flags:
        out.setdefault(f.message_id, set()).add(f.flag)
    return out


if __name__ == "__main__":
    main()
