"""Members API (a first slice: list and add), scoped by permission checks and by row-level security."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from mattran.domain.permissions import Operation
from mattran.store import members as members_store
from web.auth import CurrentPrincipal, authorize

router = APIRouter(prefix="/api/members", tags=["members"])


class MemberIn(BaseModel):
    """A committee member to add."""

    unit_code: str = Field(min_length=2, max_length=10)
    full_name: str = Field(min_length=1, max_length=200)
    gender: Literal["nam", "nu", "khac"] | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    position: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)


class MemberOut(MemberIn):
    """A committee member."""

    id: int


@router.get("", response_model=list[MemberOut])
async def list_members(request: Request, principal: CurrentPrincipal,
                       unit: Annotated[str | None, Query(max_length=10)] = None) -> list[dict]:
    """Thành viên trong phạm vi của cán bộ (hoặc của một đơn vị trong phạm vi đó)."""
    await authorize(request, principal, Operation.MEMBER_READ, unit)
    async with request.app.state.db.transaction(principal.scope()) as conn:
        return await members_store.list_members(conn, unit)


@router.post("", response_model=MemberOut, status_code=201)
async def add_member(request: Request, principal: CurrentPrincipal, member: MemberIn) -> dict:
    """Thêm thành viên vào một đơn vị trong phạm vi của cán bộ."""
    await authorize(request, principal, Operation.MEMBER_WRITE, member.unit_code)
    async with request.app.state.db.transaction(principal.scope()) as conn:
        return await members_store.add_member(conn, **member.model_dump())
