"""The process that runs fuzz inputs for ``test_fuzz_readers.py`` (no tests here).

Started as ``python fuzz_worker.py MEM_MIB``: it imports Haven, blocks every network connection with an
audit hook, caps its own address space at (what the imports use) + ``MEM_MIB`` with ``RLIMIT_AS``, then
reads one JSON job per line on stdin and answers one JSON line: ``outcome`` is ``ok`` (read), ``refused``
(a HavenError: the plain message is returned), ``memory`` (over the memory limit) or ``crash`` (any other
exception, with its traceback). CPU seconds and the peak resident size so far are reported with each
answer; the parent enforces the wall-clock limit by killing the process.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def _block_network(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        raise ConnectionRefusedError(f"fuzz worker: no network connections ({args[1]!r})")


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    mem_mib = int(sys.argv[1])
    from haven.core.errors import HavenError
    from haven.flags import detect
    from haven.importers import REGISTRY, MemorySink, detect_format
    from haven.indicators import extract, extract_messages
    from haven.mail.check import check_email

    def run(job: dict[str, Any]) -> dict[str, Any]:
        path = Path(job["path"])
        out: dict[str, Any] = {}
        if job["target"] == "importer":
            detect_format(path)
            sink = MemorySink(options={"ocr": False}, keep_bytes=False)
            REGISTRY.get(job["importer"]).run(path, sink)
            out["messages"] = len(sink.messages)
            if sink.messages:  # the extractors over what was read
                extract_messages(sink.messages[:2000], sink.items)
                detect(sink.messages[:2000])
        elif job["target"] == "email":
            check_email(path.read_bytes(), path.name, ocr=False)
        elif job["target"] == "text":
            extract(path.read_bytes().decode("utf-8", "replace"))
        else:
            raise ValueError(f"unknown target {job['target']}")
        return out

    # The engines load their data and libraries on first use (the red-flag model: scikit-learn, SciPy,
    # its weights). Load them now, so the cap is on what one input costs, not on a one-off start-up.
    from scipy.sparse import csr_matrix, hstack  # noqa: F401
    from sklearn.feature_extraction.text import HashingVectorizer  # noqa: F401
    from sklearn.preprocessing import normalize  # noqa: F401

    from haven.flags.model import load_model

    load_model()
    sys.addaudithook(_block_network)
    limit = _vm_bytes() + mem_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        start = time.process_time()
        answer: dict[str, Any] = {}
        try:
            answer = {"outcome": "ok", **run(job)}
        except HavenError as exc:
            answer = {"outcome": "refused", "message": exc.message}
        except MemoryError:
            answer = {"outcome": "memory"}
        except BaseException as exc:  # a crash: anything that is not a plain refusal
            answer = {"outcome": "crash", "error": "".join(traceback.format_exception(exc))[-3000:]}
        answer["cpu"] = time.process_time() - start
        answer["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
