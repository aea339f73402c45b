"""Chainlit handlers: who is chatting comes from the platform session, never from the chat itself."""

from __future__ import annotations

from typing import Any

import chainlit as cl
from fastapi import Request, Response

from web.auth import SESSION_COOKIE
from web.chat.mount import (
    CHAINLIT_COOKIE,
    CONTEXT,
    GUEST_ID,
    cookies_of_session,
    principal_from_cookies,
    principal_from_headers,
)


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
                "Tôi có thể giúp bạn gửi phản ánh, kiến nghị đến Ủy ban MTTQ, tra cứu tình trạng phản ánh theo mã "
                "(PAKN-…) và xác định đơn vị hành chính mới của một địa chỉ, ví dụ “P. Ba Đình, HN thuộc đơn vị nào?”."
    ).send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """One turn of the assistant; a data-changing step waits for the person's confirmation."""
    principal = await principal_from_cookies(cookies_of_session(cl.context.session))
    runner = CONTEXT.state.chat
    conversation = cl.context.session.thread_id
    turn = await runner.send(principal, conversation, message.content)
    if turn.confirmation:
        ask = cl.AskActionMessage(
            content=turn.confirmation, timeout=600,
            actions=[cl.Action(name="xac_nhan", payload={"answer": "có"}, label="Gửi"),
                     cl.Action(name="huy", payload={"answer": "không"}, label="Hủy")],
        )
        answer = await ask.send()
        choice = str(answer.get("payload", {}).get("answer", "không")) if answer else "không"
        ask.content = f"{turn.confirmation}\n\n**Đã chọn:** {'Gửi' if choice == 'có' else 'Hủy'}"
        await ask.update()
        turn = await runner.send(principal, conversation, choice)
    await cl.Message(content=turn.reply).send()


@cl.on_logout
async def on_logout(request: Request, response: Response) -> dict[str, bool]:
    """Signing out of the chat signs out of the platform too."""
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        await CONTEXT.state.sessions.end(value)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return {"success": True}
