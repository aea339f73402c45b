"""The assistant's LangGraph: understand → authorize → confirm (interrupt) → act → respond.

This module only wires the graph: its nodes (:mod:`agents.nodes`), the edges between them, and the checkpointer
that keeps a conversation (:mod:`agents.state`) between turns. Without a language model the understanding is
offline (the rules of :mod:`agents.policy`). With one (``configurable["model"]``), the model reads the conversation
and proposes tool calls, which go through the same authorization, confirmation and tools, and writes the answer from
the tool's masked result (:mod:`agents.llm_nodes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents import policy
from agents.nodes import (
    act_node,
    authorize_node,
    confirm_node,
    model_node,
    model_respond_node,
    respond_node,
    understand_node,
)
from agents.state import ChatState
from tools.registry import ALL_TOOLS

ChatGraph = CompiledStateGraph[ChatState, None, ChatState, ChatState]


def route_start(state: ChatState, config: RunnableConfig) -> Literal["model", "understand"]:
    """With a language model, the model reads the message, unless an offline dialogue waits for an answer or the
    dialogue answers the message itself (thanks, a guided starter)."""
    offline = state.get("awaiting") or policy.answered_offline(state["messages"][-1]["content"])
    return "model" if config["configurable"].get("model") is not None and not offline else "understand"


def after_understand(state: ChatState) -> Literal["authorize", "respond"]:
    """A prepared tool call goes to authorization; anything else is answered at once."""
    return "authorize" if state.get("tool_call") else "respond"


def after_authorize(state: ChatState) -> Literal["confirm", "act", "respond"]:
    """Data-changing tools ask for confirmation first."""
    call = state.get("tool_call")
    if not call:
        return "respond"
    return "confirm" if ALL_TOOLS[call["name"]].changes_data else "act"


def after_confirm(
    state: ChatState, config: RunnableConfig
) -> Literal["confirm", "act", "respond", "model", "understand"]:
    """Confirmed: run the tool; a contact given: ask again with it; cancelled: say so; answered by a new message:
    read it as one."""
    if state.get("reconfirm"):
        return "confirm"
    if state.get("tool_call"):
        return "act"
    return "respond" if state.get("reply") else route_start(state, config)


def after_act(state: ChatState) -> Literal["model_respond", "respond"]:
    """The result of a tool the model called goes back to the model."""
    call = state.get("tool_call")
    called_by_model = bool(call and call.get("id"))
    return "model_respond" if called_by_model and state.get("result") is not None else "respond"


# The nodes, and where each goes next (a node absent here ends the turn).
NODES = {
    "model": model_node,
    "understand": understand_node,
    "authorize": authorize_node,
    "confirm": confirm_node,
    "act": act_node,
    "model_respond": model_respond_node,
    "respond": respond_node,
}
ROUTES: dict[str, Callable[..., str]] = {
    START: route_start,
    "model": after_understand,
    "understand": after_understand,
    "authorize": after_authorize,
    "confirm": after_confirm,
    "act": after_act,
    "model_respond": after_understand,
}


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> ChatGraph:
    """The compiled graph (with a checkpointer, conversations survive restarts)."""
    graph = StateGraph(ChatState)
    for name, node in NODES.items():
        graph.add_node(name, node)
    for source, route in ROUTES.items():
        graph.add_conditional_edges(source, route)
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)
