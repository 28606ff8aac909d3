"""HTTP load run of the bank: ``GET /v1/match`` through wrk on loopback (bounded duration).

    python benchmarks/bench_bank_http.py                        # 100,000 PDQ hashes, 2 workers, 15 s
    python benchmarks/bench_bank_http.py --size 1000000 --workers 2 --duration 20
    python benchmarks/bench_bank_http.py --connections 16,8,4   # several loads on one server
    python benchmarks/bench_bank_http.py --serve-arg=--no-share-index   # uvicorn's own workers

With ``--workers`` > 1 the server builds the index once and forks its workers over it (shared pages;
``bank/prefork.py``); ``--serve-arg=--no-share-index`` measures uvicorn's workers, each with its own.
Besides req/s and latency it prints the server's CPU-seconds per request (all its processes, read from
/proc) and wrk's, since wall figures on a shared machine swing with the load average (printed too).

Starts ``haven bank serve`` on a temporary SQLite bank, drives it with wrk (Debian package ``wrk``;
``benchmarks/bank_match.lua`` adds the API key and cycles through queries: half near-duplicates of bank
members, half misses), and prints requests/s and p99 latency. The anchor is the issue's target of
2,000 requests/s (p99 < 10 ms on 2 cores); the LAST line is ``ratio haven/target: X``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import insert

HERE = Path(__file__).resolve().parent
TARGET_RPS = 2000.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(database: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n PDQ signals in one case, written straight to the database (the server indexes them at start)."""
    from haven.bank.db import cases, events, make_engine, signals

    words = rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)
    raw = words.tobytes()
    now = datetime.now(UTC)
    engine = make_engine(database)
    with engine.begin() as conn:
        cid = conn.execute(
            insert(cases)
            .values(
                number="HVN-LOAD",
                pin_hash="x",
                status="Active",
                bank="haven",
                submitted_by="bench",
                created_at=now,
                updated_at=now,
                failed_pins=0,
                locked_until=0.0,
            )
            .returning(cases.c.id)
        ).scalar_one()
        step = 50_000
        for lo in range(0, n, step):
            rows = [
                {
                    "id": i + 1,
                    "case_id": cid,
                    "bank": "haven",
                    "signal_type": "pdq",
                    "value": raw[i * 32 : i * 32 + 32].hex(),
                    "active": True,
                    "created_at": now,
                }
                for i in range(lo, min(n, lo + step))
            ]
            conn.execute(insert(signals), rows)
            conn.execute(
                insert(events), [{"signal_id": r["id"], "op": "add", "created_at": now} for r in rows]
            )
    engine.dispose()
    return words


def queries_file(words: np.ndarray, path: Path, count: int, rng: np.random.Generator) -> None:
    lines = []
    for i in range(count):
        if i % 2 == 0:
            q = words[rng.integers(len(words))].copy()
            for b in rng.choice(256, int(rng.integers(10, 31)), replace=False):
                q[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
        else:
            q = rng.integers(0, 2**64 - 1, size=4, dtype=np.uint64, endpoint=True)
        lines.append(q.tobytes().hex())
    path.write_text("\n".join(lines) + "\n")


def group_cpu(pgid: int) -> float:
    """CPU-seconds used so far by the live processes of a process group (from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=int, default=15, help="seconds of load (at most 20)")
    ap.add_argument("--connections", default="16", help="one or more, comma-separated (one run each)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for haven bank serve")
    args = ap.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (Debian package wrk; scripts/system-deps.sh --test)")
    duration = min(args.duration, 20)
    rng = np.random.default_rng(1)
    work = Path(tempfile.mkdtemp(prefix="haven-bank-load-"))
    database = str(work / "bank.sqlite")
    t = time.perf_counter()
    words = fill(database, args.size, rng)
    queries_file(words, work / "queries.txt", 2000, rng)
    haven = [str(Path(sys.executable).with_name("haven")), "bank"]
    key = subprocess.run(
        [
            *haven,
            "keys",
            "create",
            "--role",
            "matcher",
            "--name",
            "load",
            "--database",
            database,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    key = re.search(r'"key": "([^"]+)"', key.stdout).group(1)
    port = free_port()
    server = subprocess.Popen(
        [
            *haven,
            "serve",
            "--database",
            database,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            *args.serve_arg,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                r = httpx.get(url + "/v1/status", headers={"Authorization": f"Bearer {key}"}, timeout=2)
                if r.status_code == 200 and r.json()["index"].get("pdq", {}).get("hashes") == args.size:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        print(
            f"bank: {args.size:,} PDQ hashes, {args.workers} workers; "
            f"ready in {time.perf_counter() - t:.1f} s"
        )
        env = {**os.environ, "HAVEN_BANK_KEY": key, "HAVEN_WRK_QUERIES": str(work / "queries.txt")}
        subprocess.run(
            [wrk, "-t2", "-c4", "-d2s", "-s", str(HERE / "bank_match.lua"), url],
            env=env,
            capture_output=True,
            check=True,
        )  # warm-up
        runs = []
        for conns in [int(c) for c in args.connections.split(",")]:
            cpu0, wrk0, load = group_cpu(server.pid), wrk_cpu(), os.getloadavg()[0]
            out = subprocess.run(
                [
                    wrk,
                    f"-t{min(args.threads, conns)}",
                    f"-c{conns}",
                    f"-d{duration}s",
                    "--latency",
                    "-s",
                    str(HERE / "bank_match.lua"),
                    url,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append((conns, out, group_cpu(server.pid) - cpu0, wrk_cpu() - wrk0, load))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    first = None
    for conns, out, cpu, wrk_s, load in runs:
        m = re.search(
            r"RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) non2xx=(\d+) p50_us=(\d+) p99_us=(\d+)",
            out.stdout,
        )
        if not m:
            sys.exit("wrk printed no result:\n" + out.stdout + out.stderr)
        reqs, dur, errors, non2xx, p50, p99 = map(int, m.groups())
        rps = reqs / (dur / 1e6)
        first = rps if first is None else first
        print(
            f"wrk {duration} s, {conns} connections (load average {load:.1f}): {reqs:,} requests, "
            f"{errors} socket errors, {non2xx} non-2xx; server CPU {cpu:.1f} s "
            f"({cpu / max(reqs, 1) * 1e6:.0f} us/request), wrk CPU {wrk_s:.1f} s"
        )
        print(
            f"match: {rps:,.0f} req/s  p50 {p50 / 1000:.2f} ms  p99 {p99 / 1000:.2f} ms "
            f"(target >= {TARGET_RPS:,.0f} req/s, p99 < 10 ms)"
        )
    print(f"ratio haven/target: {(first or 0.0) / TARGET_RPS:.2f}")


def wrk_cpu() -> float:
    """CPU-seconds of finished child processes (the wrk runs) so far."""
    import resource

    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


if __name__ == "__main__":
    main()
