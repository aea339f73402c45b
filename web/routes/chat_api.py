"""The assistant over HTTP, for integrations: one message in, the reply (and any pending confirmation) out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from agents.runner import UnknownConversation
from mattran.domain.rate_limits import Limit, caller_key
from web.auth import CurrentPrincipal
from web.deps import ServicesDep, WebDep

router = APIRouter(prefix="/api/chat", tags=["assistant"])


class ChatIn(BaseModel):
    """A message to the assistant; send the ``conversation_id`` it returned to continue (e.g. answer “có” to a
    confirmation). A guest cannot choose one: a guest's id is issued by the server, and kept secret."""

    message: str = Field(min_length=1, max_length=5000)
    conversation_id: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")


class ChatOut(BaseModel):
    """The assistant's answer."""

    conversation_id: str
    reply: str
    confirmation: str | None
    intent: str | None
    tool_calls: list[dict[str, Any]]
    citations: list[dict[str, Any]]


@router.post("", response_model=ChatOut)
async def chat(
    request: Request, services: ServicesDep, web: WebDep, principal: CurrentPrincipal, body: ChatIn
) -> ChatOut:
    """Trò chuyện với trợ lý (quyền theo tài khoản của người gọi: jeton Bearer hoặc phiên đăng nhập)."""
    await services.limits.hit(Limit.CHAT, caller_key(principal))
    runner = web.chat
    conversation = body.conversation_id or runner.new_conversation()
    try:
        turn = await runner.send(principal, conversation, body.message)
    except UnknownConversation as exc:
        raise HTTPException(422, str(exc)) from exc
    return ChatOut(
        conversation_id=conversation,
        reply=turn.reply,
        confirmation=turn.confirmation,
        intent=turn.intent,
        tool_calls=[c.as_json() for c in turn.tool_calls],
        citations=[c.as_json() for c in turn.citations],
    )
