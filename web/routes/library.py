"""The library over HTTP: search, documents, and (for administrators) adding and deleting documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from mattran.domain.library import LibraryService, SearchResult
from mattran.domain.permissions import Operation
from web.auth import CurrentPrincipal, authorize
from web.deps import get_services

router = APIRouter(prefix="/api/library", tags=["library"])
DocumentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _library(request: Request) -> LibraryService:
    return get_services(request).library


@router.get("/search", response_model=SearchResult)
async def search(
    request: Request,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Câu hỏi hoặc từ khóa, có dấu hay không dấu.")],
    k: Annotated[int, Query(ge=1, le=50, description="Số đoạn trả về.")] = 5,
) -> SearchResult:
    """Tìm trong thư viện (vector + toàn văn không dấu), chỉ trong các tài liệu người gọi được đọc."""
    return await _library(request).search(principal, q, k)


@router.get("/documents")
async def documents(
    request: Request,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=200, description="Lọc theo tên văn bản.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> list[dict[str, Any]]:
    """Danh sách tài liệu người gọi được đọc."""
    return await _library(request).documents(principal, q, limit, offset)


@router.get("/documents/{document_id}")
async def document(request: Request, principal: CurrentPrincipal, document_id: DocumentId) -> dict[str, Any]:
    """Một tài liệu và các đoạn của nó theo thứ tự (404 nếu không có hoặc không được đọc)."""
    found = await _library(request).document(principal, document_id)
    if found is None:
        raise HTTPException(404, "Không tìm thấy tài liệu này trong thư viện.")
    return found


@router.delete("/documents/{document_id}", status_code=204)
async def delete_document(request: Request, principal: CurrentPrincipal, document_id: DocumentId) -> None:
    """Xóa một tài liệu (quản trị viên)."""
    await authorize(request, principal, Operation.LIBRARY_MANAGE)
    if not await _library(request).delete(principal, [document_id]):
        raise HTTPException(404, "Không tìm thấy tài liệu này trong thư viện.")
