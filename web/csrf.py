"""CSRF protection for every form: a random cookie and an HMAC of it in a hidden field."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request, Response

from web.deps import get_settings, signing_secret

CSRF_COOKIE = "mattran_csrf"
FIELD = "csrf_token"


def _sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def token_for(request: Request, response: Response | None = None) -> str:
    """The form token for this browser (sets the cookie on ``response`` when it is new)."""
    value = request.cookies.get(CSRF_COOKIE)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = value
        if response is not None:
            set_cookie(request, response, value)
    return _sign(signing_secret(get_settings(request)), value)


def set_cookie(request: Request, response: Response, value: str) -> None:
    """Attach the CSRF cookie."""
    response.set_cookie(
        CSRF_COOKIE, value, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


def verify(request: Request, submitted: str | None) -> None:
    """Refuse a form whose token does not match this browser's cookie."""
    value = request.cookies.get(CSRF_COOKIE)
    expected = _sign(signing_secret(get_settings(request)), value) if value else None
    if not submitted or not expected or not hmac.compare_digest(submitted, expected):
        raise HTTPException(status_code=403, detail="Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang.")
