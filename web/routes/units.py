"""Administrative units: the resolver over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mattran.domain.units import Resolution
from web.deps import PublicConn, ResolverDep

router = APIRouter(prefix="/api/units", tags=["units"])


@router.get("", response_model=Resolution)
async def find_units(
    conn: PublicConn,
    resolver: ResolverDep,
    q: Annotated[str, Query(min_length=1, max_length=300, description="Tên đơn vị hoặc địa chỉ, tự do.")],
) -> Resolution:
    """Tìm đơn vị hành chính từ văn bản tự do; trả về ứng viên khi chưa rõ, không đoán."""
    return await resolver.resolve(conn, q)
