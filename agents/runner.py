"""Running the graph for one conversation turn: new message, or the answer to a pending confirmation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.types import Command
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agents.graph import build_graph
from mattran.auth.principal import Principal


@dataclass(frozen=True)
class Turn:
    """What the assistant says, the confirmation it waits for (if any), and what it understood and called."""

    reply: str
    confirmation: str | None = None
    intent: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class ChatRunner:
    """The graph with its Postgres memory: a conversation resumes after a restart."""

    def __init__(self, app_url: str, services: Any) -> None:
        self.services = services
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
        return {"configurable": {"thread_id": thread, "principal": principal, "services": self.services}}

    async def send(self, principal: Principal, conversation: str, text: str) -> Turn:
        """Process a message; when a confirmation is pending, the message is the answer to it."""
        config = self._config(principal, conversation)
        state = await self.graph.aget_state(config)
        if state.interrupts:
            result = await self.graph.ainvoke(Command(resume=text), config)
        else:
            result = await self.graph.ainvoke({"messages": [{"role": "user", "content": text[:5000]}]}, config)
        trace = result.get("trace") or {}
        intent, calls = trace.get("intent"), list(trace.get("tool_calls") or [])
        if result.get("__interrupt__"):
            question = result["__interrupt__"][0].value["question"]
            return Turn(reply=question, confirmation=question, intent=intent, tool_calls=calls)
        return Turn(reply=result["messages"][-1]["content"], intent=intent, tool_calls=calls)
