"""Terminal output for the CLI: progress lines in Vietnamese on stderr."""

from __future__ import annotations

import logging
import os

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def say(message: str) -> None:
    """One progress line; with ``MATTRAN_LOG_FORMAT=json`` one record of the ``cli`` logger instead (``mattran up``
    configures the JSON lines before its first)."""
    if os.environ.get("MATTRAN_LOG_FORMAT", "").lower() == "json":
        logging.getLogger("cli").info(message)
        return
    err.print(f"[bold cyan]›[/] {message}")


def progress_bar() -> Progress:
    """A progress bar on stderr: what is done, the bar, done of total, time taken."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
