"""The long jobs: import, derive (offender details and red flags again), PDF report and package.

Each returns a ``Work`` function for ``JobManager.start``: it runs on an open ``Vault`` (the caller keeps
it open) and turns the capability's own progress calls into ``JobContext.update`` (which also raises
``Cancelled`` when the person pressed Cancel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from haven.jobs.status import JobContext
from haven.vault import Vault
from haven.vault.progress import ImportProgress

STAGE_WORDS = {
    "starting": "getting ready",
    "reading": "reading, hashing and encrypting",
    "details": "finding offender details and red flags",
    "done": "finishing",
}


def import_progress(ctx: JobContext) -> Callable[[ImportProgress], None]:
    def events(p: ImportProgress) -> None:
        words = STAGE_WORDS.get(p.stage, p.stage)
        stage = f"{words}: {p.file}" if p.file and not p.finished else words
        ctx.update(
            stage,
            p.fraction,
            files=p.files_done,
            files_total=p.files_total,
            bytes=p.bytes_done,
            bytes_total=p.bytes_total,
            messages=p.messages,
            new_messages=p.new_messages,
        )

    return events


def import_work(
    vault: Vault,
    paths: Sequence[str | Path],
    *,
    intimate: bool = False,
    options: dict[str, Any] | None = None,
    after: Callable[[Any], dict[str, Any]] | None = None,
) -> Callable[[JobContext], dict[str, Any]]:
    """Import ``paths``; ``after(summary)`` (e.g. the web app's upload clean-up) makes the result."""

    def work(ctx: JobContext) -> dict[str, Any]:
        summary = vault.import_paths(paths, intimate=intimate, options=options, events=import_progress(ctx))
        return after(summary) if after is not None else summary.to_dict()

    return work


def derive_work(vault: Vault) -> Callable[[JobContext], dict[str, Any]]:
    def work(ctx: JobContext) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            ctx.update("finding offender details and red flags", 0.95 * done / max(1, total), messages=done)

        state = vault.rebuild_derived(progress=progress)
        return {"details": state.get("details", 0), "flags": state.get("flags", 0)}

    return work


class StagedProgress:
    """``progress(stage, done, total)`` from ``haven.report`` as a fraction. ``plan`` names the stages the
    work will go through, in order (or, as before, how many there are): each stage is one equal share, and
    within it ``done / total`` moves the bar. A stage that is not in the plan (the work found it must do
    more, e.g. make the offender details again) is put in after the current one, so the shares are the real
    stages. The fraction only goes up and stays below 1 while the job runs: the job manager says 100%
    when the work has returned."""

    def __init__(self, ctx: JobContext, plan: int | Sequence[str]) -> None:
        self.ctx = ctx
        if isinstance(plan, int):
            self.plan, self.named = [f"stage {i + 1}" for i in range(max(1, plan))], False
        else:
            self.plan, self.named = list(plan), True
        self.stages: list[str] = []
        self.at = -1
        self.fraction = 0.0

    def _index(self, stage: str) -> int:
        if not self.named:  # a count only: the n-th distinct stage is share n (never past the last)
            if not self.stages or self.stages[-1] != stage:
                self.stages.append(stage)
            return min(len(self.stages) - 1, len(self.plan) - 1)
        start = max(self.at, 0)
        if stage in self.plan[start:]:
            return self.plan.index(stage, start)
        if stage in self.plan[:start]:  # an earlier stage again: the bar stays where it is
            return self.at
        self.plan.insert(self.at + 1, stage)
        return self.at + 1

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        self.at = max(self.at, self._index(stage))
        if not self.named or self.plan[self.at] == stage:
            within = min(done / total, 1.0) if total else 0.0
            self.fraction = max(self.fraction, min(0.99, (self.at + within) / len(self.plan)))
        counts = {"done": done, "total": total} if total else {"done": done}
        self.ctx.update(stage, self.fraction, **counts)


def pdf_work(vault: Vault, out: Path) -> Callable[[JobContext], dict[str, Any]]:
    def work(ctx: JobContext) -> dict[str, Any]:
        from haven.report.pdf import PDF_STAGES, build_pdf

        path = build_pdf(vault, out, progress=StagedProgress(ctx, PDF_STAGES))
        return {"path": str(path), "size": path.stat().st_size}

    return work


def package_work(vault: Vault, out: Path) -> Callable[[JobContext], dict[str, Any]]:
    def work(ctx: JobContext) -> dict[str, Any]:
        from haven.report.package import PACKAGE_STAGES, export_package

        result = export_package(vault, out, progress=StagedProgress(ctx, PACKAGE_STAGES))
        path = Path(getattr(result, "path", out))
        return {"path": str(path), "size": path.stat().st_size if path.exists() else 0}

    return work
