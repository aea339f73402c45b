"""Terminal output for the CLI: progress lines in Vietnamese on stderr."""

from __future__ import annotations

from rich.console import Console

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def say(message: str) -> None:
    """One progress line."""
    err.print(f"[bold cyan]›[/] {message}")
