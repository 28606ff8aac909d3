"""Benchmark: fetching a StopNCII exchange into a Haven bank through python-threatexchange (issue 18:
1,000,000 hashes in <= 60 s), against a local server on loopback that speaks StopNCII's FetchHashes
protocol (function and subscription key headers, startTimestamp, pageSize, nextPageToken, hasMoreRecords,
nextSetTimestamp).

What is timed is the path users run: a configured ``stop_ncii`` exchange (``configs.add``) fetched by
``runner.fetch`` — what ``haven bank exchange fetch`` and the schedule call — which for StopNCII runs the
kind's ``fast_fetch`` (``stopncii.fetch_into_bank`` under the runner's checkpoint key). ``--direct``
times ``stopncii.fetch_into_bank`` called by hand instead (with the writer thread's own times).

    python benchmarks/bench_bank_exchange.py                    # 1,000,000 hashes, then 1% withdrawn
    python benchmarks/bench_bank_exchange.py --size 100000
    python benchmarks/bench_bank_exchange.py --direct           # fetch_into_bank, not runner.fetch
    python benchmarks/bench_bank_exchange.py --postgres         # a throwaway PostgreSQL 15 on loopback
    python benchmarks/bench_bank_exchange.py --database postgresql://127.0.0.1:5432/bank

The server is the tests' FetchHashes server (``haven.bank.exchanges.testing``), in its own process (its
CPU is shown apart). The bank is a fresh SQLite file unless ``--postgres`` starts a fresh PostgreSQL
cluster (the tests' ``test_bank_support.postgres``: fsync off, torn down after; the CPU of all its
processes is shown apart too) or ``--database`` names another (it must be empty). After the fetch, the
bank is checked: every hash live once, the withdrawn ones gone, a sample found by the matcher loaded from
the database. Prints wall and CPU seconds and, LAST, ``ratio (ours / anchor)``: the wall time over the
60 s target (scaled to the size).
"""

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import orjson

from haven.bank.db import make_engine
from haven.bank.exchanges import configs, runner
from haven.bank.exchanges.stopncii import exchange, fetch_into_bank
from haven.bank.exchanges.testing import stopncii_record, stopncii_server
from haven.bank.matcher import Matcher

START = 1000  # the first record's lastModtimestamp
PAGE = 1000  # the server's largest page (the client asks for python-threatexchange's 800)


def hashes(size: int, seed: int = 5) -> list[str]:
    raw = np.random.default_rng(seed).integers(0, 256, size=(size, 32), dtype=np.uint8).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


class Records(Sequence[dict[str, Any]]):
    """The server's records, made as they are asked for (a million dicts would be a gigabyte): record i
    has lastModtimestamp START + i; once ``withdrawn`` is set, the first ``withdrawn`` hashes come again
    after the others with hashStatus Withdrawn."""

    def __init__(self, values: list[str], withdrawn: Any) -> None:
        self.values, self.withdrawn = values, withdrawn

    def __len__(self) -> int:
        return len(self.values) + int(self.withdrawn.value)

    def record(self, i: int) -> dict[str, Any]:
        size = len(self.values)
        gone = i >= size
        return stopncii_record(
            START + i, self.values[i - size if gone else i], "Withdrawn" if gone else "Active"
        )

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self.record(j) for j in range(*i.indices(len(self)))]
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.record(i)


def serve(size: int, withdrawn: mp.Value, ready: Any, port: Any) -> None:  # type: ignore[valid-type]
    """The FetchHashes server of the tests (haven.bank.exchanges.testing) over :class:`Records`."""
    records = Records(hashes(size), withdrawn)
    server = stopncii_server(lambda: records, PAGE, dumps=orjson.dumps)
    port.value = server.server_port
    ready.set()
    server.serve_forever()


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_cpu(engine: Any) -> float:
    """CPU seconds of a local PostgreSQL so far: the postmaster, its live children and those it reaped."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as conn:
        data = str(conn.exec_driver_sql("SHOW data_directory").scalar())
    master = int((Path(data) / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(proc.name), int(fields[1])
        if pid == master:
            total += sum(int(f) for f in fields[11:15]) / tick  # its own and its reaped children's
        elif ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--withdraw", type=float, default=0.01, help="share withdrawn in the second fetch")
    ap.add_argument("--database", help="an empty bank database URL (default: a fresh SQLite file)")
    ap.add_argument("--postgres", action="store_true", help="start a fresh local PostgreSQL for the bank")
    ap.add_argument("--direct", action="store_true", help="time stopncii.fetch_into_bank, not runner.fetch")
    args = ap.parse_args(argv)
    if not args.postgres:
        run(args)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_bank_support import pg_available, postgres

    reason = pg_available()
    if reason:
        raise SystemExit(f"--postgres: {reason}")
    with postgres() as url:
        args.database = url
        run(args)


def run(args: argparse.Namespace) -> None:
    ctx = mp.get_context("spawn")
    withdrawn, port, ready = ctx.Value("q", 0), ctx.Value("i", 0), ctx.Event()
    proc = ctx.Process(target=serve, args=(args.size, withdrawn, ready, port), daemon=True)
    proc.start()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            ready.wait(120)
            engine = make_engine(args.database or str(Path(tmp) / "bank.sqlite"))
            url = f"http://127.0.0.1:{port.value}/v1"
            ex = exchange(url, "fk", "sk")
            configs.add(
                engine, "STOPNCII", "stop_ncii", {"url": url}, {"fetch_key": "fk", "subscription_key": "sk"}
            )

            def fetch() -> Any:
                return (
                    fetch_into_bank(engine, ex, "STOPNCII")
                    if args.direct
                    else runner.fetch(engine, "STOPNCII")
                )

            path = "stopncii.fetch_into_bank" if args.direct else "runner.fetch (configured exchange)"
            db = {"postgresql": "PostgreSQL"}.get(engine.dialect.name, "SQLite")
            w0, c0, s0, p0 = time.perf_counter(), time.process_time(), cpu_of(proc.pid or 0), pg_cpu(engine)
            got = fetch()
            wall, cpu, server = time.perf_counter() - w0, time.process_time() - c0, cpu_of(proc.pid or 0) - s0
            database = pg_cpu(engine) - p0
            print(
                f"{path} into {db}: {got.added:,} hashes added in {got.pages:,} pages, {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU client + {server:.2f} s CPU server"
                + (f" + {database:.2f} s CPU PostgreSQL" if database else "")
                + f", {got.added / wall:,.0f} hashes/s"
            )
            if args.direct:
                sqlite = "; SQLite runs in it" * (db == "SQLite")
                print(
                    f"  of which the writer thread (bulk.BankWriter{sqlite}): "
                    f"{got.store_wall:.2f} s wall, {got.store_cpu:.2f} s CPU; the rest of the client CPU is "
                    f"download + page reading + grouping ({cpu - got.store_cpu:.2f} s)"
                )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  peak client RSS so far {rss:,.0f} MB")

            withdrawn.value = int(args.size * args.withdraw)
            w1, c1 = time.perf_counter(), time.process_time()
            again = fetch()
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
            print(f"ratio (ours / anchor): {wall / target:.2f}  ({path})")
        finally:
            proc.terminate()
            proc.join(10)


if __name__ == "__main__":
    main()
