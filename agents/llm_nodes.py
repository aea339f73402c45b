"""The graph's steps in model mode: the model reads the conversation and answers or asks for a tool; once the tool
has run, it writes the answer from the masked result or asks for another tool.

A tool call from the model is only a proposal: the graph sends it through the same authorization, confirmation and
tool (which re-checks the permission) as an offline one. Arguments that do not fit the tool's schema, or a unit code
that does not exist, go back to the model to be corrected before anything is shown to the person.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from pydantic import ValidationError

from agents import replies
from agents.llm import MODEL_ERRORS, model_messages, redact, tool_entry, tool_specs
from agents.state import ChatState, Entry, ToolCall
from mattran.domain.time import VIETNAM
from tools.base import ToolContext
from tools.registry import ALL_TOOLS

_log = logging.getLogger(__name__)
MAX_TOOL_CALLS = 4  # tool calls the model may make in one turn; then it must answer
_CORRECTIONS = 2  # times the model may correct a call's arguments
NO_ANSWER = "Xin lỗi, tôi chưa hiểu yêu cầu. Bạn nói rõ hơn giúp tôi nhé."


@dataclass(frozen=True)
class _Step:
    """What the model said: a text, or a tool call."""

    text: str
    call: ToolCall | None


async def model_understand(model: BaseChatModel, ctx: ToolContext, state: ChatState) -> ChatState | None:
    """The turn's first step: the model's answer or tool call (None when the model's server failed)."""
    step = await _ask(model, ctx, state["messages"], tools=True)
    if step is None:
        return None
    call = step.call
    intent = call["name"] if call else None
    return {
        "intent": intent,
        "slots": _slots(ctx, call),
        "awaiting": None,
        "candidates": [],
        "tool_call": call,
        "result": None,
        "reply": None if call else step.text,
        "trace": {"intent": intent, "tool_calls": [{**call}] if call else []},
    }


async def model_respond(model: BaseChatModel, ctx: ToolContext, state: ChatState) -> ChatState:
    """After a tool the model called: the answer from its masked result, or the next tool call. When the model's
    server fails, the answer is the offline one built from the result."""
    call, result = state.get("tool_call"), state.get("result")
    assert call is not None and result is not None, "the graph comes here after a tool the model called has run"
    trace = (state.get("trace") or {}).copy()
    entry = tool_entry(call, result)
    more = len(trace.get("tool_calls") or []) < MAX_TOOL_CALLS
    step = await _ask(model, ctx, [*state["messages"], entry], tools=more)
    if step is None:
        return {
            "tool_call": None,
            "reply": replies.from_result(call, result),
            "trace": trace | {"model_unavailable": True},
        }
    if step.call is None:
        return {"messages": [entry], "tool_call": None, "reply": step.text}
    trace["tool_calls"] = [*(trace.get("tool_calls") or []), {**step.call}]
    return {
        "messages": [entry],
        "tool_call": step.call,
        "result": None,
        "slots": _slots(ctx, step.call),
        "trace": trace,
    }


async def _ask(model: BaseChatModel, ctx: ToolContext, entries: list[Entry], tools: bool) -> _Step | None:
    """One answer of the model over the conversation (with the caller's tools, when ``tools``); None when its
    server failed."""
    messages: list[BaseMessage] = model_messages(ctx.principal, datetime.now(VIETNAM).date(), entries)
    specs = tool_specs(ctx.principal) if tools else []
    runnable = model.bind_tools(specs) if specs else model
    try:
        for _ in range(_CORRECTIONS + 1):
            answer = await runnable.ainvoke(messages)
            call = _first_call(answer)
            problem = _problem(ctx, call) if call else None
            if call is None or problem is None:
                return _Step(text=answer.text.strip() or NO_ANSWER, call=call)
            messages += [
                AIMessage("", tool_calls=[call | {"args": redact(call["args"])}]),
                ToolMessage(redact(problem), tool_call_id=call["id"]),
            ]
    except MODEL_ERRORS:
        _log.warning("the language model's server failed; this turn goes on offline", exc_info=True)
        return None
    return _Step(text=NO_ANSWER, call=None)


def _first_call(answer: Any) -> ToolCall | None:
    """The model's first tool call as ``{name, args, id}`` (later ones are asked for again after it)."""
    if not getattr(answer, "tool_calls", None):
        return None
    first = answer.tool_calls[0]
    return {
        "name": first["name"],
        "args": dict(first.get("args") or {}),
        "id": first.get("id") or f"call_{uuid.uuid4().hex[:16]}",
    }


def _problem(ctx: ToolContext, call: ToolCall) -> str | None:
    """Why the call cannot be proposed as it is (for the model to correct), or None. A tool the role may not use
    is no problem here: authorization refuses it, by code."""
    tool = ALL_TOOLS.get(call["name"])
    if tool is None or not tool.allowed_for(ctx.principal):
        return None
    try:
        tool.args.model_validate(call["args"])
    except ValidationError as exc:
        return "Tham số không hợp lệ: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors()
        )
    code = call["args"].get("unit_code")
    if code and code not in ctx.services.resolver.units:
        return f"Không có đơn vị mã “{code}”. Dùng find_unit để tìm mã đơn vị."
    return None


def _slots(ctx: ToolContext, call: ToolCall | None) -> dict[str, Any]:
    """The unit's name for the confirmation question."""
    unit = ctx.services.resolver.units.get(call["args"].get("unit_code") or "" if call else "")
    return {"unit_name": unit.name} if unit else {}
