"""The assistant's LangGraph: understand → authorize → confirm (interrupt) → act → respond.

Each node is a small async function of (state, config). The caller's principal and the platform's services come
in ``config["configurable"]``, set by the chat from the verified session: never from a model or the message.
Without a language model the understanding is offline (rules, patterns and the unit resolver). With one
(``configurable["model"]``), the model reads the conversation and proposes tool calls, which go through the same
authorization, confirmation and tools, and writes the answer from the tool's masked result (``agents/llm_nodes.py``).
"""

from __future__ import annotations

import operator
import re
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from agents import replies
from agents.llm_nodes import model_respond, model_understand
from agents.understanding import understand
from mattran.domain.attachments import Attachment
from mattran.domain.text import fold
from mattran.scope import Scope
from tools.base import ToolContext, ToolDenied, ToolFailed
from tools.registry import ALL_TOOLS

YES = {"co", "dong y", "xac nhan", "ok", "gui", "yes", "y", "vang", "u", "gui di"}
# What the model may call while it prepares a petition (it may look the unit up first): attached files stay held.
_PETITION_CALLS = {None, "file_petition", "find_unit"}


class ChatState(TypedDict, total=False):
    """A conversation's state, kept by the checkpointer between turns."""

    messages: Annotated[list[dict[str, Any]], operator.add]  # user, assistant, and (model mode) tool entries
    intent: str | None
    slots: dict[str, Any]
    awaiting: str | None
    candidates: list[dict[str, str]]
    tool_call: dict[str, Any] | None
    result: dict[str, Any] | None
    reply: str | None
    trace: dict[str, Any]  # this turn's intent and tool calls (with "denied"), for evals and integrations
    # Files are never in ``messages``: no language model ever reads them.
    incoming: list[dict[str, Any]]  # files sent with this message, checked (Attachment fields)
    attachments: list[dict[str, Any]]  # files held for the petition being prepared


def _ctx(config: RunnableConfig, files: list[dict[str, Any]] | None = None) -> ToolContext:
    conf = config["configurable"]
    return ToolContext(principal=conf["principal"], services=conf["services"],
                       attachments=tuple(Attachment(**f) for f in files or ()))


def _files(state: ChatState, step: dict[str, Any], keep: bool) -> dict[str, Any]:
    """Files sent with the message join those held for the petition being prepared (``keep``); otherwise every held
    file is dropped and the turn says so (``trace["files_not_kept"]``). Unchanged files are not written again."""
    incoming, held = state.get("incoming") or [], state.get("attachments") or []
    if keep:
        return (step | {"attachments": [*held, *incoming], "incoming": []}) if incoming else step
    if not (incoming or held):
        return step
    return step | {"attachments": [], "incoming": [], "trace": {**step["trace"], "files_not_kept": True}}


async def _resolve_unit(ctx: ToolContext, text: str) -> dict[str, Any]:
    async with ctx.services.db.transaction(Scope.public()) as conn:
        return (await ctx.services.resolver.resolve(conn, text)).model_dump()


def _pick(text: str, candidates: list[dict[str, str]]) -> dict[str, str] | None:
    """The candidate chosen by number ("2") or by a name it contains."""
    number = re.fullmatch(r"\s*(\d{1,2})\s*\.?\s*", text)
    if number and 1 <= int(number.group(1)) <= len(candidates):
        return candidates[int(number.group(1)) - 1]
    folded = fold(text)

    def fits(c: dict[str, str]) -> bool:
        province = fold(c["province_name"] or "")
        return len(folded) >= 3 and (folded in province or province in folded or fold(c["name"]) == folded)

    matches = [c for c in candidates if fits(c)]
    return matches[0] if len(matches) == 1 else None


async def understand_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """Read the last message: fill the slot that was asked for, or start a new request. Attached files are kept
    only for a petition."""
    ctx = _ctx(config)
    text = state["messages"][-1]["content"]
    awaiting = state.get("awaiting")
    slots = dict(state.get("slots") or {})
    intent = state.get("intent")
    if not text.strip():  # nothing written (only files): the question asked, if any, stands
        keep = bool(awaiting) and intent == "file_petition"
        said = [m["content"] for m in state["messages"] if m["role"] == "assistant"]
        asked = said[-1] if awaiting and said else replies.help_text(ctx.principal)
        reply = f"{replies.FILES_RECEIVED} {asked}" if keep else asked
        return _files(state, {"reply": reply, "trace": {"intent": intent, "tool_calls": []}}, keep)
    if awaiting == "unit_choice":
        chosen = _pick(text, state.get("candidates") or [])
        if chosen is None:
            again = {"reply": replies.choose_again(state.get("candidates") or []), "tool_call": None,
                     "trace": {"intent": intent, "tool_calls": []}}
            return _files(state, again, intent == "file_petition")
        slots |= {"unit_code": chosen["code"], "unit_name": chosen["name"]}
    elif awaiting == "content":
        slots["content"] = text.strip()
    elif awaiting == "unit":
        slots["unit_text"] = text
    else:
        understood = understand(text)
        intent, slots = understood.intent, dict(understood.slots)
    step = await _next_step(ctx, intent, slots)
    calls = [dict(step["tool_call"])] if step.get("tool_call") else []
    return _files(state, step | {"trace": {"intent": intent, "tool_calls": calls}}, intent == "file_petition")


async def _next_step(ctx: ToolContext, intent: str | None, slots: dict[str, Any]) -> dict[str, Any]:
    """Ask for what is missing, or prepare the tool call."""
    base: dict[str, Any] = {"intent": intent, "slots": slots, "awaiting": None, "candidates": [], "tool_call": None,
                            "result": None, "reply": None}
    if intent == "file_petition":
        if not slots.get("content") or len(slots["content"]) < 20:
            return base | {"awaiting": "content", "reply": replies.ask_content()}
        if not slots.get("unit_code"):
            if not slots.get("unit_text"):
                return base | {"awaiting": "unit", "reply": replies.ask_unit()}
            found = await _resolve_unit(ctx, slots.pop("unit_text"))
            if found["status"] == "resolved":
                unit = found["results"][0]
                slots |= {"unit_code": unit["code"], "unit_name": unit["name"]}
            elif found["status"] == "ambiguous":
                candidates = [{k: m[k] for k in ("code", "name", "province_name")} for m in found["results"][:9]]
                return base | {"awaiting": "unit_choice", "candidates": candidates,
                               "reply": replies.choose(candidates)}
            else:
                return base | {"awaiting": "unit", "reply": replies.unit_not_found(found["query"])}
        args = {"content": slots["content"], "unit_code": slots["unit_code"]}
        return base | {"tool_call": {"name": "file_petition", "args": args}}
    if intent == "search_library":
        return base | {"tool_call": {"name": "search_library", "args": {"question": slots["question"][:500]}}}
    if intent == "get_petition_status":
        if not slots.get("tracking_code"):
            return base | {"reply": replies.ask_tracking_code()}
        return base | {"tool_call": {"name": "get_petition_status", "args": {"tracking_code": slots["tracking_code"]}}}
    if intent == "draft_report":
        return base | {"tool_call": {"name": "draft_report", "args": {"request": slots.get("request", "")}}}
    if intent in ("query_members", "get_congress_progress", "update_congress"):
        return await _cadre_step(ctx, intent, slots, base)
    if intent == "find_unit":
        return base | {"tool_call": {"name": "find_unit", "args": {"text": slots.get("unit_text", "")[:300]}}}
    return base | {"reply": replies.help_text(ctx.principal) if intent == "help" else replies.out_of_scope()}


async def _cadre_step(ctx: ToolContext, intent: str, slots: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Members and congress requests: the unit named (or the cadre's own), then the tool call."""
    if not slots.get("unit_code") and slots.get("unit_text"):
        found = await _resolve_unit(ctx, slots.pop("unit_text"))
        in_scope = [m for m in found["results"]
                    if ctx.principal.unit_path and _within_scope(ctx, m["code"])] if found["results"] else []
        chosen = found["results"] if found["status"] == "resolved" else in_scope
        if len(chosen) == 1:
            slots |= {"unit_code": chosen[0]["code"], "unit_name": chosen[0]["name"]}
        elif len(chosen) > 1:
            candidates = [{k: m[k] for k in ("code", "name", "province_name")} for m in chosen[:9]]
            return base | {"awaiting": "unit_choice", "candidates": candidates, "reply": replies.choose(candidates)}
    unit = slots.get("unit_code")
    if intent == "query_members":
        return base | {"tool_call": {"name": "query_members", "args": {"unit_code": unit,
                                                                         "filters": slots.get("filters", {})}}}
    if intent == "get_congress_progress":
        return base | {"tool_call": {"name": "get_congress_progress", "args": {"unit_code": unit}}}
    if not slots.get("change"):
        return base | {"reply": replies.ask_congress_change()}
    return base | {"tool_call": {"name": "update_congress", "args": {"unit_code": unit or ctx.principal.unit_code,
                                                                      "change": slots["change"]}}}


def _within_scope(ctx: ToolContext, code: str) -> bool:
    unit = ctx.services.resolver.units.get(code)
    scope = ctx.principal.unit_path or ""
    return bool(unit) and (unit.path == scope or unit.path.startswith(scope + "."))


def route_start(state: ChatState, config: RunnableConfig) -> Literal["model", "understand"]:
    """With a language model, the model reads the message, unless an offline dialogue waits for an answer."""
    return "model" if config["configurable"].get("model") is not None and not state.get("awaiting") else "understand"


async def model_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """The model answers or proposes a tool call; when its server fails, the turn is understood offline."""
    step = await model_understand(config["configurable"]["model"], _ctx(config), state)
    if step is None:
        step = await understand_node(state, config)
        step["trace"]["model_unavailable"] = True
        return step
    return _files(state, step, (step["tool_call"] or {}).get("name") in _PETITION_CALLS)


def after_understand(state: ChatState) -> Literal["authorize", "respond"]:
    """A prepared tool call goes to authorization; anything else is answered at once."""
    return "authorize" if state.get("tool_call") else "respond"


async def authorize_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """Refuse a tool the caller's role may not use (decided by code, not by the model)."""
    call = state["tool_call"] or {}
    tool = ALL_TOOLS.get(call.get("name", ""))
    if tool is None or not tool.allowed_for(_ctx(config).principal):
        trace = dict(state.get("trace") or {})
        denied = {**call, "denied": True, "reason": "vai trò không được dùng chức năng này"}
        trace["tool_calls"] = [*(trace.get("tool_calls") or [])[:-1], denied]
        return {"tool_call": None, "reply": replies.denied(call.get("name", "")), "trace": trace}
    return {}


def after_authorize(state: ChatState) -> Literal["confirm", "act", "respond"]:
    """Data-changing tools ask for confirmation first."""
    call = state.get("tool_call")
    if not call:
        return "respond"
    return "confirm" if ALL_TOOLS[call["name"]].changes_data else "act"


async def confirm_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """Pause the graph until the person confirms or cancels."""
    call = state["tool_call"] or {}
    files = [f["filename"] for f in state.get("attachments") or []] if call.get("name") == "file_petition" else []
    answer = interrupt({"question": replies.confirm(call, state.get("slots") or {}, files), "tool": call})
    if fold(str(answer)) in YES:
        return {}
    return {"tool_call": None, "reply": replies.cancelled(), "intent": None, "slots": {}, "attachments": []}


def after_confirm(state: ChatState) -> Literal["act", "respond"]:
    """Confirmed: run the tool; cancelled: say so."""
    return "act" if state.get("tool_call") else "respond"


async def act_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """Run the tool (which re-checks the permission itself); a petition takes the files held for it."""
    call = state["tool_call"] or {}
    try:
        result = await ALL_TOOLS[call["name"]](_ctx(config, state.get("attachments")), call["args"])
    except ToolDenied:
        return {"result": None, "reply": replies.denied(call["name"])}
    except ToolFailed as exc:
        return {"result": None, "reply": str(exc)}
    if call["name"] == "file_petition":
        return {"result": result, "attachments": []}  # stored with the petition
    passages = result.get("passages") or [] if isinstance(result, dict) else []
    if passages:
        cited = [{k: p[k] for k in ("document_id", "title", "heading", "url", "text")} for p in passages]
        return {"result": result, "trace": {**(state.get("trace") or {}), "citations": cited}}
    return {"result": result}


def after_act(state: ChatState) -> Literal["model_respond", "respond"]:
    """The result of a tool the model called goes back to the model."""
    called_by_model = bool((state.get("tool_call") or {}).get("id"))
    return "model_respond" if called_by_model and state.get("result") is not None else "respond"


async def model_respond_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """The model writes the answer from the tool's masked result, or proposes another tool call."""
    step = await model_respond(config["configurable"]["model"], _ctx(config), state)
    return _files(state, step, (step.get("tool_call") or {}).get("name") in _PETITION_CALLS)


async def respond_node(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
    """Write the answer (templated from the tool's result) and close the request when it is done."""
    reply = state.get("reply") or replies.from_result(state.get("tool_call") or {}, state.get("result") or {})
    done = not state.get("awaiting")
    update: dict[str, Any] = {"messages": [{"role": "assistant", "content": reply}], "reply": None}
    if done:
        update |= {"intent": None, "slots": {}, "tool_call": None, "candidates": []}
    return update


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled graph (with a checkpointer, conversations survive restarts)."""
    graph = StateGraph(ChatState)
    graph.add_node("model", model_node)
    graph.add_node("understand", understand_node)
    graph.add_node("authorize", authorize_node)
    graph.add_node("confirm", confirm_node)
    graph.add_node("act", act_node)
    graph.add_node("model_respond", model_respond_node)
    graph.add_node("respond", respond_node)
    graph.add_conditional_edges(START, route_start)
    graph.add_conditional_edges("model", after_understand)
    graph.add_conditional_edges("understand", after_understand)
    graph.add_conditional_edges("authorize", after_authorize)
    graph.add_conditional_edges("confirm", after_confirm)
    graph.add_conditional_edges("act", after_act)
    graph.add_conditional_edges("model_respond", after_understand)
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)
