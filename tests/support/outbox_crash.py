"""A sender process that dies mid-send, for the outbox's test: it delivers the first due notification to the SMTP
server, prints ``sent`` once the server accepted it, then hangs before its transaction marks it (the test kills it
there). Run as ``python -m tests.support.outbox_crash APP_URL DATA_DIR SMTP_PORT``."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from mattran.domain.notifications import Channel, Message, Outbox, SmtpConfig, SmtpSender
from mattran.domain.privacy import personal_data
from mattran.settings import Settings
from tests.support.store import open_pool


@dataclass(frozen=True)
class HangingSender:
    """Sends, says so, then waits to be killed."""

    inner: SmtpSender
    channel: Channel = "email"

    async def send(self, message: Message) -> None:
        """Deliver, then hang."""
        await self.inner.send(message)
        print("sent", flush=True)
        await asyncio.sleep(3600)


async def main(app_url: str, data_dir: str, port: int, token_key: bytes) -> None:
    """Deliver through the hanging sender."""
    personal = personal_data(Settings(data_dir=Path(data_dir)))
    sender = HangingSender(SmtpSender(SmtpConfig.parse(f"smtp://127.0.0.1:{port}"), "Mặt trận số <pakn@mattran.test>"))
    async with open_pool(app_url, max_size=1) as db:
        await Outbox(db, personal, {"email": sender}, "http://mattran.test", "mattran.test", token_key).deliver_due()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4])))
