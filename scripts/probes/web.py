"""Probes of the web app's smaller defects (issue 14, item 12): cross-site cookie API calls, the Open311 key in
the address, security headers, audit flooding. Each raises ``AssertionError`` when the defect is there."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probe_security import ProbeContext

EVIL = "http://evil.example"


def probe_cross_site_cookie_api_calls(ctx: ProbeContext) -> None:
    """A signed-in cadre's cookie on a multipart and on a body-less POST sent from another site is refused."""
    client = ctx.signed_in("central_cadre")
    try:
        sheet = f"Họ và tên\nThăm dò chéo trang {uuid.uuid4().hex[:6]}\n".encode()
        for foreign in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}):
            multipart = client.post(
                "/api/members/import",
                files={"file": ("ds.csv", sheet, "text/csv")},
                data={"mode": "skip"},
                headers={"Accept": "application/json", **foreign},
            )
            assert multipart.status_code == 403, f"cross-site multipart import answered {multipart.status_code}"
            bodyless = client.post("/api/petitions/escalations", headers={"Accept": "application/json", **foreign})
            assert bodyless.status_code == 403, f"cross-site body-less POST answered {bodyless.status_code}"
        same = client.post("/api/petitions/escalations", headers={"Origin": ctx.base_url})
        assert same.status_code == 200, f"a same-origin POST answered {same.status_code}"
    finally:
        client.close()


def probe_open311_api_key_in_the_url(ctx: ProbeContext) -> None:
    """A key in the query string is refused (it would sit in access logs), and the access log shows no key."""
    key = f"mtk_tham-do-{uuid.uuid4().hex}"
    with ctx.client() as client:
        r = client.post(
            "/open311/v2/requests.json",
            params={"api_key": key},
            data={"service_code": "moi_truong", "description": "Thăm dò khóa trong địa chỉ."},
        )
    assert r.status_code == 400, f"api_key in the query string answered {r.status_code}"
    assert "api_key" in r.text
    if ctx.data_dir is not None and (ctx.data_dir / "up.log").exists():
        assert key not in (ctx.data_dir / "up.log").read_text(errors="replace"), "the key is in the access log"


def probe_security_headers(ctx: ProbeContext) -> None:
    """CSP with frame-ancestors, Referrer-Policy, nosniff, Permissions-Policy; no-store when signed in."""
    with ctx.client() as client:
        for path in ("/", "/chat/", "/tra-cuu"):
            h = client.get(path).headers
            assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), f"{path}: no frame-ancestors"
            assert h.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer"), path
            assert h.get("x-content-type-options") == "nosniff", path
            assert h.get("permissions-policy"), path
    client = ctx.signed_in("citizen")
    try:
        for path in ("/", "/api/me", "/tra-cuu"):
            assert client.get(path).headers.get("cache-control") == "no-store", f"{path} signed in: may be cached"
    finally:
        client.close()


def probe_audit_flooding(ctx: ProbeContext) -> None:
    """Fifty anonymous 401s add at most two audit rows (one per address, path and minute, with a count)."""
    admin = ctx.signed_in("admin")
    with ctx.client() as anonymous:

        def rows() -> dict[int, int]:
            found = admin.get("/api/audit", params={"anonymous": "true", "per_page": 1000})
            assert found.status_code == 200, f"the audit log answered {found.status_code}"
            return {
                e["id"]: e.get("count", 1)
                for e in found.json()
                if e["actor"] is None and (e.get("detail") or {}).get("path") == "/api/members"
            }

        before = rows()
        for _ in range(50):
            assert anonymous.get("/api/members", headers={"Accept": "application/json"}).status_code == 401
        after = rows()
    admin.close()
    added = set(after) - set(before)
    assert len(added) <= 2, f"50 anonymous refusals added {len(added)} audit rows"
    assert sum(after.values()) - sum(before.values()) == 50, "the refusals are not all counted"
