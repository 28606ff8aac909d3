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
    """``progress(stage, done, total)`` from ``haven.report`` as a fraction: each new stage moves a base
    forward by one of ``expected`` equal shares (never past 0.95 before the job ends)."""

    def __init__(self, ctx: JobContext, expected: int) -> None:
        self.ctx, self.expected = ctx, max(1, expected)
        self.stages: list[str] = []

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        if not self.stages or self.stages[-1] != stage:
            self.stages.append(stage)
        base = min(len(self.stages) - 1, self.expected - 1)
        within = (done / total) if total else 0.0
        fraction = min(0.95, (base + min(within, 1.0)) / self.expected)
        counts = {"done": done, "total": total} if total else {"done": done}
        self.ctx.update(stage, fraction, **counts)


def pdf_work(vault: Vault, out: Path) -> Callable[[JobContext], dict[str, Any]]:
    def work(ctx: JobContext) -> dict[str, Any]:
        from haven.report.pdf import build_pdf

        path = build_pdf(vault, out, progress=StagedProgress(ctx, 4))
        return {"path": str(path), "size": path.stat().st_size}

    return work


def package_work(vault: Vault, out: Path) -> Callable[[JobContext], dict[str, Any]]:
    def work(ctx: JobContext) -> dict[str, Any]:
        from haven.report.package import export_package

        result = export_package(vault, out, progress=StagedProgress(ctx, 8))
        path = Path(getattr(result, "path", out))
        return {"path": str(path), "size": path.stat().st_size if path.exists() else 0}

    return work
