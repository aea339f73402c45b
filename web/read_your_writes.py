"""Read-your-own-writes across processes and replicas: after a browser's change (a form sent, a petition filed:
any POST/PUT/PATCH/DELETE answered below 400) a short-lived cookie sends that browser's reads to the primary for
``MATTRAN_DATABASE_REPLICA_AFTER_WRITE_SECONDS``, whichever process answers them (installed only with replicas)."""

from __future__ import annotations

from contextlib import nullcontext

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mattran.store.db import reads_on_primary

COOKIE = "mattran_wrote"
_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ReadYourWrites:
    """Marks a browser that has just changed something; its requests read from the primary while marked."""

    def __init__(self, app: ASGIApp, seconds: float, https: bool) -> None:
        self.app = app
        self.cookie = f"{COOKIE}=1; Max-Age={max(1, round(seconds))}; Path=/; HttpOnly; SameSite=Lax" + (
            "; Secure" if https else ""
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        changes = scope["method"] in _CHANGES

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                MutableHeaders(scope=message).append("set-cookie", self.cookie)
            await send(message)

        wrote = f"{COOKIE}=" in Headers(scope=scope).get("cookie", "")
        with reads_on_primary() if wrote else nullcontext():
            await self.app(scope, receive, marked if changes else send)
