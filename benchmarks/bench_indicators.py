"""Offender-detail extraction: precision/recall per kind on the labelled set, and throughput vs iocextract.

    .venv/bin/python benchmarks/bench_indicators.py            # 1 MB of chat-like text (default, < 1 min)
    .venv/bin/python benchmarks/bench_indicators.py --mb 20    # bigger run

Precision and recall compare (kind, normalized, valid) per message of ``data/indicators_eval.jsonl`` (built
from templates by ``data/make_indicators_eval.py``) and of ``data/indicators_eval_handwritten.jsonl`` (messy
hand-written messages, written after the extractor and measured before any tuning against them in round 1;
round 2 fixed the rules behind its misses, so it is no longer held out) and of
``data/indicators_eval_round2.jsonl`` (60 fresh messages written after tuning round 2 and before the
extractor was first run on them; its misses are always listed). Round 2 relabelled two phone numbers of the
hand-written set as not valid: they are in Ofcom's drama range, which Haven now reports as reserved.
``data/indicators_eval_blind.jsonl`` (nine varieties, written before the recall work of issue 16 and never
tuned on; see ``make_indicators_eval_blind.py``) is reported per kind with F1; its misses are listed only
with ``--blind-misses``, so reading the output does not turn it into a tuning set.
Throughput: MB per CPU-second of this process (one core; CPU time, so other load on the machine does not
count) and, beside it, MB per wall-second; the same text for both; "chat" is ordinary chat lines with a
share of labelled messages mixed in (0%, 0.5%, 2%: offender details are sparse in real conversations);
"dense" is the labelled messages alone (repeated to the size; "each labelled message once" is the same
without repeats).
iocextract is timed on the 2% chat and the dense text only (it is slow).
The baseline is iocextract's ``extract_iocs`` (plain regexes: URLs, IPs, emails, hashes; no validation).
The last line is the throughput ratio haven/iocextract on the 2% chat text.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import iocextract

from haven.indicators import KINDS
from haven.indicators.base import clear_caches
from haven.indicators.extract import find_hits

DATA = Path(__file__).with_name("data") / "indicators_eval.jsonl"
HANDWRITTEN = Path(__file__).with_name("data") / "indicators_eval_handwritten.jsonl"
ROUND2 = Path(__file__).with_name("data") / "indicators_eval_round2.jsonl"
BLIND = Path(__file__).with_name("data") / "indicators_eval_blind.jsonl"
WORDS = [
    "the",
    "a",
    "to",
    "and",
    "you",
    "i",
    "it",
    "is",
    "that",
    "of",
    "in",
    "for",
    "on",
    "me",
    "my",
    "was",
    "what",
    "we",
    "so",
    "just",
    "do",
    "no",
    "be",
    "have",
    "are",
    "with",
    "this",
    "not",
    "but",
    "at",
    "lol",
    "can",
    "your",
    "get",
    "like",
    "if",
    "up",
    "love",
    "go",
    "all",
    "ok",
    "okay",
    "yeah",
    "now",
    "know",
    "out",
    "one",
    "see",
    "time",
    "when",
    "good",
    "how",
    "going",
    "back",
    "well",
    "think",
    "really",
    "tomorrow",
    "today",
    "tonight",
    "later",
    "work",
    "home",
    "night",
    "morning",
    "haha",
    "babe",
    "miss",
    "want",
    "come",
    "why",
    "who",
    "about",
    "did",
    "dinner",
    "mum",
    "dad",
    "school",
    "class",
    "bus",
    "train",
    "football",
    "match",
    "game",
    "sorry",
    "thanks",
    "thank",
    "please",
    "call",
    "text",
    "weekend",
    "friday",
    "party",
    "movie",
    "photo",
    "pics",
    "food",
    "pizza",
    "coffee",
]


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict]) -> tuple[dict[str, Counter], list[str]]:
    stats: dict[str, Counter] = {k: Counter() for k in KINDS.names()}
    misses: list[str] = []
    for row in rows:
        expected = {(e["kind"], e["normalized"], e["valid"]) for e in row["expect"]}
        got = {(h.kind, h.normalized, h.valid) for h in find_hits(row["text"], row["region"])}
        for kind, norm, valid in got | expected:
            c = stats.setdefault(kind, Counter())
            key = (kind, norm, valid)
            if key in got and key in expected:
                c["tp"] += 1
            elif key in got:
                c["fp"] += 1
                misses.append(f"FP {row['id']} {kind} {norm!r} valid={valid} | {row['text'][:90]!r}")
            else:
                c["fn"] += 1
                misses.append(f"FN {row['id']} {kind} {norm!r} valid={valid} | {row['text'][:90]!r}")
    return stats, misses


def chat_corpus(rows: list[dict], size: int, seed: int = 7, labelled_share: float = 0.02) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        if rng.random() < labelled_share:
            line = rng.choice(rows)["text"]
        else:
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 18)))
            if rng.random() < 0.2:
                line += f" {rng.randrange(1, 60)}"
        parts.append(
            f"[{rng.randrange(1, 28):02d}/11/2026, {rng.randrange(24):02d}:{rng.randrange(60):02d}] "
            f"{rng.choice(['Sam', 'Alex', 'Mum', 'Jess'])}: {line}"
        )
        total += len(parts[-1]) + 1
    return "\n".join(parts)


def dense_corpus(rows: list[dict], size: int) -> str:
    texts = [r["text"] for r in rows]
    out: list[str] = []
    total = 0
    while total < size:
        for t in texts:
            out.append(t)
            total += len(t) + 1
    return "\n".join(out)


def _chunks(text: str, lines_per_chunk: int = 200) -> list[str]:
    lines = text.split("\n")
    return ["\n".join(lines[i : i + lines_per_chunk]) for i in range(0, len(lines), lines_per_chunk)]


def throughput_both(text: str, fn, repeat: int = 3) -> tuple[float, float]:
    """(MB per CPU-second, MB per wall-second), each the best of ``repeat`` passes; Haven's per-value
    result caches are emptied before each pass, so a pass never profits from the one before it (only from
    repeats within itself). On a loaded machine the wall figure counts other processes' time too."""
    chunks = _chunks(text)
    mb = len(text.encode("utf-8")) / 1e6
    best = best_wall = float("inf")
    for _ in range(repeat):
        clear_caches()
        w0, t0 = time.perf_counter(), time.process_time()
        for c in chunks:
            fn(c)
        best = min(best, time.process_time() - t0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return mb / best, mb / best_wall


def throughput(text: str, fn, repeat: int = 3) -> float:
    """MB per CPU-second (see ``throughput_both``)."""
    return throughput_both(text, fn, repeat)[0]


def per_message_throughput(text: str, repeat: int = 3) -> str:
    """Each line on its own, as ``extract_messages`` calls ``extract`` for each message: the fixed cost
    of a call counts here."""
    lines = text.split("\n")
    mb = len(text.encode("utf-8")) / 1e6
    best = float("inf")
    for _ in range(repeat):
        clear_caches()
        t0 = time.process_time()
        for line in lines:
            find_hits(line, "GB")
        best = min(best, time.process_time() - t0)
    return f"haven {mb / best:.1f} MB/CPU-s, {len(lines) / best:,.0f} messages per CPU-s"


def haven_fn(text: str) -> None:
    find_hits(text, "GB")


def ioc_fn(text: str) -> None:
    for _ in iocextract.extract_iocs(text, refang=True):
        pass


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def report(title: str, rows: list[dict], show_misses: bool, f1: bool = False) -> None:
    stats, misses = evaluate(rows)
    print(f"{title}: {len(rows)} messages, {sum(len(r['expect']) for r in rows)} expected findings")
    print(
        f"{'kind':18} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"
        + (f" {'F1':>6}" if f1 else "")
    )
    worst = 1.0
    for kind, c in stats.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        if tp + fp + fn == 0:
            continue
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        worst = min(worst, p, r)
        print(f"{kind:18} {tp:4d} {fp:4d} {fn:4d} {p:9.3f} {r:7.3f}" + (f" {_f1(p, r):6.3f}" if f1 else ""))
    tp = sum(c["tp"] for c in stats.values())
    fp = sum(c["fp"] for c in stats.values())
    fn = sum(c["fn"] for c in stats.values())
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"{'ALL':18} {tp:4d} {fp:4d} {fn:4d} {p:9.3f} {r:7.3f}" + (f" {_f1(p, r):6.3f}" if f1 else ""))
    print(f"lowest per-kind precision or recall: {worst:.3f}")
    print("\n".join(misses) if show_misses else f"({len(misses)} misses; --misses lists them)")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0, help="megabytes of chat-like text (default 1)")
    ap.add_argument("--misses", action="store_true", help="print every false positive / negative")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per figure, best kept (default 3)")
    ap.add_argument(
        "--blind-misses", action="store_true", help="also list the blind set's misses (never tune on them)"
    )
    args = ap.parse_args()
    rows = load()
    handwritten = load(HANDWRITTEN)
    round2 = load(ROUND2)
    report("template set (indicators_eval.jsonl)", rows, args.misses)
    report("hand-written set, held out in round 1, tuned against in round 2", handwritten, args.misses)
    report("round-2 held-out set, written after tuning round 2 (indicators_eval_round2.jsonl)", round2, True)
    report("all three sets", rows + handwritten + round2, False)
    # Reported only, never tuned on (make_indicators_eval_blind.py says how it was written); its misses
    # are not listed unless asked, so reading the output does not turn it into a tuning set.
    report(
        "BLIND held-out set, nine varieties (indicators_eval_blind.jsonl)",
        load(BLIND),
        args.blind_misses,
        True,
    )
    rows = rows + handwritten + round2
    size = int(args.mb * 1e6)
    chat = chat_corpus(rows, size)
    dense = dense_corpus(rows, max(200_000, size // 4))
    haven_fn(chat[:5000])  # compile the prefilter once, outside the timing
    rep = max(1, args.repeat)
    for share in (0.0, 0.005):
        sparse = chat_corpus(rows, size, labelled_share=share)
        cpu, wall = throughput_both(sparse, haven_fn, rep)
        print(
            f"throughput chat with {share:.1%} labelled lines: "
            f"haven {cpu:.1f} MB/CPU-s ({wall:.1f} MB/wall-s)"
        )
    per_message = per_message_throughput(chat_corpus(rows, min(size, 300_000)), rep)
    print(f"throughput one call per message (as extract_messages does), 2% labelled: {per_message}")
    h_chat, h_chat_wall = throughput_both(chat, haven_fn, rep)
    i_chat = throughput(chat, ioc_fn)
    h_dense, h_dense_wall = throughput_both(dense, haven_fn, rep)
    i_dense = throughput(dense, ioc_fn)
    once = "\n".join(r["text"] for r in rows)
    once_mb = len(once.encode()) / 1e6
    o_cpu, o_wall = throughput_both(once, haven_fn, max(5, rep))
    print(
        f"throughput dense, each labelled message once ({once_mb:.2f} MB, no repeats for the caches): "
        f"haven {o_cpu:.1f} MB/CPU-s ({o_wall:.1f} MB/wall-s)"
    )
    for label, text, h, hw, i in (
        ("chat, 2% labelled", chat, h_chat, h_chat_wall, i_chat),
        ("dense", dense, h_dense, h_dense_wall, i_dense),
    ):
        print(
            f"throughput {label} ({len(text) / 1e6:.1f} MB): haven {h:.1f} MB/CPU-s ({hw:.1f} MB/wall-s), "
            f"iocextract {i:.1f} MB/CPU-s"
        )
    sys.stdout.flush()
    print(f"ratio haven/iocextract: {h_chat / i_chat:.2f}")


if __name__ == "__main__":
    main()
