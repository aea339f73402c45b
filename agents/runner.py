"""Running the graph for one conversation turn: new message, or the answer to a pending confirmation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, StateSnapshot
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from agents import replies
from agents.graph import ChatGraph, build_graph
from agents.llm import UNAVAILABLE, redact
from agents.routing.model import RouterModel
from agents.routing.router import Router
from agents.state import Trace
from agents.trace import Citation, ToolCallRecord
from mattran.auth.principal import Principal
from mattran.domain.attachments import check_all
from mattran.domain.chat_retention import GUEST_THREAD_PREFIX
from mattran.services import Services
from mattran.store.checkpoints import ConversationSaver

# Said once, before the turn's answer, when the turn's trace carries the flag.
_NOTICES = (("model_unavailable", UNAVAILABLE), ("files_not_kept", replies.FILES_NOT_KEPT))


class UnknownConversation(ValueError):
    """A guest named a conversation the server did not issue (a guest cannot choose one, nor take another's)."""

    def __init__(self) -> None:
        super().__init__(
            "Không tìm thấy cuộc trò chuyện này. Khách không tự đặt mã cuộc trò chuyện: hãy gửi tin "
            "nhắn không kèm conversation_id để bắt đầu, rồi dùng mã máy chủ trả về."
        )


@dataclass(frozen=True)
class Turn:
    """What the assistant says, the confirmation it waits for (if any), and what it understood and called."""

    reply: str
    confirmation: str | None = None
    intent: str | None = None  # an :class:`agents.understanding.Intent`; in model mode, the first tool called
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # library passages the reply cites

    def as_batch_json(self, id_: object) -> dict[str, Any]:
        """The turn as ``mattran chat --batch --json`` writes it: data-changing calls waiting for their confirmation
        are marked ``planned``."""
        calls = [c.as_json() | ({"planned": True} if self.confirmation else {}) for c in self.tool_calls]
        return {
            "id": id_,
            "intent": self.intent,
            "tool_calls": [{k: v for k, v in c.items() if k != "id"} for c in calls],
            "answer": self.reply,
            "citations": [c.as_json() for c in self.citations],
        }


@dataclass(frozen=True)
class Token:
    """A piece of the model's answer, as it is written."""

    text: str


@dataclass(frozen=True)
class ToolStep:
    """A tool that ran: its arguments, and its result with personal data masked (or why it did not run).

    The mask (names found by a tagger: about 0.2 s of CPU for a list of members) runs when :attr:`result` is first
    read, not for the steps of a turn that nobody shows (:meth:`ChatRunner.send`, the batch, the evals)."""

    name: str
    args: dict[str, Any]
    unmasked: dict[str, Any] | None = field(repr=False, compare=False)
    error: str | None = None

    @cached_property
    def result(self) -> dict[str, Any] | None:
        """The result, personal data masked."""
        masked: dict[str, Any] | None = redact(self.unmasked)
        return masked


class ChatRunner:
    """The graph with its Postgres memory (a conversation resumes after a restart), with a language model or not.

    A signed-in person's conversations are keyed by who they are; a guest's by a conversation id the server issued
    (:meth:`new_conversation`, signed with ``key``), and deleted once its petition is filed or cancelled.
    """

    def __init__(
        self,
        app_url: str,
        services: Services,
        model: BaseChatModel | None = None,
        key: bytes | None = None,
        router: Router | None = None,
    ) -> None:
        self.services = services
        self.model = model
        self.router = router or Router(RouterModel.load(), services.embedder)
        self.key = key or secrets.token_bytes(32)  # without one, issued ids last as long as the process
        self.pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
            app_url,
            min_size=1,
            max_size=4,
            open=False,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "prepare_threshold": 0 if services.db.prepared else None,  # None: behind a transaction pooler
            },
        )
        self._memory: tuple[ConversationSaver, ChatGraph] | None = None

    async def open(self) -> None:
        """Open the memory's connections and compile the graph."""
        await self.pool.open(wait=True, timeout=30)
        saver = ConversationSaver(self.pool)
        self._memory = (saver, build_graph(saver))

    @property
    def saver(self) -> ConversationSaver:
        """The conversations' memory (once :meth:`open` has run)."""
        return self._opened()[0]

    @property
    def graph(self) -> ChatGraph:
        """The compiled graph (once :meth:`open` has run)."""
        return self._opened()[1]

    def _opened(self) -> tuple[ConversationSaver, ChatGraph]:
        if self._memory is None:
            raise RuntimeError("ChatRunner.open() has not run")
        return self._memory

    async def close(self) -> None:
        """Close the memory's connections."""
        await self.pool.close()

    def new_conversation(self) -> str:
        """A new conversation's id, issued by the server: unguessable, and signed (a guest continues only these)."""
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}"

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def _thread(self, principal: Principal, conversation: str) -> str:
        """The memory's key: a conversation belongs to one person (a guest: to whoever holds its issued id)."""
        if principal.subject:
            return f"{principal.subject}:{conversation}"
        nonce, _, mac = conversation.partition(".")
        if not mac or not hmac.compare_digest(mac, self._sign(nonce)):
            raise UnknownConversation
        return GUEST_THREAD_PREFIX + conversation

    def _config(self, principal: Principal, conversation: str) -> RunnableConfig:
        return {
            "configurable": {
                "thread_id": self._thread(principal, conversation),
                "principal": principal,
                "services": self.services,
                "model": self.model,
                "router": self.router,
            }
        }

    async def send(
        self, principal: Principal, conversation: str, text: str, files: Sequence[tuple[str, bytes]] = ()
    ) -> Turn:
        """Process a message; when a confirmation is pending, the message is the answer to it."""
        async for event in self.stream(principal, conversation, text, files):
            if isinstance(event, Turn):
                return event
        raise AssertionError("a turn always ends with its Turn")

    async def pending(self, principal: Principal, conversation: str) -> str | None:
        """The confirmation question the conversation waits for an answer to, if any."""
        state = await self.graph.aget_state(self._config(principal, conversation))
        return state.interrupts[0].value["question"] if state.interrupts else None

    async def stream(
        self,
        principal: Principal,
        conversation: str,
        text: str,
        files: Sequence[tuple[str, bytes]] = (),
        answering: bool = False,
    ) -> AsyncIterator[Token | ToolStep | Turn]:
        """The turn as it happens: the model's words, each tool that ran, and last the :class:`Turn`.

        ``files`` (name, bytes) come with a new message: they are checked by the attachments' own rules first, and
        one refused file stops the turn with nothing kept. ``answering``: the text answers a confirmation (a
        button), and is not read as a new message when none is pending any more; a message that neither confirms nor
        cancels drops the request waiting and is read as a new one. A guest's conversation is deleted (memory and held
        files) once the confirmation it waited for is answered and nothing else is asked: its petition filed or
        cancelled.
        Raises :class:`UnknownConversation` for a guest's conversation id the server did not issue.
        """
        config = self._config(principal, conversation)
        before = await self.graph.aget_state(config)
        resuming = bool(before.interrupts)
        if answering and not resuming:
            yield Turn(reply=replies.NOTHING_PENDING)
            return
        if files and resuming:
            yield Turn(reply=replies.ANSWER_FIRST)
            return
        try:
            checked = check_all(files, held=len(before.values.get("attachments") or []))
        except ValueError as exc:
            yield Turn(reply=replies.files_refused(str(exc)))
            return
        new = {"messages": [{"role": "user", "content": text[:5000]}]}
        command: Any = (
            Command(resume=text) if resuming else new | ({"incoming": [asdict(a) for a in checked]} if checked else {})
        )
        call = before.values.get("tool_call") if resuming else None
        # With several stream modes, each event is a (mode, chunk) pair; langgraph's overloads do not say so.
        events = cast(
            AsyncIterator[tuple[str, Any]], self.graph.astream(command, config, stream_mode=["messages", "updates"])
        )
        async for mode, chunk in events:
            if mode == "messages":
                message, meta = chunk
                if (
                    meta.get("langgraph_node") in ("model", "model_respond")
                    and isinstance(message.content, str)
                    and message.content
                ):
                    yield Token(message.content)
                continue
            for node, update in chunk.items():
                if node == "act" and call:
                    yield ToolStep(call["name"], call["args"], update.get("result"), update.get("reply"))
                elif isinstance(update, dict) and update.get("tool_call"):
                    call = update["tool_call"]
        # A notice is told once, in the turn it arose in (not again when a confirmation is answered).
        earlier = before.values.get("trace")
        told: Trace = earlier if resuming and earlier else {}
        after = await self.graph.aget_state(config)
        if resuming and not after.interrupts and not after.values.get("awaiting") and principal.subject is None:
            await self.saver.adelete_thread(config["configurable"]["thread_id"])
        yield self._turn(after, told)

    @staticmethod
    def _turn(state: StateSnapshot, told: Trace) -> Turn:
        trace = state.values.get("trace") or {}
        intent, calls = trace.get("intent"), [ToolCallRecord.of(c) for c in trace.get("tool_calls") or []]
        prefix = "".join(f"{text}\n\n" for flag, text in _NOTICES if trace.get(flag) and not told.get(flag))
        if state.interrupts:
            question = prefix + state.interrupts[0].value["question"]
            return Turn(reply=question, confirmation=question, intent=intent, tool_calls=calls)
        return Turn(
            reply=prefix + state.values["messages"][-1]["content"],
            intent=intent,
            tool_calls=calls,
            citations=[Citation.of(c) for c in trace.get("citations") or []],
        )
