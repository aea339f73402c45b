"""The assistant's LangGraph: understand → authorize → confirm (interrupt) → act → respond.

This module only wires the graph: its nodes (:mod:`agents.nodes`), the edges between them, and the checkpointer
that keeps a conversation (:mod:`agents.state`) between turns. Without a language model the understanding is
offline (the rules of :mod:`agents.policy`). With one (``configurable["model"]``), the model reads the conversation
and proposes tool calls, which go through the same authorization, confirmation and tools, and writes the answer from
the tool's masked result (:mod:`agents.llm_nodes`).
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

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


def route_start(state: ChatState, config: RunnableConfig) -> Literal["model", "understand"]:
    """With a language model, the model reads the message, unless an offline dialogue waits for an answer."""
    return "model" if config["configurable"].get("model") is not None and not state.get("awaiting") else "understand"


def after_understand(state: ChatState) -> Literal["authorize", "respond"]:
    """A prepared tool call goes to authorization; anything else is answered at once."""
    return "authorize" if state.get("tool_call") else "respond"


def after_authorize(state: ChatState) -> Literal["confirm", "act", "respond"]:
    """Data-changing tools ask for confirmation first."""
    call = state.get("tool_call")
    if not call:
        return "respond"
    return "confirm" if ALL_TOOLS[call["name"]].changes_data else "act"


def after_confirm(state: ChatState) -> Literal["act", "respond"]:
    """Confirmed: run the tool; cancelled: say so."""
    return "act" if state.get("tool_call") else "respond"


def after_act(state: ChatState) -> Literal["model_respond", "respond"]:
    """The result of a tool the model called goes back to the model."""
    call = state.get("tool_call")
    called_by_model = bool(call and call.get("id"))
    return "model_respond" if called_by_model and state.get("result") is not None else "respond"


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
