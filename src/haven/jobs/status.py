"""``JobStatus`` (what a job has done, as shown to a person) and ``JobContext`` (what the work updates)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"


class Cancelled(BaseException):  # a stop signal, like KeyboardInterrupt, not an error
    """Raised inside a job's work when the person pressed Cancel."""


@dataclass
class JobStatus:
    id: str
    case: str
    kind: str
    stage: str = "starting"
    state: str = RUNNING
    fraction: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    cancel_requested: bool = False

    @property
    def active(self) -> bool:
        return self.state == RUNNING

    @property
    def percent(self) -> int:
        """Whole percent, never 100 while work remains."""
        if self.state == DONE:
            return 100
        return min(99, int(self.fraction * 100))

    @property
    def seconds_left(self) -> float | None:
        if not self.active or self.fraction <= 0.01:
            return None
        elapsed = time.time() - self.started
        return max(0.0, elapsed * (1 - self.fraction) / self.fraction)

    def to_dict(self) -> dict[str, Any]:
        left = self.seconds_left
        return {
            "id": self.id,
            "case": self.case,
            "kind": self.kind,
            "stage": self.stage,
            "state": self.state,
            "active": self.active,
            "percent": self.percent,
            "fraction": round(self.fraction, 4),
            "counts": dict(self.counts),
            "seconds_left": None if left is None else round(left, 1),
            "elapsed": round((self.finished or time.time()) - self.started, 1),
            "result": self.result,
            "error": self.error,
            "cancel_requested": self.cancel_requested,
        }


class JobContext:
    """Handed to a job's work: ``update`` the progress, ``check`` for Cancel (both raise ``Cancelled``)."""

    def __init__(self, status: JobStatus, lock: threading.Lock) -> None:
        self.status = status
        self._lock = lock

    def check(self) -> None:
        if self.status.cancel_requested:
            raise Cancelled

    def update(self, stage: str | None = None, fraction: float | None = None, **counts: int) -> None:
        """Move the job on. The fraction never goes back and stays below 1.0 until the job is done."""
        with self._lock:
            st = self.status
            if stage is not None:
                st.stage = stage
            if fraction is not None:
                st.fraction = max(st.fraction, min(float(fraction), 0.999))
            st.counts.update({k: int(v) for k, v in counts.items()})
            st.updated = time.time()
        self.check()
