"""Build the email verdict model (``src/haven/mail/data/verdict_model.json``) from the labelled emails.

    .venv/bin/python scripts/train_mail.py            # rebuild and write the shipped weights
    .venv/bin/python scripts/train_mail.py --check    # rebuild in memory, compare with the shipped file

Trained on the ``train`` split of ``benchmarks/data/email_corpus/corpus.jsonl`` (template families, see its
README) and on the tuned evaluation cases ``benchmarks/data/email_eval/cases.toml``; the corpus's ``blind``
families and ``cases_holdout.toml`` are never read here. Inputs are the rule layer's evidence for each email
(``haven.mail.verdict.model_values``, pictures not read so the build needs no Tesseract); the model is
scikit-learn's multinomial logistic regression (lbfgs, deterministic; fixed seed, balanced class weights).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "data" / "email_corpus"))
sys.path.insert(0, str(ROOT / "benchmarks" / "data" / "email_eval"))

from build import build_all  # noqa: E402
from load import email_bytes, rows  # noqa: E402

from haven.mail.check import check_email  # noqa: E402
from haven.mail.model import FEATURES, feature_vector  # noqa: E402
from haven.mail.verdict import VERDICTS  # noqa: E402

SHIPPED = ROOT / "src" / "haven" / "mail" / "data" / "verdict_model.json"
SEED = 16
C = 1.0


def training_set() -> tuple[np.ndarray, np.ndarray]:
    emails = [(email_bytes(r), r["id"], r["label"]) for r in rows("train")]
    emails += [(e.data, e.id, e.label) for e in build_all()]
    x, y = [], []
    for data, name, label in emails:
        values = check_email(data, name, ocr=False, use_model=False).signals["features"]
        x.append(feature_vector(values))
        y.append(VERDICTS.index(label))
    return np.array(x, dtype=float), np.array(y)


def train() -> dict:
    x, y = training_set()
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", random_state=SEED)
    clf.fit(x, y)
    return {
        "about": "haven.mail.model weights; built by scripts/train_mail.py, do not edit by hand",
        "classes": [VERDICTS[i] for i in clf.classes_],
        "features": list(FEATURES),
        "coef": [[round(float(v), 6) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 6) for v in clf.intercept_],
        "trained_on": {
            "emails": len(y),
            "per_class": {VERDICTS[i]: int((y == i).sum()) for i in set(y)},
        },
    }


def same(a: dict, b: dict, tol: float = 1e-4) -> bool:
    if a["classes"] != b["classes"] or a["features"] != b["features"]:
        return False
    return bool(
        np.allclose(a["coef"], b["coef"], atol=tol) and np.allclose(a["intercept"], b["intercept"], atol=tol)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped weights, write nothing")
    args = ap.parse_args()
    model = train()
    if args.check:
        shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
        ok = same(model, shipped)
        print("shipped weights reproduce" if ok else "shipped weights differ from a fresh build")
        sys.exit(0 if ok else 1)
    SHIPPED.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SHIPPED.relative_to(ROOT)}: {model['trained_on']}")


if __name__ == "__main__":
    main()
