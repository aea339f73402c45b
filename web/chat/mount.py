"""Mounting Chainlit inside the platform's app; the chat trusts the platform's own session cookie.

The chat's own token (Chainlit's ``access_token``) is bound to the platform session it was issued in: it is accepted,
as a cookie or as a bearer, only together with that live session's cookie, so signing out ends it everywhere. Only
the platform's own origin may call the chat or open its socket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.transport import Transport

if TYPE_CHECKING:
    from mattran.auth.principal import Principal
    from mattran.services import Services
    from web.deps import WebServices

CHAT_PATH = "/chat"
CHAINLIT_COOKIE = "access_token"
GUEST_ID = "khach"  # a guest's chat identity is ``khach:<server-issued secret>``, one per guest
TOKEN_SECONDS = 3600  # the chat token's life (it also ends with the platform session it is bound to)
_GUARDED = ("/user", "/ws", "/project", "/feedback", "/mcp", "/auth/jwt")
FOREIGN_ORIGIN = "Trợ lý chỉ nhận yêu cầu từ chính trang của nền tảng."
# Who sends the chat request being served, once checked against the platform session (read by web/chat/history.py).
CHAT_USER: ContextVar[str | None] = ContextVar("chat_user", default=None)


class ChatContext:
    """What the chat handlers use of the running app (set by :func:`mount_chat`)."""

    app: FastAPI | None = None
    store_url: str = ""  # the application role's connection (the chat history is stored with it)
    transport: Transport = Transport("")  # the platform's own origin (none until mounted: every origin refused)
    binding_key: bytes = b""  # signs a chat token's binding to its platform session

    @property
    def services(self) -> Services:
        """The services the app's lifespan built."""
        assert self.app is not None, "the chat is not mounted"
        services: Services = self.app.state.services
        return services

    @property
    def web(self) -> WebServices:
        """Sessions and the chat runner the app's lifespan built."""
        assert self.app is not None, "the chat is not mounted"
        web: WebServices = self.app.state.web
        return web


CONTEXT = ChatContext()
_mounted = {"middleware": False}


def cookies_of_headers(headers: Mapping[str, str] | list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The cookies of a request's headers (a mapping, or ASGI's raw pairs)."""
    raw = (
        headers.get("cookie", "")
        if isinstance(headers, Mapping)
        else b"; ".join(v for k, v in headers if k == b"cookie").decode("latin-1")
    )
    jar: SimpleCookie = SimpleCookie()
    jar.load(raw)
    return {k: m.value for k, m in jar.items()}


def is_guest(identifier: str | None) -> bool:
    """Whether a chat identity is a guest's."""
    return identifier is not None and (identifier == GUEST_ID or identifier.startswith(GUEST_ID + ":"))


def new_guest_identity() -> str:
    """A guest's chat identity: unguessable, so that no guest can take over another's session or conversation."""
    return f"{GUEST_ID}:{secrets.token_urlsafe(24)}"


def session_binding(id_hash: str | None) -> str | None:
    """What a chat token carries of the platform session it was issued in (none for a guest)."""
    return hmac.new(CONTEXT.binding_key, id_hash.encode(), hashlib.sha256).hexdigest() if id_hash else None


async def session_from_cookies(cookies: Mapping[str, str]) -> tuple[Principal, str | None]:
    """The platform principal behind the session cookie and the session's binding (anonymous and none without)."""
    from mattran.auth.principal import Principal
    from web.auth import SESSION_COOKIE

    value = cookies.get(SESSION_COOKIE)
    loaded = await CONTEXT.web.sessions.load(value) if value else None
    return (loaded[0], session_binding(loaded[1])) if loaded else (Principal.anonymous(), None)


async def principal_from_cookies(cookies: Mapping[str, str]) -> Principal:
    """The platform principal behind the session cookie (anonymous without one)."""
    return (await session_from_cookies(cookies))[0]


def cookies_of_session(session: Any) -> dict[str, str]:
    """The cookies the chat's websocket connection was opened with (re-read at every message)."""
    jar: SimpleCookie = SimpleCookie()
    jar.load(str((getattr(session, "environ", None) or {}).get("HTTP_COOKIE", "")))
    return {k: m.value for k, m in jar.items()}


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of an ``Authorization: Bearer`` header (Chainlit reads it when there is no cookie)."""
    value = next((v.decode("latin-1") for k, v in headers if k == b"authorization"), "")
    scheme, _, token = value.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def address_of_session(session: Any) -> str | None:
    """The network address the chat's websocket connection came from."""
    return (getattr(session, "environ", None) or {}).get("REMOTE_ADDR")


class ChatSessionGuard:
    """Refuses another origin's requests to the chat, and a chat token that no longer matches the platform session
    (signed out, signed in again, another person): the chat then signs in again through the header callback, as
    the current user or as a guest. The chat's cookies are ``Secure`` whenever the request came over HTTPS.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (path == CHAT_PATH or path.startswith(CHAT_PATH + "/")):
            await self.app(scope, receive, send)
            return
        transport = CONTEXT.transport
        origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
        secure = transport.is_https(scope.get("scheme", "http"))
        if origin is not None and not transport.same_origin(origin):
            await _refuse(scope, send, 403, FOREIGN_ORIGIN, secure)
            return
        if path.startswith(tuple(CHAT_PATH + p for p in _GUARDED)):
            from chainlit.auth.cookie import get_token_from_cookies

            cookies = cookies_of_headers(scope["headers"])
            token = get_token_from_cookies(cookies) or _bearer(scope["headers"])
            if token:
                identity = await _checked_identity(token, cookies)
                if identity is None:
                    await _refuse(scope, send, 401, "Phiên trò chuyện đã kết thúc.", secure)
                    return
                CHAT_USER.set(identity)
        await self.app(scope, receive, _secure_cookies(send) if secure else send)


async def _checked_identity(token: str, cookies: Mapping[str, str]) -> str | None:
    """The chat identity of ``token`` when it belongs to the platform session of ``cookies`` (a guest's: when
    nobody is signed in), else None."""
    from chainlit.auth.jwt import decode_jwt

    try:
        user = decode_jwt(token)
    except Exception:  # any unreadable or expired chat token is simply refused
        return None
    principal, binding = await session_from_cookies(cookies)
    if principal.subject is None:
        return user.identifier if is_guest(user.identifier) else None
    bound = (user.metadata or {}).get("session")
    if user.identifier != principal.subject or not binding or not hmac.compare_digest(str(bound), binding):
        return None
    return user.identifier


def _secure_cookies(send: Send) -> Send:
    """``send``, with ``Secure`` added to every cookie the chat sets."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (k, v + b"; Secure" if k.lower() == b"set-cookie" and b"secure" not in v.lower() else v)
                for k, v in message.get("headers", [])
            ]
        await send(message)

    return sending


async def _refuse(scope: Scope, send: Send, status: int, detail: str, secure: bool) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4403 if status == 403 else 4401})
        return
    headers = [(b"content-type", b"application/json; charset=utf-8")]
    if status == 401:  # the chat token is dropped (another origin's request leaves it alone)
        clear = f"{CHAINLIT_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=lax" + ("; Secure" if secure else "")
        headers.append((b"set-cookie", clear.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.body", "body": body})


def mount_chat(app: FastAPI, secret_key: str, store_url: str, transport: Transport) -> None:
    """Mount the Chainlit chat at ``/chat`` (Chainlit's app is process-wide: its middleware is added once).

    What keeps the chat safe is set here, whatever ``config.toml`` Chainlit has read: the token's life, the one
    origin allowed by CORS and by the socket, and the app root that holds the chat's own ``.chainlit/config.toml``.
    """
    os.environ["CHAINLIT_AUTH_SECRET"] = hmac.new(secret_key.encode(), b"chainlit", hashlib.sha256).hexdigest()
    from chainlit.config import APP_ROOT, config
    from chainlit.server import app as chainlit_app
    from chainlit.server import sio
    from chainlit.utils import mount_chainlit
    from starlette.middleware.cors import CORSMiddleware

    if Path(APP_ROOT).resolve() != Path(__file__).parent.resolve():
        raise RuntimeError(
            f"Chainlit đã đọc cấu hình ở {APP_ROOT} thay vì {Path(__file__).parent}: hãy import web.chat trước chainlit"
        )
    CONTEXT.app, CONTEXT.store_url, CONTEXT.transport = app, store_url, transport
    CONTEXT.binding_key = hmac.new(secret_key.encode(), b"chat-session-binding", hashlib.sha256).digest()
    config.project.user_session_timeout = TOKEN_SECONDS
    config.project.allow_origins = [transport.origin]
    for middleware in chainlit_app.user_middleware:
        if middleware.cls is CORSMiddleware:
            middleware.kwargs["allow_origins"] = [transport.origin]
    chainlit_app.middleware_stack = None  # built again, with the origin, at its next request
    sio.eio.cors_allowed_origins = transport.same_origin
    if not _mounted["middleware"]:
        _page_in_vietnamese()
        mount_chainlit(app=app, target=str(Path(__file__).parent / "app.py"), path=CHAT_PATH)
        _mounted["middleware"] = True
    else:
        app.mount(CHAT_PATH, chainlit_app)
    app.add_middleware(ChatSessionGuard)


def _page_in_vietnamese() -> None:
    """Chainlit's page says it is in Vietnamese (``lang="vi"``: read aloud as such) before any script runs."""
    from chainlit import server

    template = server.get_html_template

    def in_vietnamese(root_path: str) -> str:
        return template(root_path).replace('<html lang="en">', '<html lang="vi">', 1)

    server.get_html_template = in_vietnamese
