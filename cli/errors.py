"""The CLI's one reading of the domain's refusals: the Vietnamese reason on stderr, as it is, and the exit."""

from __future__ import annotations

import typer

from cli.console import err
from mattran.domain.errors import DomainError


def refusal(exc: DomainError, code: int = 1) -> typer.Exit:
    """Print the reason (no markup: it may quote what the user typed); the exit to raise, 1 unless the command says
    otherwise (2 where it counts a refusal among wrong usages)."""
    err.print(exc.message, markup=False)
    return typer.Exit(code)
