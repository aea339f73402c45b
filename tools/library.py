"""Library tool: answer a question from the community library, every passage cited."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain.permissions import Operation
from tools.base import ToolContext, tool
from tools.names import ToolName


class SearchLibraryArgs(BaseModel):
    """Arguments of ``search_library``."""

    question: str = Field(min_length=2, max_length=500, description="Câu hỏi của người dùng, nguyên văn.")
    k: int = Field(default=3, ge=1, le=10, description="Số đoạn trích dẫn tối đa.")


@tool(ToolName.SEARCH_LIBRARY, Operation.LIBRARY_SEARCH)
async def search_library(ctx: ToolContext, args: SearchLibraryArgs) -> dict[str, Any]:
    """Tìm câu trả lời trong thư viện số cộng đồng (luật, hướng dẫn, văn bản của Mặt trận) trong phạm vi tài liệu
    người dùng được đọc; trả về các đoạn liên quan kèm tên văn bản, chương, điều để trích dẫn."""
    answer = await ctx.services.library.answer(ctx.principal, args.question, args.k)
    return {
        "question": answer.question,
        "found": answer.found,
        "passages": [
            {
                "document_id": p.hit.document_id,
                "title": p.hit.title,
                "heading": p.hit.heading,
                "url": p.hit.url,
                "text": p.hit.text,
                "sentences": p.sentences,
                "notice": p.hit.notice,
            }
            for p in answer.passages
        ],
    }
