"""Import throughput of the evidence vault against ``openssl dgst -sha256`` over the same bytes.

Makes an export-like folder of incompressible files (one large "video" and many 1-8 MiB media files),
then, in the same run and on the same warm page cache:

* anchor: ``openssl dgst -sha256`` over every file (``sha256sum`` is printed beside it); beside it, for
  reference, ``openssl dgst -sha256`` and ``-md5`` run at once in two processes (what computing the two
  hashes alone costs: MD5 is the slower, about 1.6 CPU-ms per MiB here),
* haven: ``Vault.import_paths`` of the folder into a new case (hash SHA-256 + MD5, encrypt with AES-GCM,
  fsync, ledger), in a child process so its peak memory (ru_maxrss) is measured on its own.

Wall seconds and CPU seconds (user + system) are printed for each, since the machine may be shared. The two
are measured in ``--rounds`` interleaved rounds (default 3, a fresh case each) and the best wall time of
each is compared, so a burst of load from other processes does not decide the ratio.

Usage::

    .venv/bin/python benchmarks/bench_import.py             # 200 MB (default, well under 2 minutes)
    .venv/bin/python benchmarks/bench_import.py --size-gb 1 # the 1 GB export measurement
    .venv/bin/python benchmarks/bench_import.py --detect    # auto-detect formats instead of --format generic

The last line is ``ratio haven/openssl throughput: X`` where X = haven MiB/s / openssl MiB/s (goal >= 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MiB = 1 << 20


def make_export(root: Path, total: int, seed: int = 7) -> list[Path]:
    """An export-like folder: a quarter of the bytes in one video, the rest in 1-8 MiB media files."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    sizes = [total // 4]
    left = total - sizes[0]
    while left > 0:
        size = min(left, rng.randint(1, 8) * MiB + rng.randint(0, MiB))
        sizes.append(size)
        left -= size
    files = []
    for i, size in enumerate(sizes):
        path = root / (f"video{i:03}.mp4.bin" if i == 0 else f"media{i:04}.bin")
        with open(path, "wb") as fh:
            left = size
            while left > 0:
                n = min(left, 4 * MiB)
                fh.write(os.urandom(n))
                left -= n
        files.append(path)
    return files


def _cpu(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child command."""
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu


def _timed_together(cmds: list[list[str]]) -> tuple[float, float]:
    """Wall and CPU seconds of child commands run at the same time."""
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL) for cmd in cmds]
    for proc in procs:
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args)
    return time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu


def child(case: str, export: str, detect: bool) -> None:
    """Run in a separate process: import ``export`` into the new case ``case`` and print the timings."""
    from haven.vault import KdfParams, Vault

    # Small argon2id memory here, so the 64 MiB of the real key derivation (paid once per open, not per
    # byte imported) does not hide the import's own peak memory.
    with Vault.create(case, "benchmark passphrase", kdf=KdfParams(1, 8, 1)) as vault:
        import haven.importers  # noqa: F401 - loaded before the baseline, as the import would load it
        from haven.vault.derived import engine_version

        t0 = time.perf_counter()
        engine_version()  # one-off: loads the offender-details and red-flag engines (not per byte)
        warm = time.perf_counter() - t0
        base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        summary = vault.import_paths([export], fmt=None if detect else "generic")
        seconds, cpu = time.perf_counter() - start, _cpu(resource.RUSAGE_SELF) - cpu
        ok = summary.ok
        items = summary.items
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "warm": warm,
                "ok": ok,
                "items": items,
                "peak_kib": peak_kib,
                "base_kib": base_kib,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200, help="export size in MB (default 200)")
    parser.add_argument("--size-gb", type=float, default=None, help="export size in GB (overrides --size-mb)")
    parser.add_argument("--detect", action="store_true", help="auto-detect formats (default: generic)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best of each counts")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "EXPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.detect)
        return

    total = int(args.size_gb * 1024 * MiB) if args.size_gb else args.size_mb * MiB
    work = Path(tempfile.mkdtemp(prefix="haven-bench-", dir=args.dir))
    try:
        files = make_export(work / "export", total)
        print(f"export: {total / MiB:.0f} MiB in {len(files)} files")

        mib = total / MiB
        sums, sums_cpu = _timed(["sha256sum", *map(str, files)])
        print(f"sha256sum: {sums:.2f} s wall, {sums_cpu:.2f} CPU-s ({mib / sums:.0f} MiB/s)")
        anchors: list[tuple[float, float]] = []
        hashes: list[tuple[float, float]] = []
        runs: list[dict[str, float]] = []
        for n in range(args.rounds):  # interleaved, so both see the same load; the best of each counts
            anchor, anchor_cpu = _timed(["openssl", "dgst", "-sha256", *map(str, files)])
            anchors.append((anchor, anchor_cpu))
            print(
                f"round {n + 1}: openssl dgst -sha256: {anchor:.2f} s wall, {anchor_cpu:.2f} CPU-s "
                f"({mib / anchor:.0f} MiB/s)"
            )
            both, both_cpu = _timed_together(
                [["openssl", "dgst", algo, *map(str, files)] for algo in ("-sha256", "-md5")]
            )
            hashes.append((both, both_cpu))
            print(
                f"round {n + 1}: openssl dgst -sha256 and -md5 at once (two processes): {both:.2f} s wall, "
                f"{both_cpu:.2f} CPU-s ({mib / both:.0f} MiB/s)"
            )
            case = work / f"case{n}"
            cmd = [sys.executable, __file__, "--child", str(case), str(work / "export")]
            if args.detect:
                cmd.append("--detect")
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append(result)
            stored = sum(p.stat().st_size for p in (case / "blobs").rglob("*") if p.is_file())
            print(
                f"round {n + 1}: haven import: {result['seconds']:.2f} s wall, {result['cpu']:.2f} CPU-s "
                f"({mib / result['seconds']:.0f} MiB/s), {result['items']} items, ok={result['ok']}, "
                f"{stored / MiB:.0f} MiB stored encrypted, peak memory {result['peak_kib'] / 1024:.0f} MiB "
                f"(before the import: {result['base_kib'] / 1024:.0f} MiB)"
            )
            shutil.rmtree(case, ignore_errors=True)
        anchor, anchor_cpu = min(anchors)
        best = min(runs, key=lambda r: r["seconds"])
        ours, ours_cpu = best["seconds"], best["cpu"]
        warm = best["warm"]
        print(f"  (before each import, once per process: loading the derived-data engines: {warm:.2f} s)")
        print(
            f"best of {args.rounds}: openssl {anchor:.2f} s wall, {anchor_cpu:.2f} CPU-s "
            f"({mib / anchor:.0f} MiB/s); "
            f"haven {ours:.2f} s wall, {ours_cpu:.2f} CPU-s ({mib / ours:.0f} MiB/s)"
        )
        print(
            f"haven import peak memory (ru_maxrss of the importing process): "
            f"{max(r['peak_kib'] for r in runs) / 1024:.0f} MiB"
            f" (before the import: {best['base_kib'] / 1024:.0f} MiB)"
        )
        print(f"CPU per MiB: haven {ours_cpu / mib * 1000:.2f} ms, openssl {anchor_cpu / mib * 1000:.2f} ms")
        both, both_cpu = min(hashes)
        print(
            f"the two hashes alone (openssl SHA-256 and MD5 in two processes, best): {both:.2f} s wall, "
            f"{both_cpu:.2f} CPU-s; haven/that throughput: {both / ours:.2f}"
        )
        print(f"ratio haven/openssl CPU-s (the best runs above): {ours_cpu / anchor_cpu:.2f}")
        print(f"ratio haven/openssl throughput: {anchor / ours:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
