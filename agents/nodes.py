"""The graph's nodes: small async functions of (state, config) that return the state's update.

The caller's principal and the platform's services come in ``config["configurable"]``, set by the chat from the
verified session: never from a model or the message. Offline, :mod:`agents.policy` decides the next step; with a
model (``configurable["model"]``), :mod:`agents.llm_nodes` does.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.types import interrupt

from agents import contact_slots, policy, replies
from agents.llm_nodes import model_respond, model_understand
from agents.state import ChatState, CitedPassage, Entry, HeldFile, ToolCall, Trace, TracedCall
from agents.understanding import Intent
from mattran.domain.attachments import Attachment
from mattran.domain.petitions import Contact
from tools.base import ToolContext, ToolDenied, ToolFailed
from tools.names import ToolName
from tools.registry import ALL_TOOLS

# What the model may call while it prepares a petition (it may look the unit up first): attached files stay held.
_PETITION_CALLS: frozenset[str | None] = frozenset({None, ToolName.FILE_PETITION, ToolName.FIND_UNIT})


def tool_context(
    config: RunnableConfig, files: list[HeldFile] | None = None, contact: Contact | None = None
) -> ToolContext:
    """The tools' context: the verified caller and the services from the config, the files and the contact held for
    a petition."""
    conf = config["configurable"]
    return ToolContext(
        principal=conf["principal"],
        services=conf["services"],
        attachments=tuple(Attachment(**f) for f in files or ()),
        contact=contact,
    )


def _contact(state: ChatState) -> Contact | None:
    """The contact given for the petition being prepared."""
    given = state.get("contact")
    return Contact(**given) if given else None


def _files(state: ChatState, step: ChatState, keep: bool) -> ChatState:
    """Files sent with the message join those held for the petition being prepared (``keep``); otherwise every held
    file is dropped and the turn says so (``trace["files_not_kept"]``). Unchanged files are not written again."""
    incoming, held = state.get("incoming") or [], state.get("attachments") or []
    if keep:
        return (step | {"attachments": [*held, *incoming], "incoming": []}) if incoming else step
    if not (incoming or held):
        return step
    return step | {"attachments": [], "incoming": [], "trace": {**step["trace"], "files_not_kept": True}}


def _prepared(state: ChatState) -> ToolCall:
    """The tool call prepared in this turn (the graph authorizes, confirms and runs only a prepared one)."""
    call = state.get("tool_call")
    assert call is not None, "the graph routes here only with a prepared tool call"
    return call


def _prepares_petition(step: ChatState) -> bool:
    """Whether files stay held after the model's step: it answers, or calls a tool while a petition is prepared."""
    call = step.get("tool_call")
    return (call["name"] if call else None) in _PETITION_CALLS


async def understand_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """Read the last message: fill the slot that was asked for, or start a new request. Attached files are kept
    only for a petition."""
    ctx = tool_context(config)
    text = state["messages"][-1]["content"]
    awaiting = state.get("awaiting")
    intent = state.get("intent")
    if not text.strip():  # nothing written (only files): the question asked, if any, stands
        keep = bool(awaiting) and policy.keeps_files(intent)
        said = [m["content"] for m in state["messages"] if m["role"] == "assistant"]
        asked = said[-1] if awaiting and said else replies.help_text(ctx.principal)
        reply = f"{replies.FILES_RECEIVED} {asked}" if keep else asked
        return _files(state, {"reply": reply, "trace": {"intent": intent, "tool_calls": []}}, keep)
    if awaiting and policy.cancels(text):
        closed = policy.Step(None, {}, reply=replies.cancelled()).update()
        return _files(state, closed | {"trace": {"intent": None, "tool_calls": []}}, False)
    if not awaiting and policy.thanks(text):  # a courtesy: understood as asking for help, answered in a line
        thanked = policy.Step(Intent.HELP, {}, reply=replies.welcome()).update()
        return _files(state, thanked | {"trace": {"intent": Intent.HELP, "tool_calls": []}}, False)
    candidates = state.get("candidates") or []
    router = config["configurable"]["router"]
    slots = dict(state.get("slots") or {})
    notice: ChatState = {}
    step = await policy.step_for(ctx, router, text, intent, awaiting, slots, candidates)
    if step is None and not slots.get("asked_again"):  # the choice among units was not understood: asked once more
        again: ChatState = {
            "reply": replies.choose_again(candidates),
            "tool_call": None,
            "slots": slots | {"asked_again": True},
            "trace": {"intent": intent, "tool_calls": []},
        }
        return _files(state, again, policy.keeps_files(intent))
    if step is None:  # not understood twice: a new request, the choice dropped
        notice = {"notice": replies.PENDING_DROPPED}
        step = await policy.step_for(ctx, router, text, None, None, {}, [])
        assert step is not None, "a new message always has a next step"
    update = step.update() | notice
    call = update.get("tool_call")
    trace: Trace = {"intent": update.get("intent"), "tool_calls": [{**call}] if call else []}
    return _files(state, update | {"trace": trace}, policy.keeps_files(step.intent))


async def model_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """The model answers or proposes a tool call; when its server fails, the turn is understood offline."""
    step = await model_understand(config["configurable"]["model"], tool_context(config), state)
    if step is None:
        step = await understand_node(state, config)
        step["trace"]["model_unavailable"] = True
        return step
    return _files(state, step, _prepares_petition(step))


async def authorize_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """Refuse a call the caller may not make, before any confirmation: a tool their role may not use, or a unit
    outside their scope (decided by code, not by the model)."""
    call = _prepared(state)
    tool = ALL_TOOLS.get(call["name"])
    reason = "chức năng không tồn tại" if tool is None else tool.refusal_for(tool_context(config), call["args"])
    if reason:
        trace = state.get("trace") or {}
        denied: TracedCall = {**call, "denied": True, "reason": reason}
        trace = trace | {"tool_calls": [*(trace.get("tool_calls") or [])[:-1], denied]}
        return {"tool_call": None, "reply": replies.denied(call["name"], reason), "trace": trace}
    return {}


async def confirm_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """Pause the graph until the person answers: yes runs the call; a contact given for a petition is shown and
    asked again; a cancel word cancels; anything else is a new message, the call dropped with a note."""
    call = _prepared(state)
    petition = call["name"] == ToolName.FILE_PETITION
    files = [f["filename"] for f in state.get("attachments") or []] if petition else []
    principal = tool_context(config).principal
    account = principal.name if principal.authenticated else None
    question = replies.confirm(call, state.get("slots") or {}, files, _contact(state), account)
    notice = state.get("notice")
    answer = str(interrupt({"question": f"{notice}\n\n{question}" if notice else question, "tool": call}))
    if policy.confirmed(answer):
        return {"notice": None, "reconfirm": False}
    if petition and (given := contact_slots.read(answer)):  # asked again, with the contact and its notice
        named = given.model_copy(update={"full_name": given.full_name or account})
        return {"contact": named.model_dump(), "notice": None, "reconfirm": True}
    dropped: ChatState = {
        "tool_call": None,
        "intent": None,
        "slots": {},
        "attachments": [],
        "result": None,
        "contact": None,
        "reconfirm": False,
    }
    if policy.cancels(answer):
        return dropped | {"reply": replies.cancelled(), "notice": None}
    # Anything else is a new message: the request waiting is dropped, and the message read as a new one.
    said: Entry = {"role": "user", "content": answer[:5000]}
    return dropped | {"awaiting": None, "candidates": [], "messages": [said], "notice": replies.PENDING_DROPPED}


async def act_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """Run the tool (which re-checks the permission itself); a petition takes the files and the contact held for
    it."""
    call = _prepared(state)
    try:
        petition = call["name"] == ToolName.FILE_PETITION
        context = tool_context(config, state.get("attachments"), _contact(state) if petition else None)
        result = await ALL_TOOLS[call["name"]](context, call["args"])
    except ToolDenied:
        return {"result": None, "reply": replies.denied(call["name"])}
    except ToolFailed as exc:
        return {"result": None, "reply": str(exc)}
    if call["name"] == ToolName.FILE_PETITION:
        return {"result": result, "attachments": []}  # stored with the petition
    passages = result.get("passages") or [] if isinstance(result, dict) else []
    if passages:
        cited: list[CitedPassage] = [
            {
                "document_id": p["document_id"],
                "title": p["title"],
                "heading": p["heading"],
                "url": p["url"],
                "text": p["text"],
            }
            for p in passages
        ]
        return {"result": result, "trace": {**(state.get("trace") or {}), "citations": cited}}
    return {"result": result}


async def model_respond_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """The model writes the answer from the tool's masked result, or proposes another tool call."""
    step = await model_respond(config["configurable"]["model"], tool_context(config), state)
    return _files(state, step, _prepares_petition(step))


async def respond_node(state: ChatState, config: RunnableConfig) -> ChatState:
    """Write the answer (templated from the tool's result) and close the request when it is done."""
    reply = state.get("reply") or replies.from_result(state.get("tool_call") or {}, state.get("result") or {})
    if notice := state.get("notice"):
        reply = f"{notice}\n\n{reply}"
    done = not state.get("awaiting")
    update: ChatState = {"messages": [{"role": "assistant", "content": reply}], "reply": None, "notice": None}
    if done:
        update |= {"intent": None, "slots": {}, "tool_call": None, "candidates": [], "contact": None}
    return update
