"""Chainlit handlers: who is chatting comes from the platform session, never from the chat itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import chainlit as cl
from chainlit.types import ThreadDict
from fastapi import Request, Response

from agents.runner import Token, ToolStep, Turn
from web.auth import SESSION_COOKIE
from web.chat.history import ChatHistory
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


@cl.data_layer
def history() -> ChatHistory:
    """Signed-in people's conversations and feedback, stored in the platform's PostgreSQL."""
    return ChatHistory(CONTEXT.store_url)


CITIZEN_EXAMPLES = ("Thời hạn giải quyết khiếu nại lần đầu là bao lâu?",
                    "Đường thôn 3 xã Văn Miếu bị sụt lún nhiều tháng chưa sửa, tôi muốn phản ánh.",
                    "Phản ánh của tôi (mã PAKN-năm-số) đến đâu rồi?", "P. Ba Đình, HN giờ thuộc đơn vị nào?")
CADRE_EXAMPLES = ("Tiến độ đại hội các xã của đơn vị tôi thế nào?", "Đơn vị tôi có bao nhiêu ủy viên nữ?",
                  "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị quý này",
                  "Mặt trận giám sát bằng những hình thức nào?")


@cl.on_chat_start
async def start() -> None:
    """Greet the user by name, role and unit."""
    user = cl.user_session.get("user")
    meta = user.metadata if user else {}
    who = user.display_name if user else "Khách"
    roles = ", ".join(meta.get("role_labels") or ["Khách"])
    unit = f" — {meta['unit_name']}" if meta.get("unit_name") else ""
    examples = CADRE_EXAMPLES if meta.get("unit_name") else CITIZEN_EXAMPLES
    await cl.Message(
        content=f"Xin chào **{who}** ({roles}{unit}).\n\n"
                "Tôi có thể giúp bạn gửi phản ánh, kiến nghị đến Ủy ban MTTQ, tra cứu tình trạng phản ánh theo mã "
                "(PAKN-…), trả lời câu hỏi từ thư viện số (luật, hướng dẫn, có trích dẫn) và xác định đơn vị hành "
                "chính mới của một địa chỉ. Bạn có thể hỏi, ví dụ:\n" + "\n".join(f"- {e}" for e in examples)
    ).send()


@cl.on_chat_resume
async def resume(thread: ThreadDict) -> None:
    """Reopen one of the person's own conversations: Chainlit shows its messages, the assistant's memory is
    keyed by the thread (and its author), so the conversation simply goes on."""


async def _show(events: AsyncIterator[Token | ToolStep | Turn], reply: cl.Message) -> Turn:
    """Stream the model's words into ``reply`` and show a step for each tool that ran; the turn at the end."""
    async for event in events:
        if isinstance(event, Token):
            await reply.stream_token(event.text)
        elif isinstance(event, ToolStep):
            async with cl.Step(name=event.name, type="tool") as step:
                step.input = event.args
                step.output = event.error or event.result
        else:
            return event
    raise AssertionError("a turn always ends with its Turn")


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """One turn of the assistant, streamed; a data-changing step waits for the person's confirmation."""
    principal = await principal_from_cookies(cookies_of_session(cl.context.session))
    runner = CONTEXT.state.chat
    conversation = cl.context.session.thread_id
    reply = cl.Message(content="")
    turn = await _show(runner.stream(principal, conversation, message.content), reply)
    if turn.confirmation:
        if reply.streaming:
            await reply.remove()  # words the model wrote before proposing the call: the question replaces them
        reply = cl.Message(content="")
        ask = cl.AskActionMessage(
            content=turn.confirmation, timeout=600,
            actions=[cl.Action(name="xac_nhan", payload={"answer": "có"}, label="Gửi"),
                     cl.Action(name="huy", payload={"answer": "không"}, label="Hủy")],
        )
        answer = await ask.send()
        choice = str(answer.get("payload", {}).get("answer", "không")) if answer else "không"
        ask.content = f"{turn.confirmation}\n\n**Đã chọn:** {'Gửi' if choice == 'có' else 'Hủy'}"
        await ask.update()
        turn = await _show(runner.stream(principal, conversation, choice), reply)
    reply.content = turn.reply
    if turn.citations:  # each cited passage opens beside the answer
        names = [f"Trích dẫn {n}" for n in range(1, len(turn.citations) + 1)]
        reply.elements = [cl.Text(name=name, display="side", content=f"**{c['heading']}**\n\n{c['text']}\n\n"
                                                                       f"[Mở trong thư viện]({c['url']})")
                          for name, c in zip(names, turn.citations, strict=True)]
        reply.content += "\n\nNguồn: " + ", ".join(names)
    await reply.send()


@cl.on_logout
async def on_logout(request: Request, response: Response) -> dict[str, bool]:
    """Signing out of the chat signs out of the platform too."""
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        await CONTEXT.state.sessions.end(value)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return {"success": True}
