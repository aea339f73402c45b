"""Chainlit handlers: who is chatting comes from the platform session, never from the chat itself."""

from __future__ import annotations

from typing import Any

import chainlit as cl
from fastapi import Request, Response

from mattran.scope import Scope
from web.auth import SESSION_COOKIE
from web.chat.mount import CHAINLIT_COOKIE, CONTEXT, GUEST_ID, principal_from_headers


@cl.header_auth_callback
async def header_auth(headers: Any) -> cl.User:
    """The chat user is the platform's signed-in user, or a guest."""
    principal = await principal_from_headers(headers)
    return cl.User(
        identifier=principal.subject or GUEST_ID, display_name=principal.name,
        metadata={"roles": sorted(principal.roles), "role_labels": principal.role_labels,
                  "unit": principal.unit_code, "unit_name": principal.unit_name},
    )


@cl.on_chat_start
async def start() -> None:
    """Greet the user by name, role and unit."""
    user = cl.user_session.get("user")
    meta = user.metadata if user else {}
    who = user.display_name if user else "Khách"
    roles = ", ".join(meta.get("role_labels") or ["Khách"])
    unit = f" — {meta['unit_name']}" if meta.get("unit_name") else ""
    await cl.Message(
        content=f"Xin chào **{who}** ({roles}{unit}).\n\n"
                "Hiện tôi có thể tra cứu đơn vị hành chính: hãy gõ tên xã, phường, đặc khu hoặc địa chỉ "
                "(kể cả địa chỉ cũ trước 01/7/2025), ví dụ “P. Ba Đình, HN”."
    ).send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Look up the administrative unit the message names."""
    state = CONTEXT.state
    async with state.db.transaction(Scope.public()) as conn:
        result = await state.resolver.resolve(conn, message.content[:300])
    lines = [result.message]
    lines += [f"- {m.name}, {m.province_name or ''} (mã {m.code})" for m in result.results[:10]]
    await cl.Message(content="\n".join(lines)).send()


@cl.on_logout
async def on_logout(request: Request, response: Response) -> dict[str, bool]:
    """Signing out of the chat signs out of the platform too."""
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        await CONTEXT.state.sessions.end(value)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return {"success": True}
