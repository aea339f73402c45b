"""Chainlit handlers: who is chatting comes from the platform session, never from the chat itself."""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, ParamSpec

import chainlit as cl
from chainlit.element import Element
from chainlit.types import ThreadDict
from fastapi import Request, Response

from agents.replies import TOOL_LABELS, Example, examples
from agents.runner import Token, ToolStep, Turn
from agents.understanding import Intent
from mattran.domain.attachments import MAX_BYTES
from mattran.domain.consent import CHAT_NOTICE
from mattran.domain.rate_limits import Limit, RateLimited, caller_key
from web.auth import SESSION_COOKIE
from web.chat.history import ChatHistory
from web.chat.mount import (
    CHAINLIT_COOKIE,
    CHAT_USER,
    CONTEXT,
    address_of_session,
    cookies_of_headers,
    cookies_of_session,
    is_guest,
    new_guest_identity,
    principal_from_cookies,
    session_from_cookies,
)

_CHOICES = {"xac_nhan": ("có", "Gửi"), "huy": ("không", "Hủy")}  # the confirmation's buttons: answer, label
_ASKED = "confirmation"  # in the user session: the message whose buttons wait for an answer
_MEANT = ("y_1", "y_2")  # the buttons of "which did you mean?": they answer "1" or "2"
_GUEST_CONVERSATION = "guest_conversation"  # in the user session: the id the server issued to a guest's conversation
SESSION_ENDED = (
    "Phiên đăng nhập của bạn đã kết thúc. Hãy tải lại trang để tiếp tục (đăng nhập lại, hoặc trò chuyện "
    "với tư cách khách)."
)
_log = logging.getLogger(__name__)
P = ParamSpec("P")


def incident_message(reference: str) -> str:
    """What the chat says when a turn fails: never the error itself (it is logged under ``reference``)."""
    return (
        f"Xin lỗi, trợ lý gặp sự cố nên chưa xử lý được yêu cầu của bạn. Vui lòng thử lại sau. Nếu lỗi lặp lại, "
        f"hãy báo cho quản trị viên mã sự cố **{reference}**."
    )


def reported(handler: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """``handler``, whose failure is logged with an incident reference and told to the person in plain Vietnamese
    (Chainlit would show the raw exception text)."""

    @functools.wraps(handler)
    async def reporting(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(*args, **kwargs)
        except Exception:  # every failure is logged, none is shown as it is
            reference = secrets.token_hex(4).upper()
            _log.exception("chat incident %s", reference)
            await cl.ErrorMessage(content=incident_message(reference), author="Trợ lý").send()

    return reporting


@cl.header_auth_callback
async def header_auth(headers: Any) -> cl.User:
    """The chat user is the platform's signed-in user (the token bound to their session), or a new guest."""
    principal, binding = await session_from_cookies(cookies_of_headers(headers))
    CHAT_USER.set(principal.subject)  # whose chat user the data layer stores next
    return cl.User(
        identifier=principal.subject or new_guest_identity(),
        display_name=principal.name,
        metadata={
            "roles": sorted(principal.roles),
            "role_labels": principal.role_labels,
            "unit": principal.unit_code,
            "unit_name": principal.unit_name,
            "session": binding,
        },
    )


@cl.data_layer
def history() -> ChatHistory:
    """Signed-in people's conversations and feedback, stored in the platform's PostgreSQL."""
    return ChatHistory(CONTEXT.store_url)


def _examples(user: cl.User | None) -> tuple[Example, ...]:
    """What the chat user's roles can ask (a guest: what a citizen can)."""
    return examples((user.metadata if user else {}).get("roles") or ())


@cl.set_starters
async def starters(user: cl.User | None) -> list[cl.Starter]:
    """A new conversation's starter buttons: the examples of the person's role (the greeting lists the same)."""
    return [cl.Starter(label=e.label, message=e.message) for e in _examples(user)]


@cl.on_chat_start
async def start() -> None:
    """Greet the user by name, role and unit, with examples of what they can ask.

    The greeting is a system message: an assistant message would close Chainlit's welcome screen, and the starter
    buttons on it, before the person has written anything.
    """
    user = cl.user_session.get("user")
    meta = user.metadata if user else {}
    who = user.display_name if user else "Khách"
    roles = ", ".join(meta.get("role_labels") or ["Khách"])
    unit = f" — {meta['unit_name']}" if meta.get("unit_name") else ""
    await cl.Message(
        type="system_message",
        content=f"Xin chào **{who}** ({roles}{unit}).\n\n"
        "Tôi có thể giúp bạn gửi phản ánh, kiến nghị đến Ủy ban MTTQ (kèm ảnh hoặc tệp PDF), tra cứu tình "
        "trạng phản ánh theo mã (PAKN-…), trả lời câu hỏi từ thư viện số (luật, hướng dẫn, có trích dẫn) và "
        "xác định đơn vị hành chính mới của một địa chỉ. Bạn có thể hỏi, ví dụ:\n"
        + "\n".join(f"- {e.message}" for e in _examples(user))
        + f"\n\n{CHAT_NOTICE}",
    ).send()


@cl.on_chat_resume
@reported
async def resume(thread: ThreadDict) -> None:
    """Reopen one of the person's own conversations: Chainlit shows its messages, the assistant's memory is
    keyed by the thread (and its author), so the conversation simply goes on.

    A request left waiting for confirmation gets its Gửi/Hủy buttons back rather than being cancelled: the
    assistant still holds it exactly as it was shown (files included), and someone coming back to a petition they
    wrote expects to be able to send it. The buttons go on the stored question: a message sent from here would be
    replaced by the stored ones when Chainlit shows them.
    """
    principal = await principal_from_cookies(cookies_of_session(cl.context.session))
    question = await CONTEXT.web.chat.pending(principal, thread["id"])
    asked = next(
        (
            s
            for s in reversed(thread["steps"])
            if question and s["type"] == "assistant_message" and (s.get("output") or "").endswith(question)
        ),
        None,
    )
    if asked:
        ask = cl.Message.from_dict(asked)
        ask.actions = _buttons()
        await asyncio.gather(*(action.send(for_id=ask.id) for action in ask.actions))
        cl.user_session.set(_ASKED, ask)


def _conversation(guest: bool) -> str:
    """The assistant's conversation: a signed-in person's is the chat thread (reopened from the history); a
    guest's is one the server issued for this chat session (a guest cannot name, nor reach, another's)."""
    if not guest:
        return cl.context.session.thread_id
    issued = cl.user_session.get(_GUEST_CONVERSATION)
    if issued is None:
        issued = CONTEXT.web.chat.new_conversation()
        cl.user_session.set(_GUEST_CONVERSATION, issued)
    return issued


async def _show(events: AsyncIterator[Token | ToolStep | Turn], reply: cl.Message) -> Turn:
    """Stream the model's words into ``reply`` and show a step for each tool that ran; the turn at the end."""
    async for event in events:
        if isinstance(event, Token):
            await reply.stream_token(event.text)
        elif isinstance(event, ToolStep):  # shown closed, as "Đã dùng: gửi phản ánh"
            async with cl.Step(name=TOOL_LABELS.get(event.name, event.name), type="tool") as step:
                step.input = event.args
                step.output = event.error or event.result
        else:
            return event
    raise AssertionError("a turn always ends with its Turn")


def _buttons() -> list[cl.Action]:
    """The Gửi/Hủy buttons of a confirmation."""
    return [cl.Action(name=name, payload={}, label=label) for name, (_, label) in _CHOICES.items()]


async def _settle(label: str | None) -> None:
    """Take the buttons off the confirmation waiting in this session, noting the button chosen (if one was)."""
    ask: cl.Message | None = cl.user_session.get(_ASKED)
    if ask is None:
        return
    cl.user_session.set(_ASKED, None)
    await ask.remove_actions()
    ask.actions = []
    if label:
        ask.content += f"\n\n**Đã chọn:** {label}"
        await ask.update()


def _read(elements: Sequence[Element]) -> list[tuple[str, bytes]]:
    """Name and bytes of each file attached to a message (one byte over the limit is enough to refuse it)."""
    files = []
    for element in elements:
        if element.path:
            with open(element.path, "rb") as f:
                files.append((element.name, f.read(MAX_BYTES + 1)))
    return files


@cl.on_message
@reported
async def on_message(message: cl.Message) -> None:
    """One turn of the assistant, with the files attached to the message (checked by the attachments' rules)."""
    await _turn(message.content, await asyncio.to_thread(_read, message.elements))


@cl.action_callback(_MEANT[0])
@cl.action_callback(_MEANT[1])
@reported
async def on_meaning(action: cl.Action) -> None:
    """A button answers the question which of two things the message meant."""
    await action.remove()
    await _turn(str(_MEANT.index(action.name) + 1))


@cl.action_callback("xac_nhan")
@cl.action_callback("huy")
@reported
async def on_choice(action: cl.Action) -> None:
    """A Gửi/Hủy button answers the confirmation the conversation waits for."""
    answer, label = _CHOICES[action.name]
    await _settle(label)
    await _turn(answer, answering=True)


async def _turn(text: str, files: Sequence[tuple[str, bytes]] = (), answering: bool = False) -> None:
    """One turn of the assistant, streamed. A data-changing step asks for confirmation with Gửi/Hủy buttons and
    the turn ends there: a button (or "có"/"không" written) answers it, in this session or after reopening."""
    principal = replace(
        await principal_from_cookies(cookies_of_session(cl.context.session)),
        address=address_of_session(cl.context.session),
    )
    user = cl.user_session.get("user")
    if user and not is_guest(user.identifier) and user.identifier != principal.subject:
        await cl.ErrorMessage(content=SESSION_ENDED, author="Trợ lý").send()  # signed out since the chat opened
        return
    try:
        await CONTEXT.services.limits.hit(Limit.CHAT, caller_key(principal))
    except RateLimited as exc:
        await cl.Message(content=exc.message).send()
        return
    runner = CONTEXT.web.chat
    conversation = _conversation(principal.subject is None)
    reply = cl.Message(content="")
    turn = await _show(runner.stream(principal, conversation, text, files, answering), reply)
    if turn.confirmation:
        if reply.streaming:
            await reply.remove()  # words the model wrote before proposing the call: the question replaces them
        await _settle(None)
        ask = await cl.Message(content=turn.confirmation, actions=_buttons()).send()
        cl.user_session.set(_ASKED, ask)
        return
    if cl.user_session.get(_ASKED) and await runner.pending(principal, conversation) is None:
        await _settle(None)  # answered in words
    reply.content = turn.reply
    if turn.intent == Intent.CLARIFY:  # "Bạn muốn …?" then one numbered line per choice: a button each
        options = [line.split(". ", 1)[1] for line in turn.reply.splitlines()[1:]]
        reply.actions = [cl.Action(name=name, payload={}, label=o) for name, o in zip(_MEANT, options, strict=False)]
    await reply.send()
    if turn.citations:  # below the answer, closed until tapped (a side view would open by itself, over a phone)
        async with cl.Step(name=f"{len(turn.citations)} nguồn trích dẫn", type="retrieval", show_input=False) as step:
            step.output = "\n\n".join(
                f"{n}. [{c.heading}]({c.url}) — {c.title}\n\n> {_excerpt(c.text)}"
                for n, c in enumerate(turn.citations, 1)
            )


def _excerpt(text: str, limit: int = 600) -> str:
    """A cited passage, cut at a word near ``limit`` characters, on one quoted paragraph."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


@cl.on_logout
async def on_logout(request: Request, response: Response) -> dict[str, bool]:
    """Signing out of the chat signs out of the platform too."""
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        await CONTEXT.web.sessions.end(value)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return {"success": True}
