"""Mounting the chat: importing it from any folder leaves that folder alone (Chainlit's app root is the chat
package's own), and a chat session's address is its caller's, not engine.io's placeholder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from engineio.async_drivers.asgi import translate_request
from starlette.types import Message

from tests.conftest import ROOT
from web.chat.mount import address_of_session

SHOW_ROOT = "import web.chat.history, chainlit.config; print(chainlit.config.APP_ROOT)"


def test_importing_the_chat_elsewhere_makes_no_chainlit_folder_there(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINLIT_")}  # not the test session's root
    env["PYTHONPATH"] = str(ROOT)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ROOT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert list(tmp_path.iterdir()) == []  # no .chainlit/ config, no .files/
    assert Path(shown.stdout.strip()) == ROOT / "web" / "chat"


async def test_a_chat_sessions_address_is_its_callers() -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    handshake = {  # as uvicorn gives it (the client taken from X-Forwarded-For when the proxy is trusted)
        "type": "http",
        "method": "GET",
        "path": "/chat/ws/socket.io/",
        "query_string": b"EIO=4&transport=polling",
        "headers": [],
        "client": ("203.0.113.7", 50123),
    }
    environ = await translate_request(handshake, receive, send)  # what Chainlit keeps as the session's environ
    assert environ["REMOTE_ADDR"] == "127.0.0.1"  # engine.io's placeholder, the same for every guest
    assert address_of_session(SimpleNamespace(environ=environ)) == "203.0.113.7"
    assert address_of_session(SimpleNamespace(environ={})) is None
