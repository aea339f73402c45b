"""The platform's own origin, and whether a request came over HTTPS (directly, or as a trusted proxy says)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased, the scheme's default port left out (as browsers send it)."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return ""
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS.get(scheme) else "")


@dataclass(frozen=True)
class Transport:
    """The platform's public origin (``MATTRAN_PUBLIC_URL``, by default ``http://HOST:PORT``)."""

    origin: str

    def same_origin(self, origin: str | None) -> bool:
        """Whether a request's ``Origin`` header is the platform's own."""
        return bool(origin) and origin_of(origin or "") == self.origin

    def is_https(self, scheme: str) -> bool:
        """Whether cookies must be ``Secure``: the public URL is https, or the request came over TLS (the server
        takes a proxy's ``X-Forwarded-Proto`` only from ``MATTRAN_TRUSTED_PROXIES``)."""
        return self.origin.startswith("https://") or scheme in ("https", "wss")
