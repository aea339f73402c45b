"""Mounting Chainlit inside the platform's app; the chat trusts the platform's own session cookie."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from contextvars import ContextVar
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

os.environ.setdefault("CHAINLIT_APP_ROOT", str(Path(__file__).parent))  # read when chainlit is imported

CHAT_PATH = "/chat"
CHAINLIT_COOKIE = "access_token"
GUEST_ID = "khach"
_GUARDED = ("/user", "/ws", "/project", "/feedback")
# Who sends the chat request being served, once checked against the platform session (read by web/chat/history.py).
CHAT_USER: ContextVar[str | None] = ContextVar("chat_user", default=None)


class ChatContext:
    """What the chat handlers use of the running app (set by :func:`mount_chat`)."""

    state: Any = None
    store_url: str = ""  # the application role's connection (the chat history is stored with it)


CONTEXT = ChatContext()
_mounted = {"middleware": False}


def _cookies(headers: Mapping[str, str] | list[tuple[bytes, bytes]]) -> dict[str, str]:
    raw = headers.get("cookie", "") if isinstance(headers, Mapping) else b"; ".join(
        v for k, v in headers if k == b"cookie").decode("latin-1")
    jar: SimpleCookie = SimpleCookie()
    jar.load(raw)
    return {k: m.value for k, m in jar.items()}


async def principal_from_cookies(cookies: Mapping[str, str]):  # type: ignore[no-untyped-def]
    """The platform principal behind the session cookie (anonymous without one)."""
    from mattran.auth.principal import Principal
    from web.auth import SESSION_COOKIE

    value = cookies.get(SESSION_COOKIE)
    loaded = await CONTEXT.state.sessions.load(value) if value else None
    return loaded[0] if loaded else Principal.anonymous()


def cookies_of_session(session: Any) -> dict[str, str]:
    """The cookies the chat's websocket connection was opened with (re-read at every message)."""
    jar: SimpleCookie = SimpleCookie()
    jar.load(str((getattr(session, "environ", None) or {}).get("HTTP_COOKIE", "")))
    return {k: m.value for k, m in jar.items()}


def address_of_session(session: Any) -> str | None:
    """The network address the chat's websocket connection came from."""
    return (getattr(session, "environ", None) or {}).get("REMOTE_ADDR")


async def principal_from_headers(headers: Mapping[str, str]):  # type: ignore[no-untyped-def]
    """The platform principal for a chat request's headers."""
    return await principal_from_cookies(_cookies(headers))


class ChatSessionGuard:
    """Drops the chat's own login when it no longer matches the platform session (e.g. after sign-out).

    The chat then signs in again through the header callback, as the current user or as a guest.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and path.startswith(tuple(CHAT_PATH + p for p in _GUARDED)):
            from chainlit.auth.cookie import get_token_from_cookies
            from chainlit.auth.jwt import decode_jwt

            cookies = _cookies(scope["headers"])
            token = get_token_from_cookies(cookies)
            if token:
                principal = await principal_from_cookies(cookies)
                try:
                    identity = decode_jwt(token).identifier
                except Exception:  # noqa: BLE001  # any unreadable chat token is simply dropped
                    identity = None
                if identity != (principal.subject or GUEST_ID):
                    await _refuse(scope, send)
                    return
                CHAT_USER.set(identity)
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4401})
        return
    body = b'{"detail": "Phi\xc3\xaan tr\xc3\xb2 chuy\xe1\xbb\x87n \xc4\x91\xc3\xa3 k\xe1\xba\xbft th\xc3\xbac."}'
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"set-cookie", f"{CHAINLIT_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=lax".encode()),
    ]})
    await send({"type": "http.response.body", "body": body})


def mount_chat(app: FastAPI, secret_key: str, store_url: str) -> None:
    """Mount the Chainlit chat at ``/chat`` (Chainlit's app is process-wide: its middleware is added once)."""
    os.environ["CHAINLIT_AUTH_SECRET"] = hmac.new(secret_key.encode(), b"chainlit", hashlib.sha256).hexdigest()
    from chainlit.server import app as chainlit_app
    from chainlit.utils import mount_chainlit

    CONTEXT.state, CONTEXT.store_url = app.state, store_url
    if not _mounted["middleware"]:
        mount_chainlit(app=app, target=str(Path(__file__).parent / "app.py"), path=CHAT_PATH)
        _mounted["middleware"] = True
    else:
        app.mount(CHAT_PATH, chainlit_app)
    app.add_middleware(ChatSessionGuard)
