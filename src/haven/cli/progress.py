"""Rich progress bars for long commands: stage, counts, percent and time left, on stderr.

Quiet with ``--quiet`` and whenever stderr is not a terminal (scripts, pipes, CI logs). ``report_bar``
turns ``haven.report``'s ``progress(stage, done, total)`` calls into the same kind of bar.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from haven.cli.common import err_console
from haven.vault.progress import ImportProgress

IMPORT_STAGES = {
    "starting": "Getting ready",
    "reading": "Reading",
    "details": "Offender details and red flags",
    "done": "Finishing",
}


def _bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


@contextlib.contextmanager
def import_bar(quiet: bool = False) -> Iterator[Callable[[ImportProgress], None]]:
    """A bar fed by ``Vault.import_paths(events=...)``: 99 % at most until the import is done."""
    with _bar(quiet) as bar:
        task = bar.add_task("Importing", total=1000, counts="")

        def events(p: ImportProgress) -> None:
            words = IMPORT_STAGES.get(p.stage, p.stage)
            name = f" {p.file[:32]}" if p.file and not p.finished else ""
            counts = (
                f"file {min(p.files_done + 1, p.files_total)}/{p.files_total} · "
                f"{_mb(p.bytes_done)}/{_mb(p.bytes_total)} · {p.messages:,} messages"
            )
            bar.update(task, completed=int(p.fraction * 1000), description=words + name, counts=counts)

        yield events


@contextlib.contextmanager
def report_bar(
    title: str, expected_stages: int, quiet: bool = False
) -> Iterator[Callable[[str, int, int], None]]:
    """A bar fed by ``haven.report``'s ``progress(stage, done, total)``."""
    with _bar(quiet) as bar:
        task = bar.add_task(title, total=1000, counts="")
        stages: list[str] = []

        def progress(stage: str, done: int = 0, total: int = 0) -> None:
            if not stages or stages[-1] != stage:
                stages.append(stage)
            base = min(len(stages) - 1, expected_stages - 1)
            within = min(1.0, done / total) if total else 0.0
            counts = f"{done:,}/{total:,}" if total else (f"{done:,}" if done else "")
            fraction = min(0.99, (base + within) / expected_stages)
            bar.update(task, completed=int(fraction * 1000), description=f"{title}: {stage}", counts=counts)

        yield progress
