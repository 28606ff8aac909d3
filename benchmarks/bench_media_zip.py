"""Flat memory on a big media zip (issue 14, item 1): a WhatsApp zip of incompressible media imported at two
sizes (default 0.2 GB and 2 GB), each in its own process, wall, CPU seconds and peak RSS.

The zip and the import are ``bench_scale``'s own (``media_zip`` and ``MEDIA``, imported, not copied), so the
figures are the same step as ``bench_scale.py --media-gb N`` at two sizes without the 500,000-message import.

Usage::

    nice -n 5 .venv/bin/python benchmarks/bench_media_zip.py                 # 0.2 GB and 2 GB
    nice -n 5 .venv/bin/python benchmarks/bench_media_zip.py --sizes 0.1 0.5

Memory is flat when the larger zip's peak RSS is close to the smaller one's although it holds ten times the
bytes. The last line is ``ratio (ours / anchor): X``: peak RSS at the largest size / peak RSS at the smallest
(1.0 is perfectly flat; the data grew by the size ratio, printed above it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import MEDIA, PASSPHRASE, media_zip, run_measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.2, 2.0], help="zip sizes in GB")
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    results = []
    for gb in sizes:
        with tempfile.TemporaryDirectory(prefix="haven-bench-media-") as tmp:
            root = Path(tmp)
            zpath = root / "WhatsApp Chat - media.zip"
            media_zip(zpath, gb)
            r = run_measured(MEDIA, str(root / "case"), str(zpath), PASSPHRASE)
            r["gb"] = zpath.stat().st_size / 1e9
            results.append(r)
            print(f"media zip {r['gb']:.2f} GB: wall {r['wall']:.1f} s, cpu {r['cpu']:.1f} s, "
                  f"peak RSS {r['rss_mb']:.0f} MB, items {r['items']}, ok {r['ok']}", flush=True)
    small, big = results[0], results[-1]
    print(f"data grew x{big['gb'] / small['gb']:.1f}; "
          f"peak RSS {small['rss_mb']:.0f} MB -> {big['rss_mb']:.0f} MB")
    print(f"ratio (ours / anchor): {big['rss_mb'] / small['rss_mb']:.3f}")


if __name__ == "__main__":
    main()
