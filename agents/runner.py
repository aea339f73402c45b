"""Running the graph for one conversation turn: new message, or the answer to a pending confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.types import Command
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agents.graph import build_graph
from agents.llm import UNAVAILABLE, redact
from mattran.auth.principal import Principal


@dataclass(frozen=True)
class Turn:
    """What the assistant says, the confirmation it waits for (if any), and what it understood and called."""

    reply: str
    confirmation: str | None = None
    intent: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)  # library passages the reply cites


@dataclass(frozen=True)
class Token:
    """A piece of the model's answer, as it is written."""

    text: str


@dataclass(frozen=True)
class ToolStep:
    """A tool that ran: its arguments, and its result with personal data masked (or why it did not run)."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None = None


class ChatRunner:
    """The graph with its Postgres memory (a conversation resumes after a restart), with a language model or not."""

    def __init__(self, app_url: str, services: Any, model: BaseChatModel | None = None) -> None:
        self.services = services
        self.model = model
        self.pool = AsyncConnectionPool(app_url, min_size=1, max_size=4, open=False,
                                        kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0})
        self.graph: Any = None

    async def open(self) -> None:
        """Open the memory's connections and compile the graph."""
        await self.pool.open(wait=True, timeout=30)
        self.graph = build_graph(AsyncPostgresSaver(self.pool))  # type: ignore[arg-type]

    async def close(self) -> None:
        """Close the memory's connections."""
        await self.pool.close()

    def _config(self, principal: Principal, conversation: str) -> dict[str, Any]:
        # A conversation belongs to one person: the thread key starts with who they are.
        thread = f"{principal.subject or 'khach'}:{conversation}"
        return {"configurable": {"thread_id": thread, "principal": principal, "services": self.services,
                                 "model": self.model}}

    async def send(self, principal: Principal, conversation: str, text: str) -> Turn:
        """Process a message; when a confirmation is pending, the message is the answer to it."""
        async for event in self.stream(principal, conversation, text):
            if isinstance(event, Turn):
                return event
        raise AssertionError("a turn always ends with its Turn")

    async def stream(self, principal: Principal, conversation: str,
                     text: str) -> AsyncIterator[Token | ToolStep | Turn]:
        """The turn as it happens: the model's words, each tool that ran, and last the :class:`Turn`."""
        config = self._config(principal, conversation)
        before = await self.graph.aget_state(config)
        resuming = bool(before.interrupts)
        command: Any = Command(resume=text) if resuming else {"messages": [{"role": "user", "content": text[:5000]}]}
        call = before.values.get("tool_call") if resuming else None
        async for mode, chunk in self.graph.astream(command, config, stream_mode=["messages", "updates"]):
            if mode == "messages":
                message, meta = chunk
                if meta.get("langgraph_node") in ("model", "model_respond") and isinstance(message.content, str) \
                        and message.content:
                    yield Token(message.content)
                continue
            for node, update in chunk.items():
                if node == "act" and call:
                    yield ToolStep(call["name"], call["args"], redact(update.get("result")), update.get("reply"))
                elif isinstance(update, dict) and update.get("tool_call"):
                    call = update["tool_call"]
        # A failed model server is told once, in the turn it failed (not again when a confirmation is answered).
        failed_before = resuming and (before.values.get("trace") or {}).get("model_unavailable")
        yield self._turn(await self.graph.aget_state(config), notice=not failed_before)

    @staticmethod
    def _turn(state: Any, notice: bool) -> Turn:
        trace = state.values.get("trace") or {}
        intent, calls = trace.get("intent"), list(trace.get("tool_calls") or [])
        prefix = f"{UNAVAILABLE}\n\n" if notice and trace.get("model_unavailable") else ""
        if state.interrupts:
            question = prefix + state.interrupts[0].value["question"]
            return Turn(reply=question, confirmation=question, intent=intent, tool_calls=calls)
        return Turn(reply=prefix + state.values["messages"][-1]["content"], intent=intent, tool_calls=calls,
                    citations=list(trace.get("citations") or []))
