"""Starlette's own 413 for a body over a route's ``max_body_size``, answered as the app's other errors are.

While a body streams past the limit, FastAPI raises the refusal through the app's error handlers (Vietnamese JSON
or the error page). When the declared Content-Length is already over it, Starlette answers at once, before reading
the body, with a bare English "Content Too Large" in plain text: this middleware replaces that answer with the app's
own 413. No route of the app answers 413 in plain text itself.
"""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _starlettes_refusal(message: Message) -> bool:
    headers = dict(message.get("headers", ()))
    return message["status"] == 413 and headers.get(b"content-type", b"").startswith(b"text/plain")


class TooLargeAnswer:
    """Send the app's 413 instead of Starlette's plain-text one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def answer(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and _starlettes_refusal(message):
                replaced = True
                handler = scope["app"].exception_handlers[StarletteHTTPException]
                await (await handler(Request(scope), StarletteHTTPException(413)))(scope, receive, send)
            elif not replaced:
                await send(message)

        await self.app(scope, receive, answer)
