"""A real SMTP server (aiosmtpd's Controller, in its own thread) keeping the messages it receives."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, cast

from aiosmtpd.controller import Controller

from tests.support.platform import free_port


class Mailbox:
    """The server's handler: what it accepted, how many messages it still refuses (451, try later), and whether it
    holds its answer to the next one (the sender then waits mid-send, its message kept: see :meth:`hold`)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.holding = False
        self.held = threading.Event()  # a message is kept and its sender waits for the answer
        self.released = threading.Event()

    def hold(self) -> None:
        """Keep the next message but answer it only once :meth:`release` is called (a sender stuck mid-send)."""
        self.held.clear()
        self.released.clear()
        self.holding = True

    def release(self) -> None:
        """Answer the held message (to its sender, if it is still there)."""
        self.released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept a message (or refuse it while ``refuse`` lasts; or keep it and wait while held)."""
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Tạm thời chưa nhận, thử lại sau"
        self.messages.append(cast(EmailMessage, message_from_bytes(envelope.content, policy=default)))
        if self.holding:
            self.holding = False
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"

    def about(self, code: str) -> list[EmailMessage]:
        """The messages whose subject names the petition ``code`` (``PAKN-…``), in the order received."""
        return [m for m in self.messages if code in str(m["Subject"])]

    def wait_for(self, code: str, count: int, timeout: float = 60) -> list[EmailMessage]:
        """Wait until ``count`` messages about ``code`` have arrived; give them."""
        deadline = time.monotonic() + timeout
        while len(self.about(code)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        found = self.about(code)
        assert len(found) >= count, [str(m["Subject"]) for m in found]
        return found


def body(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(cast(EmailMessage, part).get_content())


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server on a free loopback port and its mailbox; stopped at the end."""
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
