"""``JobManager``: runs jobs in background threads, one long job per case at a time."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from haven.core.errors import HavenError
from haven.jobs.status import CANCELLED, DONE, FAILED, Cancelled, JobContext, JobStatus

Work = Callable[[JobContext], dict[str, Any] | None]
KEEP = 50
"""Finished jobs remembered (so a reloaded status page still shows how a job ended)."""


class JobRunning(HavenError):
    """A long job is already running on this case."""

    exit_code = 1

    def __init__(self, running: JobStatus) -> None:
        super().__init__(
            f"Haven is already working on this case ({running.kind}: {running.stage}, {running.percent}%). "
            "Please wait for it to finish, or cancel it, before starting another."
        )
        self.running = running


class JobManager:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, JobStatus] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, case: str, kind: str, work: Work, *, wait: bool = False) -> JobStatus:
        """Start ``work`` for ``case``; ``JobRunning`` if that case already has a running job."""
        with self._lock:
            running = self._running(case)
            if running is not None:
                raise JobRunning(running)
            status = JobStatus(id=secrets.token_hex(8), case=case, kind=kind)
            self._jobs[status.id] = status
            self._forget_old()
        thread = threading.Thread(target=self._run, args=(status, work), name=f"haven-{kind}", daemon=True)
        self._threads[status.id] = thread
        thread.start()
        if wait:
            thread.join()
        return status

    def _running(self, case: str) -> JobStatus | None:
        return next((j for j in self._jobs.values() if j.case == case and j.active), None)

    def _forget_old(self) -> None:
        done = sorted((j for j in self._jobs.values() if not j.active), key=lambda j: j.updated)
        for job in done[: max(0, len(done) - KEEP)]:
            self._jobs.pop(job.id, None)
            self._threads.pop(job.id, None)

    def _run(self, status: JobStatus, work: Work) -> None:
        ctx = JobContext(status, self._lock)
        try:
            result = work(ctx)
        except Cancelled:
            self._end(status, CANCELLED, stage="cancelled: nothing half-done was kept")
        except HavenError as exc:
            self._end(status, FAILED, error=exc.message)
        except Exception as exc:  # a job's bug is one failed job, never a dead server
            self._end(status, FAILED, error=f"{type(exc).__name__}: {exc}")
        else:
            self._end(status, DONE, result=result or {})

    def _end(self, status: JobStatus, state: str, **fields: Any) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(status, name, value)
            if state == DONE:
                status.fraction = 1.0
                status.stage = "done"
            status.state = state
            status.finished = status.updated = time.time()

    def get(self, job_id: str) -> JobStatus | None:
        with self._lock:
            return self._jobs.get(job_id)

    def for_case(self, case: str) -> JobStatus | None:
        """The running job of ``case``, else its most recent one."""
        with self._lock:
            running = self._running(case)
            if running is not None:
                return running
            mine = [j for j in self._jobs.values() if j.case == case]
            return max(mine, key=lambda j: j.started) if mine else None

    def cancel(self, job_id: str) -> JobStatus | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.active:
                job.cancel_requested = True
                job.stage = f"{job.stage} (cancelling…)"
            return job

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus | None:
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(job_id)
