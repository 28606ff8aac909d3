"""Background jobs with honest progress: import, report, package and derive run as one ``Job`` each.

Public API: ``JobManager`` (``start``, ``get``, ``cancel``, ``for_case``), ``JobStatus``, ``JobContext``,
``JobRunning`` (a second long job on the same case), ``Cancelled``; the work itself is in ``tasks``.

The model: a job belongs to one case; at most one long job runs per case at a time. Its status holds the
stage (in plain words), counts (files, bytes, messages), a fraction that only ever grows and reaches 1.0
only when the job is done, and a time-left estimate. Cancel is cooperative: the job's own progress calls
raise ``Cancelled`` (a ``BaseException``, so no per-file error handling swallows it), which rolls back the
write transaction in progress; what was committed before stays, so a cancelled or crashed job always
leaves a case that verifies.
"""

from haven.jobs.manager import JobManager, JobRunning
from haven.jobs.status import Cancelled, JobContext, JobStatus

__all__ = ["Cancelled", "JobContext", "JobManager", "JobRunning", "JobStatus"]
