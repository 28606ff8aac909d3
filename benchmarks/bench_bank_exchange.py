"""Benchmark: fetching a StopNCII exchange into a Haven bank through python-threatexchange (issue 18:
1,000,000 hashes in <= 60 s), against a local server on loopback that speaks StopNCII's FetchHashes
protocol (function and subscription key headers, startTimestamp, pageSize, nextPageToken, hasMoreRecords,
nextSetTimestamp).

    python benchmarks/bench_bank_exchange.py                    # 1,000,000 hashes, then 1% withdrawn
    python benchmarks/bench_bank_exchange.py --size 100000
    python benchmarks/bench_bank_exchange.py --database postgresql://127.0.0.1:5432/bank

The server runs in its own process (its CPU is shown apart). The bank is a fresh SQLite file unless
``--database`` names another (it must be empty). After the fetch, the bank is checked: every hash live
once, the withdrawn ones gone, a sample found by the matcher loaded from the database. Prints wall and
CPU seconds and, LAST, ``ratio (ours / anchor)``: the wall time over the 60 s target (scaled to the size).
"""

import argparse
import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from haven.bank.db import make_engine
from haven.bank.exchanges.stopncii import exchange, fetch_into_bank
from haven.bank.matcher import Matcher

START = 1000  # the first record's lastModtimestamp


def hashes(size: int, seed: int = 5) -> list[str]:
    raw = np.random.default_rng(seed).integers(0, 256, size=(size, 32), dtype=np.uint8).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def serve(size: int, withdrawn: mp.Value, ready: Any, port: Any) -> None:  # type: ignore[valid-type]
    """The FetchHashes server: record i has lastModtimestamp START + i; once ``withdrawn`` is set, the
    first ``withdrawn`` hashes come again after the others with hashStatus Withdrawn."""
    values = hashes(size)

    def record(i: int) -> dict[str, Any]:
        gone = i >= size
        ts = START + i
        status = "Withdrawn" if gone else "Active"
        return {
            "lastModtimestamp": ts,
            "signalType": "ImagePDQ",
            "hashValue": values[i - size if gone else i],
            "hashStatus": status,
            "caseNumbers": {f"case-{i % size}": status},
            "CSPFeedbacks": [],
        }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if (
                url.path != "/v1/FetchHashes"
                or self.headers.get("x-functions-key") != "fk"
                or self.headers.get("Ocp-Apim-Subscription-Key") != "sk"
            ):
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            total = size + int(withdrawn.value)
            first = max(0, int(q["startTimestamp"]) - START) + int(q.get("nextPageToken") or 0)
            end = min(total, first + int(q["pageSize"]))
            chunk = [record(i) for i in range(first, end)]
            more = end < total
            offset = int(q.get("nextPageToken") or 0) + len(chunk)
            body = json.dumps(
                {
                    "count": len(chunk),
                    "nextPageToken": str(offset) if more else None,
                    "nextSetTimestamp": START + end,
                    "hasMoreRecords": more,
                    "hashRecords": chunk,
                },
                separators=(",", ":"),
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.value = server.server_port
    ready.set()
    server.serve_forever()


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--withdraw", type=float, default=0.01, help="share withdrawn in the second fetch")
    ap.add_argument("--database", help="an empty bank database URL (default: a fresh SQLite file)")
    args = ap.parse_args(argv)
    ctx = mp.get_context("spawn")
    withdrawn, port, ready = ctx.Value("q", 0), ctx.Value("i", 0), ctx.Event()
    proc = ctx.Process(target=serve, args=(args.size, withdrawn, ready, port), daemon=True)
    proc.start()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            ready.wait(120)
            engine = make_engine(args.database or str(Path(tmp) / "bank.sqlite"))
            ex = exchange(f"http://127.0.0.1:{port.value}/v1", "fk", "sk")

            w0, c0, s0 = time.perf_counter(), time.process_time(), cpu_of(proc.pid)
            got = fetch_into_bank(engine, ex, "STOPNCII")
            wall, cpu, server = time.perf_counter() - w0, time.process_time() - c0, cpu_of(proc.pid) - s0
            print(
                f"fetch: {got.added:,} hashes added in {got.pages:,} pages, {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU client + {server:.2f} s CPU server, {got.added / wall:,.0f} hashes/s"
            )

            withdrawn.value = int(args.size * args.withdraw)
            w1, c1 = time.perf_counter(), time.process_time()
            again = fetch_into_bank(engine, ex, "STOPNCII")
            print(
                f"second fetch: {again.withdrawn:,} withdrawn, {again.added:,} added, "
                f"{time.perf_counter() - w1:.2f} s wall, {time.process_time() - c1:.2f} s CPU client"
            )

            with engine.connect() as conn:
                live = conn.exec_driver_sql(
                    "SELECT count(*), count(DISTINCT value) FROM signals WHERE active AND bank = 'STOPNCII'"
                ).one()
            values = hashes(args.size)
            m0 = time.perf_counter()
            matcher = Matcher(engine)
            matcher.load()
            sample = range(0, args.size, max(1, args.size // 200))
            cut = int(withdrawn.value)
            right = sum((len(matcher.match("pdq", values[i], 0)) == (0 if i < cut else 1)) for i in sample)
            print(
                f"check: {live[0]:,} live ({live[1]:,} distinct, want {args.size - cut:,}); "
                f"matcher loaded in {time.perf_counter() - m0:.1f} s, {right}/{len(sample)} sampled "
                f"hashes answer as they should"
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            target = 60 * args.size / 1e6
            verdict = "met" if wall <= target else "NOT met"
            print(
                f"target: <= {target:.0f} s for {args.size:,} hashes: {verdict}; peak client RSS "
                f"{peak:,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
            engine.dispose()
            print(f"ratio (ours / anchor): {wall / target:.2f}")
        finally:
            proc.terminate()
            proc.join(10)


if __name__ == "__main__":
    main()
