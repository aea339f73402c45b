"""What every tool has: a Vietnamese description, typed arguments, whether it changes data, who may use it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain.attachments import Attachment
from mattran.domain.errors import DomainError, Refused
from mattran.domain.permissions import Operation, is_allowed, is_unit_scoped
from mattran.domain.petitions import Contact
from mattran.domain.rate_limits import RateLimited
from mattran.services import Services
from mattran.store.db import Conn
from tools.names import ToolName


@dataclass(frozen=True)
class ToolContext:
    """The services a tool may use, the verified caller and the files the person attached (none of them ever taken
    from a model's output)."""

    principal: Principal
    services: Services
    attachments: tuple[Attachment, ...] = ()  # checked files held for the petition being filed
    contact: Contact | None = None  # the petitioner's contact, given in the chat after the notice (never by a model)


class ToolDenied(Exception):
    """The caller may not use this tool (or not on that unit)."""


class ToolFailed(Exception):
    """The tool could not do what was asked; the message says why, in Vietnamese."""


def refusal(exc: DomainError) -> ToolDenied | ToolFailed:
    """The tools' reading of a domain refusal: a permission refused → ToolDenied (the assistant says the caller may
    not); any other kind, a rate limit too → ToolFailed with the Vietnamese reason, which the assistant repeats."""
    if isinstance(exc, Refused) and not isinstance(exc, RateLimited):
        return ToolDenied(exc.message)
    return ToolFailed(exc.message)


@contextmanager
def domain_refusals() -> Iterator[None]:
    """Raise the domain's refusals as the tools' own (see ``refusal``)."""
    try:
        yield
    except DomainError as exc:
        raise refusal(exc) from exc


@asynccontextmanager
async def in_scope(ctx: ToolContext) -> AsyncIterator[Conn]:
    """A transaction limited to the caller's scope, the domain's refusals raised as the tools' own."""
    with domain_refusals():
        async with ctx.services.db.transaction(ctx.principal.scope()) as conn:
            yield conn


@dataclass(frozen=True)
class Tool:
    """One tool of the assistant."""

    name: ToolName
    description: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], Awaitable[dict[str, Any]]]
    operation: Operation
    changes_data: bool = False

    def allowed_for(self, principal: Principal) -> bool:
        """Whether the caller may use the tool at all (the tool checks the target unit again when it runs)."""
        return is_allowed(principal, self.operation)

    def refusal_for(self, ctx: ToolContext, raw_args: dict[str, Any]) -> str | None:
        """Why the caller may not make this call (None: they may): the role may not use the tool, or the unit the
        call names is outside the caller's scope. Decided from the call alone, before any confirmation."""
        if not self.allowed_for(ctx.principal):
            return "vai trò không được dùng chức năng này"
        unit = ctx.services.resolver.units.get(str(raw_args.get("unit_code")))
        if unit and is_unit_scoped(self.operation) and not is_allowed(ctx.principal, self.operation, unit.path):
            return "đơn vị này nằm ngoài phạm vi của tài khoản"
        return None  # a unit that does not exist is the tool's to report (not found)

    async def __call__(self, ctx: ToolContext, raw_args: dict[str, Any]) -> dict[str, Any]:
        """Validate the arguments, re-check the permission, run."""
        if reason := self.refusal_for(ctx, raw_args):
            raise ToolDenied(f"Tài khoản không được dùng chức năng “{self.name}”: {reason}.")
        return await self.run(ctx, self.args.model_validate(raw_args))


Run = Callable[[ToolContext, Any], Awaitable[dict[str, Any]]]


def tool(name: ToolName, operation: Operation, *, changes_data: bool = False) -> Callable[[Run], Tool]:
    """Declare a tool by its function: the function's docstring, in Vietnamese, is what the model is told the tool
    does (its lines joined), and the type of its ``args`` is the arguments' model."""

    def declare(run: Run) -> Tool:
        description = " ".join((run.__doc__ or "").split())
        return Tool(name, description, get_type_hints(run)["args"], run, operation, changes_data)

    return declare
