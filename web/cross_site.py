"""Cross-site requests: a browser's state-changing request authenticated by cookie must come from the platform.

HTML forms also carry a CSRF token (``web/csrf.py``); this guard covers every other door (JSON, multipart and
body-less API routes, the chat's HTTP routes). A request with neither ``Sec-Fetch-Site`` nor ``Origin`` (a
non-browser client) and a request with an ``Authorization`` header (a bearer token, never sent by a browser on its
own) are let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from web.auth import SESSION_COOKIE
from web.chat.mount import CHAINLIT_COOKIE

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUTH_COOKIES = (SESSION_COOKIE, CHAINLIT_COOKIE)
MESSAGE = (
    "Yêu cầu bị từ chối vì được gửi từ một trang web khác: thao tác này chỉ được thực hiện từ chính trang Mặt trận số."
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, the scheme's default port left out (None if unreadable)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else "")


def is_cross_site(headers: Headers, own_origin: str) -> bool:
    """Whether the browser says the request comes from another site, or names an origin not the platform's."""
    if headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        return True
    origin = headers.get("origin")
    return origin is not None and origin_of(origin) != own_origin


class CrossSiteGuard:
    """Refuses (403) a state-changing, cookie-authenticated request that comes from another site."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        own = origin_of(base_url)
        assert own is not None, f"not an http(s) address: {base_url}"
        self.own_origin = own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            headers = Headers(scope=scope)
            if "authorization" not in headers and has_auth_cookie(headers) and is_cross_site(headers, self.own_origin):
                await _refusal(headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def has_auth_cookie(headers: Headers) -> bool:
    """Whether the request carries the platform's session cookie or the chat's."""
    cookies = cookie_parser(headers.get("cookie", ""))
    return any(cookies.get(name) for name in AUTH_COOKIES)


def _refusal(headers: Headers) -> Response:
    """JSON for API callers, plain text for a browser that submitted a form."""
    if "text/html" in headers.get("accept", ""):
        return PlainTextResponse(MESSAGE, status_code=403)
    return JSONResponse({"detail": MESSAGE}, status_code=403)
