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
Speed is messages per CPU-second. The LAST line is ``ratio haven/naive-keyword-baseline (messages/s): X``.

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
from haven.core.models import Message
from haven.flags import FLAG_NAMES, detect, load_lexicon

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the set for the speed figure")
    parser.add_argument("--mistakes", action="store_true", help="list every false positive / negative")
    args = parser.parse_args()

    conversations = flags_eval.load()
    if flags_eval.STANDIN_USED:
        print("NOTE: haven.importers could not be imported; the stand-in reader in flags_eval.py was used")
    splits = sorted({c.split for c in conversations}, key=flags_eval.SPLIT_ORDER.index)
    print(
        f"labelled set: {len(conversations)} conversations, "
        f"{sum(len(c.messages) for c in conversations)} messages, "
        f"{sum(len(f) for c in conversations for f in c.expected.values())} expected flags"
    )
    all_scores = tuned_scores = None
    for split in [*splits, "tuned", "all"]:
        if split == "tuned":  # every split the lexicon has been tuned on (not the blind ones)
            chosen = [c for c in conversations if c.split not in flags_eval.BLIND_SPLITS]
        else:
            chosen = [c for c in conversations if split in ("all", c.split)]
        s = flags_eval.score(chosen, haven_predict)
        print(f"\n== Haven, split {split} ({len(chosen)} conversations)")
        print(s.table())
        if args.mistakes and split not in ("all", "tuned"):
            print("\n".join(s.mistakes))
        if split == "all":
            all_scores = s
        if split == "tuned":
            tuned_scores = s
    assert all_scores is not None and tuned_scores is not None
    print(
        "\nordinary conversations with threat-to-share or payment-demand:",
        len(all_scores.ordinary_violations),
        all_scores.ordinary_violations or "",
    )
    right = 0
    for c in conversations:
        victim = detect(c.messages).summary["victim"]
        expected = [c.victim] if c.victim else None
        right += victim == expected
        if victim != expected:
            print(f"victim guess wrong in {c.file}: {victim} (expected {expected})")
    print(f"victim found (or rightly left unknown): {right}/{len(conversations)}")
    for label, sc in (("tuned splits", tuned_scores), ("all splits incl. blind", all_scores)):
        failed = [
            f for f in FLAG_NAMES if f != "self-harm-risk" and (sc.precision(f) < 0.9 or sc.recall(f) < 0.9)
        ]
        print(
            f"targets ({label}): self-harm-risk recall {sc.recall('self-harm-risk'):.2f} "
            f"(target 1.0); flags below 0.9 P or R: {failed or 'none'}"
        )

    print("\n== single-message paraphrases (positives found per flag; negatives flagged)")
    for path in flags_eval.paraphrase_files():
        p = flags_eval.score_paraphrases(path, haven_predict)
        print(p.line())
        if args.mistakes:
            print("\n".join(p.misses + p.negatives_flagged))

    naive = flags_eval.score(conversations, naive_predict)
    print("\n== BASELINE (naive keywords, not Haven), all splits")
    print(naive.table())
    ours = throughput(conversations, haven_predict, args.repeat)
    base = throughput(conversations, naive_predict, args.repeat)
    print(
        f"\nhaven: {ours:,.0f} messages/CPU-s; naive keyword baseline: {base:,.0f} messages/CPU-s"
        f" (RE2 prefilter {'on' if load_lexicon('en')._prefilter[0]._set is not None else 'OFF'})"
    )
    print(f"ratio haven/naive-keyword-baseline (messages/s): {ours / base:.4f}")


if __name__ == "__main__":
    main()
