"""What every tool has: a Vietnamese description, typed arguments, whether it changes data, who may use it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain.attachments import Attachment
from mattran.domain.permissions import Operation, is_allowed
from tools.names import ToolName


@dataclass(frozen=True)
class ToolContext:
    """The services a tool may use, the verified caller and the files the person attached (none of them ever taken
    from a model's output)."""

    principal: Principal
    services: Any  # the app's state: petitions, resolver, db
    attachments: tuple[Attachment, ...] = ()  # checked files held for the petition being filed


class ToolDenied(Exception):
    """The caller may not use this tool (or not on that unit)."""


class ToolFailed(Exception):
    """The tool could not do what was asked; the message says why, in Vietnamese."""


@contextmanager
def domain_refusals() -> Iterator[None]:
    """Turn the domain's refusals into the tools' own: permission → ToolDenied, unknown unit → ToolFailed."""
    from mattran.domain.access import PermissionDenied, UnknownUnit

    try:
        yield
    except PermissionDenied as exc:
        raise ToolDenied(exc.message) from exc
    except UnknownUnit as exc:
        raise ToolFailed(exc.message) from exc


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

    async def __call__(self, ctx: ToolContext, raw_args: dict[str, Any]) -> dict[str, Any]:
        """Validate the arguments, re-check the permission, run."""
        if not self.allowed_for(ctx.principal):
            raise ToolDenied(f"Tài khoản không được dùng chức năng “{self.name}”.")
        return await self.run(ctx, self.args.model_validate(raw_args))
