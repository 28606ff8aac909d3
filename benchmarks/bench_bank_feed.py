"""Benchmark: a platform catching up on a bank's signed feed with ``haven bank mirror`` (issue 18: 1,000,000
changes in <= 30 s), against the anchor of merely downloading the same pages (HTTP + JSON, no signature
check, nothing stored) in the same run.

    python benchmarks/bench_bank_feed.py                  # 1,000,000 changes (900k adds, 100k withdrawals)
    python benchmarks/bench_bank_feed.py --size 200000

The source is ``haven bank serve`` on a free loopback port over a SQLite bank filled directly; the mirror
writes into a fresh SQLite bank. Prints wall and CPU seconds for both and, LAST, ``ratio (ours / anchor)``.
"""

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

from haven.bank.db import make_engine
from haven.bank.keys import create_key
from haven.bank.mirror import GROUP, mirror


def fill(path: str, size: int) -> None:
    """``size`` changes: 90% adds of random PDQ hashes, then withdrawals of 10% of them."""
    make_engine(path).dispose()
    adds = size - size // 10
    rng = np.random.default_rng(7)
    raw = rng.integers(0, 256, size=(adds, 32), dtype=np.uint8)
    now = datetime.now(UTC).isoformat()
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO cases (id, number, pin_hash, status, bank, submitted_by, created_at, updated_at, "
        "failed_pins, locked_until) VALUES (1, 'HVN-BENCH', '!', 'Active', 'haven', 'bench', ?, ?, 0, 0)",
        (now, now),
    )
    con.executemany(
        "INSERT INTO signals (id, case_id, bank, signal_type, value, active, created_at) "
        "VALUES (?, 1, 'haven', 'pdq', ?, 1, ?)",
        ((i + 1, raw[i].tobytes().hex(), now) for i in range(adds)),
    )
    con.executemany(
        "INSERT INTO events (signal_id, op, created_at) VALUES (?, 'add', ?)",
        ((i + 1, now) for i in range(adds)),
    )
    gone = rng.choice(adds, size=size // 10, replace=False) + 1
    con.executemany("UPDATE signals SET active = 0 WHERE id = ?", ((int(i),) for i in gone))
    con.executemany(
        "INSERT INTO events (signal_id, op, created_at) VALUES (?, 'remove', ?)",
        ((int(i), now) for i in gone),
    )
    con.commit()
    con.close()


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--group", type=int, default=GROUP, help="changes per mirror transaction (1: one a page)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        src = str(Path(tmp) / "source.sqlite")
        t0 = time.perf_counter()
        fill(src, args.size)
        engine = make_engine(src)
        key = create_key(engine, "bench", "matcher")
        engine.dispose()
        print(f"source bank: {args.size:,} changes made in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        exe = Path(sys.executable).with_name("haven")
        proc = subprocess.Popen(
            [str(exe), "bank", "serve", "--database", src, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {key}"}

            # anchor: download every page, parse it, keep nothing
            w0, c0, s0 = time.perf_counter(), time.process_time(), cpu_of(proc.pid)
            since, changes = 0, 0
            with httpx.Client(headers=headers, timeout=60) as client:
                while True:
                    page = client.get(url + "/v1/feed", params={"since": since}).json()
                    changes += len(page["changes"])
                    since = page["next"]
                    if not page["more"]:
                        break
            anchor_wall, anchor_cpu = time.perf_counter() - w0, time.process_time() - c0
            anchor_server = cpu_of(proc.pid) - s0
            print(
                f"anchor (download + parse only): {changes:,} changes, {anchor_wall:.2f} s wall, "
                f"{anchor_cpu:.2f} s CPU client + {anchor_server:.2f} s CPU server"
            )

            local = make_engine(str(Path(tmp) / "mirror.sqlite"))
            w0, c0, s0 = time.perf_counter(), time.process_time(), cpu_of(proc.pid)
            res = mirror(local, url, key, group=args.group)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            server_cpu = cpu_of(proc.pid) - s0
            with local.connect() as conn:
                live = conn.exec_driver_sql("SELECT count(*) FROM signals WHERE active = 1").scalar()
            local.dispose()
            total = res.added + res.removed
            print(
                f"haven bank mirror: {total:,} changes ({res.added:,} adds, {res.removed:,} withdrawals, "
                f"{res.pages} signed pages verified and stored), {live:,} live in the copy"
            )
            print(
                f"haven bank mirror: {wall:.2f} s wall, {cpu:.2f} s CPU client + {server_cpu:.2f} s CPU "
                f"server, {total / wall:,.0f} changes/s; load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} cores"
            )
            print(
                "target: <= 30 s wall per 1,000,000 changes: "
                + ("met" if wall <= 30 * args.size / 1e6 else "NOT met")
            )
            print(f"ratio (ours / anchor): {wall / anchor_wall:.2f}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    os.environ.pop("HAVEN_BANK_DATABASE", None)


if __name__ == "__main__":
    main()
