"""Build the red-flag model weights (``src/haven/flags/data/flags_model.npz``) from the labelled corpus.

    .venv/bin/python scripts/train_flags.py            # rebuild and write the shipped weights
    .venv/bin/python scripts/train_flags.py --check    # rebuild in memory, compare with the shipped file

Fixed seed, deterministic solver (liblinear). Trained on the ``train`` split of
``benchmarks/data/flags_corpus/corpus.jsonl``; per-flag thresholds picked on ``dev`` (best F1; for
self-harm the highest threshold that keeps dev recall at 1.00, halved). ``blind`` is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "data" / "flags_corpus" / "corpus.jsonl"
SHIPPED = ROOT / "src" / "haven" / "flags" / "data" / "flags_model.npz"
SEED = 16


def lexicon_rows() -> list[list[dict]]:
    """The lexicon's own examples and counter-examples, as one-message chats (train only: they teach the
    model what the rules already know, both ways)."""
    from haven.flags import load_lexicon

    out = []
    for name, spec in load_lexicon("en").flags.items():
        speaker = "me" if name == "self-harm-risk" else "them"
        for kind, labels in (("examples", [name]), ("counter_examples", [])):
            for i, text in enumerate(getattr(spec, kind)):
                conv = f"lexicon-{name}-{kind}-{i}"
                out.append(
                    [{"conversation": conv, "index": 0, "speaker": speaker, "text": text, "labels": labels}]
                )
    return out


def load(split: str) -> list[list[dict]]:
    """Conversations of one split, each a list of corpus rows in order."""
    convs: dict[str, list[dict]] = defaultdict(list)
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split"] == split:
                convs[row["conversation"]].append(row)
    return [sorted(rows, key=lambda r: r["index"]) for rows in convs.values()]


def to_messages(rows: list[dict]) -> list:
    from haven.core.models import Message

    return [
        Message(
            id=f"{r['conversation']}-{r['index']}",
            source_format="corpus",
            conversation=r["conversation"],
            sender="Me" if r["speaker"] == "me" else "Them",
            from_me=r["speaker"] == "me",
            text=r["text"],
        )
        for r in rows
    ]


def lexicon_sets(messages: list) -> list[set[str]]:
    from haven.flags import detect

    got: dict[str, set[str]] = {}
    for f in detect(messages, mode="lexicon").flags:
        got.setdefault(f.message_id, set()).add(f.flag)
    return [got.get(m.id, set()) for m in messages]


def design(split: str):
    from scipy.sparse import vstack

    from haven.flags.lexicon import FLAG_NAMES
    from haven.flags.model import features

    xs, ys = [], []
    for rows in load(split) + (lexicon_rows() if split == "train" else []):
        msgs = to_messages(rows)
        xs.append(features([m.text for m in msgs], lexicon_sets(msgs), [r["speaker"] for r in rows]))
        ys.extend([[f in r["labels"] for f in FLAG_NAMES] for r in rows])
    return vstack(xs, format="csr"), np.array(ys, dtype=bool)


def _threshold(p: np.ndarray, y: np.ndarray, recall_first: bool) -> float:
    if recall_first:
        return float(min(0.5, p[y].min() / 2)) if y.any() else 0.5
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.5, 0.96, 0.05):  # never below 0.5: the dev split is small and easy
        pred = p >= t
        tp = float((pred & y).sum())
        f1 = 2 * tp / max(float(pred.sum() + y.sum()), 1.0)
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return best


def train():
    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression

    from haven.flags.lexicon import FLAG_NAMES
    from haven.flags.model import CONTEXT_NAMES, N_TEXT, Model

    x, y = design("train")
    # self-harm reads the words and who speaks only: in the corpus it comes late in a chat, after threats,
    # and the model must not learn "a victim's line after a threat is a self-harm cue"
    keep = [1.0] * N_TEXT + [float(n.startswith(("speaker:", "lex:self-harm"))) for n in CONTEXT_NAMES]
    x_self = x @ diags(keep)
    coefs, intercepts = [], []
    for j in range(len(FLAG_NAMES)):
        clf = LogisticRegression(
            C=8.0, solver="liblinear", class_weight="balanced", random_state=SEED, max_iter=500
        )
        clf.fit(x_self if FLAG_NAMES[j] == "self-harm-risk" else x, y[:, j])
        coefs.append(clf.coef_[0])
        intercepts.append(clf.intercept_[0])
    model = Model(
        np.array(coefs, dtype=np.float32),
        np.array(intercepts, dtype=np.float32),
        np.full(len(FLAG_NAMES), 0.5),
    )
    xd, yd = design("dev")
    z = np.asarray(xd @ model.coef.T) + model.intercept
    p = 1.0 / (1.0 + np.exp(-z))
    thresholds = [
        _threshold(p[:, j], yd[:, j], name == "self-harm-risk") for j, name in enumerate(FLAG_NAMES)
    ]
    return Model(model.coef, model.intercept, np.array(thresholds, dtype=np.float32))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the shipped weights")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    model = train()
    if args.check:
        from haven.flags.model import load_from

        shipped = load_from(SHIPPED)
        same = all(
            np.allclose(a, b, atol=1e-5)
            for a, b in (
                (model.coef, shipped.coef),
                (model.intercept, shipped.intercept),
                (model.threshold, shipped.threshold),
            )
        )
        print("shipped weights reproduce" if same else "shipped weights DIFFER from a rebuild")
        return 0 if same else 1
    model.save(SHIPPED)
    print(
        f"wrote {SHIPPED.relative_to(ROOT)} ({SHIPPED.stat().st_size // 1024} KiB); thresholds "
        + ", ".join(f"{t:.2f}" for t in model.threshold)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
