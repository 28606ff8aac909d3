"""Benchmark and evaluation of ``haven check-email`` (haven.mail.check_email).

Also the labelled corpus (benchmarks/data/email_corpus, template families in ten varieties): its blind
split, never used to train or tune, with the hybrid verdict (rules + shipped model) beside the rule layer
alone; the last line is the ratio of their exact-verdict shares.

Runs the hand-written evaluation set (benchmarks/data/email_eval/cases.toml: scams in six languages with
obfuscations, targeted threats, hard negatives) plus the real mailing-list emails from ../shared when present,
and prints precision / recall per verdict, the scam-bluff vs not-sextortion figures, and speed in emails/s.

There is no speed anchor named for this capability, so the anchor is a simple keyword-only classifier run on
the same parsed emails ("bitcoin/btc" together with "video/webcam/camera/recorded"); the last line is the
ratio of Haven's speed to that baseline's, labelled as such (Haven does far more work per email, so the
ratio is below 1; the baseline's accuracy is printed beside it).

    .venv/bin/python benchmarks/bench_email.py             # default: eval set once (~1 minute with OCR)
    .venv/bin/python benchmarks/bench_email.py --repeat 5  # more timing rounds
    .venv/bin/python benchmarks/bench_email.py --no-ocr -v # skip picture reading, list every miss
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "data" / "email_eval"))
sys.path.insert(0, str(ROOT / "data" / "email_corpus"))

from build import CASES, EvalEmail, build_all  # noqa: E402
from load import email_bytes, rows  # noqa: E402

from haven.importers.emailparse import parse_email  # noqa: E402
from haven.mail import NOT, SCAM, TARGETED, VERDICTS, check_email  # noqa: E402
from haven.mail.check import load_email  # noqa: E402

SHARED = ROOT.parent.parent / "shared" / "corpora" / "sextortion-emails-mailing-lists"


def real_emails() -> list[EvalEmail]:
    if not SHARED.is_dir():
        return []
    out = []
    for path in sorted(SHARED.glob("*.eml*")):
        label = NOT if path.name.startswith("NEGATIVE") else SCAM
        out.append(EvalEmail(f"real:{path.name}", label, "en", [], path.read_bytes()))
    return out


def keyword_baseline(data: bytes) -> str:
    """The anchor: a keyword-only classifier on the decoded text (no de-obfuscation, no languages)."""
    try:
        text = load_email(data).text.lower()
    except Exception:
        text = data.decode("utf-8", "replace").lower()
    money = "bitcoin" in text or "btc" in text
    claim = any(word in text for word in ("video", "webcam", "camera", "recorded"))
    return SCAM if money and claim else NOT


def prf(pairs: list[tuple[str, str]], label: str) -> tuple[float, float, int]:
    tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
    fp = sum(1 for gold, pred in pairs if gold != label and pred == label)
    fn = sum(1 for gold, pred in pairs if gold == label and pred != label)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp + fn


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="timing rounds over the whole set")
    parser.add_argument("--no-ocr", action="store_true", help="do not read text in pictures")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every misclassified email")
    args = parser.parse_args()

    emails = build_all() + real_emails()
    print(
        f"evaluation set: {len(emails)} emails "
        f"({', '.join(f'{k}={v}' for k, v in sorted(Counter(e.label for e in emails).items()))})"
    )
    check_email(emails[0].data, ocr=not args.no_ocr)  # warm up: load word lists and the language model

    preds: dict[str, str] = {}
    start = time.perf_counter()
    for _ in range(args.repeat):
        for item in emails:
            preds[item.id] = check_email(item.data, item.id, ocr=not args.no_ocr).verdict
    haven_rate = len(emails) * args.repeat / (time.perf_counter() - start)

    base_preds: dict[str, str] = {}
    start = time.perf_counter()
    for _ in range(args.repeat):
        for item in emails:
            base_preds[item.id] = keyword_baseline(item.data)
    base_rate = len(emails) * args.repeat / (time.perf_counter() - start)

    pairs = [(e.label, preds[e.id]) for e in emails]
    print(f"\n{'verdict':<16}{'precision':>10}{'recall':>8}{'n':>5}")
    for label in VERDICTS:
        p, r, n = prf(pairs, label)
        print(f"{label:<16}{p:>10.3f}{r:>8.3f}{n:>5}")

    binary = [(g, p) for g, p in pairs if g in (SCAM, NOT)]
    p, r, n = prf(binary, SCAM)
    print(
        f"\nscam-bluff vs not-sextortion (emails labelled one of the two, n={len(binary)}): "
        f"precision {p:.3f}, recall {r:.3f}"
    )
    any_pairs = [("sextortion" if g != NOT else NOT, "sextortion" if q != NOT else NOT) for g, q in pairs]
    p2, r2, _ = prf(any_pairs, "sextortion")
    print(f"any sextortion (scam-bluff or targeted) vs not-sextortion: precision {p2:.3f}, recall {r2:.3f}")
    for lang in ("en", "de", "fr", "es", "it", "nl"):
        sub = [(e.label, preds[e.id]) for e in emails if e.lang == lang]
        right = sum(1 for g, q in sub if g == q)
        print(f"  {lang}: {right}/{len(sub)} correct")
    confusion = Counter((g, q) for g, q in pairs)
    print(
        "\nconfusion (gold -> predicted): "
        + ", ".join(f"{g}->{q}: {c}" for (g, q), c in sorted(confusion.items()))
    )
    misses = [e for e in emails if preds[e.id] != e.label]
    if args.verbose or misses:
        for item in misses:
            print(f"  MISS {item.id}: gold {item.label}, got {preds[item.id]} {item.obfuscations}")

    holdout = build_all(CASES.with_name("cases_holdout.toml"))
    held = [(e.label, check_email(e.data, e.id, ocr=not args.no_ocr).verdict, e) for e in holdout]
    held_rule = [
        (e.label, check_email(e.data, e.id, ocr=not args.no_ocr, use_model=False).verdict) for e in holdout
    ]
    table("held-out set (written after tuning, never tuned on), hybrid", [(g, q) for g, q, _ in held])
    table("held-out set, rule layer alone", held_rule)
    for gold, got, item in held:
        if gold != got:
            print(f"  MISS {item.id}: gold {gold}, got {got} {item.obfuscations}")

    ratio = corpus_blind(not args.no_ocr)

    base_pairs = [(e.label if e.label != TARGETED else SCAM, base_preds[e.id]) for e in emails]
    bp, br, _ = prf(base_pairs, SCAM)
    print(f"\nkeyword baseline (anchor), any sextortion: precision {bp:.3f}, recall {br:.3f}")
    print(
        f"speed: haven {haven_rate:.1f} emails/s ({'no OCR' if args.no_ocr else 'with OCR'}), "
        f"keyword baseline {base_rate:.1f} emails/s"
    )
    _ = parse_email  # the baseline uses the same parser through load_email
    print(f"speed ratio haven/keyword-baseline (emails/s): {haven_rate / base_rate:.4f}")
    print(f"ratio hybrid/rule-only exact verdict on the corpus's blind split: {ratio:.3f}")


def table(title: str, pairs: list[tuple[str, str]]) -> float:
    """Per-verdict precision/recall, sextortion-vs-not and exact verdict; returns the exact share."""
    print(f"\n{title}: {len(pairs)} emails")
    print(f"{'verdict':<16}{'precision':>10}{'recall':>8}{'n':>5}")
    for label in VERDICTS:
        p, r, n = prf(pairs, label)
        print(f"{label:<16}{p:>10.3f}{r:>8.3f}{n:>5}")
    any_pairs = [("sextortion" if g != NOT else NOT, "sextortion" if q != NOT else NOT) for g, q in pairs]
    p2, r2, _ = prf(any_pairs, "sextortion")
    exact = sum(1 for g, q in pairs if g == q) / max(1, len(pairs))
    print(f"sextortion vs not: precision {p2:.3f}, recall {r2:.3f}; exact verdict {exact:.3f}")
    return exact


def corpus_blind(ocr: bool) -> float:
    """The labelled corpus's blind families (never used to train or tune): hybrid and rule-only verdicts,
    overall and per variety. Returns the ratio of exact-verdict shares hybrid/rule-only."""
    blind = rows("blind")
    hybrid, rule = [], []
    for r in blind:
        data = email_bytes(r)
        hybrid.append((r["label"], check_email(data, r["id"], ocr=ocr).verdict))
        rule.append((r["label"], check_email(data, r["id"], ocr=ocr, use_model=False).verdict))
    families = len({r["family"] for r in blind})
    h = table(f"corpus BLIND split, hybrid (rules + shipped model), {families} families", hybrid)
    o = table("corpus BLIND split, rule layer alone (today's lexicon-only verdict)", rule)
    for variety in sorted({r["variety"] for r in blind}):
        idx = [i for i, r in enumerate(blind) if r["variety"] == variety]
        hv = sum(hybrid[i][0] == hybrid[i][1] for i in idx)
        rv = sum(rule[i][0] == rule[i][1] for i in idx)
        print(f"  {variety}: hybrid {hv}/{len(idx)}, rule-only {rv}/{len(idx)}")
    return h / o if o else float("inf")


if __name__ == "__main__":
    main()
