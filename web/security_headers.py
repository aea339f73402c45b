"""Security headers on every answer: what a page may load, who may frame it, what it tells other sites, caching.

The platform's own pages have no script at all and only inline styles: their policy allows scripts from nowhere
but the platform. Chainlit's chat (``/chat``) and the API explorer (``/docs``, ``/redoc``) are third-party pages
with inline bootstrap scripts and style sheets and fonts from CDNs: they get a looser policy, still framed by no
one. Answers to signed-in callers (session cookie or bearer token) and dynamic pages are never stored by a cache.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.cross_site import has_auth_cookie, origin_of

PAGES_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self' {issuer}; frame-ancestors 'none'"
)
# Chainlit's index page sets up its bundle with an inline script, loads KaTeX's style sheet from jsDelivr and
# the Inter font from Google; its bundle compiles a few functions at run time (plots) and uses blob: workers.
# Swagger UI and ReDoc load from jsDelivr and start with an inline script too.
THIRD_PARTY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; "
    "img-src 'self' data: blob: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
THIRD_PARTY_PAGES = ("/chat", "/docs", "/redoc")
# Files that are the same for everyone (the chat's bundle): a cache may keep them.
SHARED_FILES = ("/chat/assets/", "/chat/public/", "/chat/favicon", "/chat/logo")
FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(self), geolocation=(self), payment=(), usb=()",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds the headers to every HTTP answer (an answer's own ``Cache-Control`` stands for anonymous callers)."""

    def __init__(self, app: ASGIApp, base_url: str, issuer: str) -> None:
        self.app = app
        self.pages_policy = PAGES_POLICY.format(issuer=origin_of(issuer) or "")
        self.https = base_url.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        request = Headers(scope=scope)
        signed_in = "authorization" in request or has_auth_cookie(request)
        shared = path.startswith(SHARED_FILES)
        policy = THIRD_PARTY_POLICY if path.startswith(THIRD_PARTY_PAGES) else self.pages_policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in FIXED.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", policy)
                if self.https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if not shared and (signed_in or "cache-control" not in headers):
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
