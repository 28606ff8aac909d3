"""Build ``corpus.jsonl``: labelled emails for the email checker (mass bluff / targeted threat / not
sextortion) in ten varieties, with provenance and a split by template family.

Written on 2026-12-03 by Haven's mail engineer for issue 16 item 3, from scratch (no family copies a case of
``../email_eval/cases*.toml`` or a lexicon example). Each *family* is one hand-written template with slots
(names, schools, platforms, amounts, wallets, deadlines, passwords) filled from seeded choices, so the same
family never lands on two sides of the split: ``split`` is decided per family (``FAMILIES[...]["split"]``),
``blind`` families are never read by ``scripts/train_mail.py`` and reported on their own by
``benchmarks/bench_email.py``. Labels are the family's label, written by hand with the template.

Varieties (``variety``): en-GB, en-US, en-NG, en-IN, en-PH, fr-FR, fr-CI, es-ES, pt-BR, de-DE. Hard
negatives are ordinary mail that looks alarming: security alerts, invoices and payment reminders,
dating-site notifications, newsletters that warn about sextortion.

    python benchmarks/data/email_corpus/make_email_corpus.py   # deterministic; writes corpus.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from families import FAMILIES, SLOTS

OUT = Path(__file__).with_name("corpus.jsonl")
PER_FAMILY = 8
SEED = 1603


def fill(template: str, rng: random.Random, variety: str) -> str:
    values = {}
    for key, options in SLOTS.items():
        choice = options.get(variety) or options.get(variety.split("-")[0]) or options["*"]
        values[key] = rng.choice(choice)
    return template.format(**values)


def build() -> list[dict]:
    rows = []
    for fam_id, fam in FAMILIES.items():
        rng = random.Random(f"{SEED}:{fam_id}")
        for variety in fam["varieties"]:
            for i in range(PER_FAMILY):
                subject = fill(fam["subject"], rng, variety)
                body = fill(fam["body"], rng, variety)
                spoof = fam.get("spoof", False) and rng.random() < 0.6
                sender = "me@example.org" if spoof else fill(fam.get("from", "{sender}"), rng, variety)
                rows.append(
                    {
                        "id": f"{fam_id}-{variety}-{i}",
                        "family": fam_id,
                        "variety": variety,
                        "label": fam["label"],
                        "split": fam["split"],
                        "subject": subject,
                        "body": body,
                        "from": sender,
                        "to": "me@example.org",
                        "provenance": f"hand-written template '{fam_id}' (Haven mail engineer, 2026-12-03), "
                        f"slots filled with seed {SEED}",
                    }
                )
    return rows


def main() -> None:
    rows = build()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} emails in {len(FAMILIES)} families -> {OUT.name}")


if __name__ == "__main__":
    main()
