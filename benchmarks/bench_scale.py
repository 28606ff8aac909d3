"""A real case at real size (issue 14): import of a big WhatsApp export, first pages, report and package.

Generates deterministically a WhatsApp Android export (day-first dates, 24-hour clock) of ``--messages``
messages (default 500,000, about 50 MB), with a few thousand lines carrying offender details (phone
numbers, PayPal.me links, Bitcoin addresses, IBANs) and threats. Then, in the same run:

* the anchor: ``whatstk`` parsing the same file into a pandas DataFrame (``df_from_whatsapp``, header
  format given so it does no guessing), in a subprocess, wall and CPU seconds;
* Haven: ``haven case import`` of the file (parse, hash, encrypt, store, log, offender details and red
  flags), in a subprocess, wall and CPU seconds (its helper processes' included) and peak RSS (of the
  importing process, and of the largest helper process apart);
* the first page of the timeline, of offender details and of red flags (``Vault.*_page``), seconds each;
* the PDF report and the package (``haven.report``), in subprocesses, seconds and peak RSS;
* ``--media-gb N``: a WhatsApp zip holding N GB of (incompressible) media imported, to show flat memory.

The last line is ``ratio haven/whatstk (import wall time): X`` (the issue asks for <= 1.0).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

WORDS = [
    "ok",
    "yes",
    "no",
    "maybe",
    "later",
    "home",
    "school",
    "work",
    "tonight",
    "tomorrow",
    "lol",
    "haha",
    "sure",
    "fine",
    "love",
    "you",
    "miss",
    "see",
    "soon",
    "call",
    "me",
    "when",
    "free",
    "what",
    "where",
    "why",
    "how",
    "good",
    "night",
    "morning",
    "dinner",
    "film",
    "game",
    "bus",
    "train",
    "late",
    "sorry",
    "thanks",
    "great",
    "cool",
    "honestly",
    "whatever",
    "seriously",
    "weekend",
    "birthday",
    "tomorrow's",
    "probably",
    "actually",
    "remember",
    "picture",
    "message",
    "everyone",
]
DETAILS = [
    "pay 200 to paypal.me/samj0nes{n} or everyone sees this",
    "I recorded you. send £300 by tonight or I send it to all your friends",
    "my number is +44 7911 1{n:05d}",
    "send btc to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq now",
    "transfer it to GB82 WEST 1234 5698 7654 32, last chance",
    "add me on snap sam_j{n} and delete this chat",
]
PASSPHRASE = "benchmark passphrase"


def generate(path: Path, messages: int, seed: int = 14) -> None:
    rnd = random.Random(seed)
    t = datetime(2019, 3, 1, 8, 0)
    step = max(1, int(5 * 365 * 86400 / messages))
    with open(path, "w", encoding="utf-8") as out:
        out.write("01/03/2019, 08:00 - Messages and calls are end-to-end encrypted.\n")
        for i in range(messages - 1):
            t += timedelta(seconds=rnd.randint(1, 2 * step))
            if i % 170 == 7:  # about 2,900 lines with offender details or threats
                who, text = "Sam Jones", rnd.choice(DETAILS).format(n=i % 97)
            else:
                who = "Alex" if rnd.random() < 0.5 else "Sam Jones"
                text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 20)))
                if i % 50 == 11:  # now and then a message of several lines, as people write them
                    text += "\n" + " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 30)))
            out.write(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")


def run_measured(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON line. Adds wall, CPU and peak RSS."""
    wrapper = textwrap.dedent(
        """
        import json, resource, sys, time
        t0, c0 = time.perf_counter(), time.process_time()
        out = {}
        exec(compile(sys.argv[1], "bench", "exec"))
        out["wall"] = time.perf_counter() - t0
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # helper processes, once they have ended
        out["cpu_self"] = time.process_time() - c0
        out["cpu"] = out["cpu_self"] + kids.ru_utime + kids.ru_stime
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["child_rss_mb"] = kids.ru_maxrss / 1024
        print(json.dumps(out))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, code, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


WHATSTK = """
from whatstk import df_from_whatsapp
df = df_from_whatsapp(sys.argv[2], hformat="%d/%m/%Y, %H:%M - %name:", max_size=None)
out["rows"] = len(df)
"""
IMPORT = """
from haven.vault import Vault, KdfParams
v = Vault.create(sys.argv[2], sys.argv[4], kdf=KdfParams(time_cost=1, memory_cost_kib=8192, parallelism=1))
s = v.import_paths([sys.argv[3]])
st = v.derived_state()
out.update(messages=s.messages, ok=s.ok, details=st.get("details"), flags=st.get("flags"),
           failed=st.get("failed"))
v.close()
"""
PAGES = """
from haven.vault import Vault
v = Vault.open(sys.argv[2], sys.argv[3])
for name, call in (("timeline", lambda: v.messages_page(0, 200)), ("details", lambda: v.details_page(0, 100)),
                   ("flags", lambda: v.flags_page(0, 50)), ("timeline_last", lambda: v.messages_page(
                   max(0, v.message_count() - 200), 200))):
    t = time.perf_counter(); page = call(); out[name] = [time.perf_counter() - t, len(page.rows), page.total]
v.close()
"""
PDF = """
from haven.vault import Vault
from haven.report.pdf import build_pdf
v = Vault.open(sys.argv[2], sys.argv[3])
build_pdf(v, sys.argv[4])
v.close()
"""
PACKAGE = """
from haven.vault import Vault
from haven.report.package import export_package
v = Vault.open(sys.argv[2], sys.argv[3])
export_package(v, sys.argv[4])
v.close()
"""
MEDIA = """
from haven.vault import Vault, KdfParams
v = Vault.create(sys.argv[2], sys.argv[4], kdf=KdfParams(time_cost=1, memory_cost_kib=8192, parallelism=1))
s = v.import_paths([sys.argv[3]])
out.update(items=s.items, ok=s.ok)
v.close()
"""


def media_zip(path: Path, gigabytes: float) -> None:
    rnd = random.Random(7)
    chunk = rnd.randbytes(1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("_chat.txt", "01/03/2019, 08:00 - Sam: VID-0001.mp4 (file attached)\n")
        for n in range(max(1, int(gigabytes * 4))):
            with zf.open(f"VID-{n:04d}.mp4", "w", force_zip64=True) as fh:
                for i in range(256):
                    fh.write(bytes([n % 256, i % 256]) + chunk[2:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=500_000)
    ap.add_argument("--media-gb", type=float, default=0.0, help="also import a zip with this much media")
    ap.add_argument("--no-report", action="store_true", help="skip the PDF and package steps")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="haven-bench-scale-") as tmp:
        root = Path(tmp)
        chat = root / "WhatsApp Chat with Sam Jones.txt"
        t = time.perf_counter()
        generate(chat, args.messages)
        size = chat.stat().st_size
        print(
            f"input: {args.messages:,} messages, {size / 1e6:.1f} MB "
            f"(generated in {time.perf_counter() - t:.1f} s)"
        )

        anchor = run_measured(WHATSTK, str(chat))
        print(
            f"whatstk parse: wall {anchor['wall']:.1f} s, cpu {anchor['cpu']:.1f} s, "
            f"rows {anchor['rows']:,}, "
            f"peak RSS {anchor['rss_mb']:.0f} MB"
        )
        case = root / "case"
        ours = run_measured(IMPORT, str(case), str(chat), PASSPHRASE)
        print(
            f"haven import:  wall {ours['wall']:.1f} s, cpu {ours['cpu']:.1f} s "
            f"({ours['cpu_self']:.1f} s in the importing process), "
            f"messages {ours['messages']:,}, peak RSS {ours['rss_mb']:.0f} MB "
            f"(largest helper process {ours['child_rss_mb']:.0f} MB), "
            f"details {ours['details']}, red flags {ours['flags']}"
            + (f", derived FAILED: {ours['failed']}" if ours.get("failed") else "")
        )
        pages = run_measured(PAGES, str(case), PASSPHRASE)
        for name in ("timeline", "details", "flags", "timeline_last"):
            secs, rows, total = pages[name]
            print(f"first page {name}: {secs:.3f} s ({rows} of {total:,})")
        if not args.no_report:
            pdf = run_measured(PDF, str(case), PASSPHRASE, str(root / "report.pdf"))
            print(
                f"PDF report: wall {pdf['wall']:.1f} s, cpu {pdf['cpu']:.1f} s, "
                f"peak RSS {pdf['rss_mb']:.0f} MB"
            )
            pkg = run_measured(PACKAGE, str(case), PASSPHRASE, str(root / "package.zip"))
            print(
                f"package: wall {pkg['wall']:.1f} s, cpu {pkg['cpu']:.1f} s, "
                f"peak RSS {pkg['rss_mb']:.0f} MB, "
                f"ratio package/PDF {pkg['wall'] / max(pdf['wall'], 1e-9):.2f}"
            )
        if args.media_gb > 0:
            zpath = root / "WhatsApp Chat - media.zip"
            media_zip(zpath, args.media_gb)
            media = run_measured(MEDIA, str(root / "media-case"), str(zpath), PASSPHRASE)
            print(
                f"media zip {zpath.stat().st_size / 1e9:.2f} GB: wall {media['wall']:.1f} s, "
                f"cpu {media['cpu']:.1f} s, peak RSS {media['rss_mb']:.0f} MB, items {media['items']}"
            )
        print(f"ratio haven/whatstk (import cpu time): {ours['cpu'] / max(anchor['cpu'], 1e-9):.2f}")
        print(f"ratio haven/whatstk (import wall time): {ours['wall'] / max(anchor['wall'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
