"""Scripted language models for the tests: LangChain's fake chat model with answers given in advance, and an
OpenAI-compatible chat completions server on loopback (JSON and streamed answers) whose answers come from a function
of the request, keeping every request it received."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import BaseTool
from pydantic import Field

Reply = dict[str, Any]  # {"content": str} or {"tool": name, "args": {...}}
Script = Callable[[dict[str, Any]], Reply]  # the request's JSON body → the answer
_CALL_IDS = itertools.count(1)


class ScriptedModel(GenericFakeChatModel):
    """LangChain's fake chat model with answers given in advance; it accepts tools and keeps what it was sent."""

    disable_streaming: bool = True
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    offered: list[list[str]] = Field(default_factory=list)

    @classmethod
    def answering(cls, *messages: AIMessage) -> ScriptedModel:
        """A model that answers with ``messages``, one a call, in turn."""
        return cls(messages=iter(messages))

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> ScriptedModel:
        self.offered.append([t["function"]["name"] for t in tools if isinstance(t, dict)])
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)


def call(name: str, **args: Any) -> AIMessage:
    """The model asks for a tool."""
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_CALL_IDS)}"}])


class ScriptedServer:
    """An OpenAI-compatible chat completions endpoint on loopback whose answers come from ``script`` (a function
    of the request); it keeps every request, and can be made to fail (HTTP 500), to be slow, or to drop the
    connection in the middle of its answer (``drop``)."""

    def __init__(self, script: Script) -> None:
        self.script, self.status, self.delay, self.drop = script, 200, 0.0, False
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                time.sleep(owner.delay)
                if owner.status != 200:
                    self.send_response(owner.status)
                    self.end_headers()
                    return
                reply = owner.script(body)
                if owner.drop:
                    self._dropped()
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._json(reply)

            def _json(self, reply: Reply) -> None:
                message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
                if "tool" in reply:
                    message["tool_calls"] = [_tool_call(reply)]
                data = json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "m",
                        "choices": [{"index": 0, "message": message, "finish_reason": _finish(reply)}],
                    }
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data.encode())

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                deltas: list[dict[str, Any]] = [
                    {"role": "assistant", "content": word}
                    for word in re.split(r"(?<= )", reply.get("content") or "")
                    if word
                ]
                if "tool" in reply:
                    deltas.append({"role": "assistant", "tool_calls": [{"index": 0, **_tool_call(reply)}]})
                chunks: list[dict[str, Any]] = [{"index": 0, "delta": d, "finish_reason": None} for d in deltas]
                chunks.append({"index": 0, "delta": {}, "finish_reason": _finish(reply)})
                for choice in chunks:
                    event = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": "m",
                        "choices": [choice],
                    }
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def _dropped(self) -> None:
                """Promise a long answer, send its first bytes, and close the connection."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choi')
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sent(self) -> str:
        """Everything the model server received, as one text."""
        return json.dumps(self.requests, ensure_ascii=False)


def _tool_call(reply: Reply) -> dict[str, Any]:
    return {
        "id": f"call_{next(_CALL_IDS)}",
        "type": "function",
        "function": {"name": reply["tool"], "arguments": json.dumps(reply["args"], ensure_ascii=False)},
    }


def _finish(reply: Reply) -> str:
    return "tool_calls" if "tool" in reply else "stop"


def last_tool_result(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool result the request ends with, if any."""
    last = body["messages"][-1]
    return json.loads(last["content"]) if last["role"] == "tool" else None


Serve = Callable[[Script], ScriptedServer]  # what the `serve` fixture gives (tests/conftest.py)
