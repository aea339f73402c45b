"""Probes of the chat (issue 14, items 4, 5 and 8): its token after sign-out, another origin on the chat and on its
socket, and a guest taking over another guest's conversation."""

from __future__ import annotations

import re
import secrets
from typing import Any

EVIL = "http://evil.example"
THREADS = {"pagination": {"first": 20, "cursor": None}, "filter": {}}
HANDSHAKE = "/chat/ws/socket.io/?EIO=4&transport=polling"
PETITION = "Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, phường Ba Đình, Hà Nội bị vỡ, nước tràn ra đường."


def _sign_out(client: Any) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found, "no sign-out form on the home page"
    client.post("/dang-xuat", data={"csrf_token": found.group(1)})


def probe_chat_token_after_sign_out(ctx: Any) -> None:
    """The chat's token, replayed as a bearer or a cookie after signing out, lists no thread and opens no socket."""
    client = ctx.signed_in("citizen")
    assert client.post("/chat/auth/header").status_code == 200
    token = client.cookies.get("access_token")
    assert token, "the chat issued no token"
    _sign_out(client)
    with ctx.client() as stranger:
        listed = stranger.post("/chat/project/threads", json=THREADS, headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 401, f"threads listed with the old token as a bearer: {listed.status_code}"
        user = stranger.get("/chat/user", headers={"Authorization": f"Bearer {token}"})
        assert user.status_code == 401, f"/chat/user answered the old token: {user.status_code}"
        socket = stranger.get(HANDSHAKE, headers={"Cookie": f"access_token={token}"})
        assert not socket.text.startswith("0{"), "the socket opened with the old token"


def probe_chat_foreign_origin(ctx: Any) -> None:
    """Another origin's request with the cadre's cookies is refused, and CORS allows no other origin."""
    client = ctx.signed_in("commune_cadre")
    assert client.post("/chat/auth/header").status_code == 200
    preflight = client.options(
        "/chat/project/threads",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.headers.get("access-control-allow-origin") in (None, ctx.base_url), (
        f"CORS allows {preflight.headers.get('access-control-allow-origin')}"
    )
    listed = client.post("/chat/project/threads", json=THREADS, headers={"Origin": EVIL})
    assert listed.status_code >= 400, f"threads listed for {EVIL}: {listed.status_code}"
    assert listed.headers.get("access-control-allow-origin") is None, "the response is readable by another origin"


def probe_chat_socket_foreign_origin(ctx: Any) -> None:
    """The chat's socket.io handshake from another origin is refused (the platform's own is accepted)."""
    client = ctx.signed_in("commune_cadre")
    assert client.post("/chat/auth/header").status_code == 200
    evil = client.get(HANDSHAKE, headers={"Origin": EVIL})
    assert not evil.text.startswith("0{"), f"the socket opened for {EVIL}"
    own = client.get(HANDSHAKE, headers={"Origin": ctx.base_url})
    assert own.text.startswith("0{"), f"the socket refused the platform's own origin: {own.status_code}"


def probe_chat_guest_take_over(ctx: Any) -> None:
    """A second guest reusing the first's conversation id neither sees nor answers its pending confirmation."""
    shared = f"probe-{secrets.token_hex(4)}"
    with ctx.client() as first, ctx.client() as second:
        asked = first.post("/api/chat", json={"message": PETITION, "conversation_id": shared})
        answered = second.post("/api/chat", json={"message": "có", "conversation_id": shared})
        assert "PAKN-" not in answered.text, "a second guest confirmed the first guest's petition"
        assert not (asked.status_code == 200 and answered.status_code == 200), (
            "a guest's conversation id chosen by the client is accepted"
        )
        issued = first.post("/api/chat", json={"message": PETITION}).json()
        assert len(issued.get("conversation_id", "")) >= 32, "a guest's conversation id is short enough to guess"
