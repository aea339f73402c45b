"""How a message leaves: one sender per channel behind one interface (e-mail by SMTP; SMS and Zalo OA by an
operator's adapter, a logging sender in development)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from mattran.domain.privacy import mask_email, mask_phone

Channel = Literal["email", "sms", "zalo"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "zalo")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One message to one recipient; ``message_id`` is the same on every attempt (a repeat is recognisable)."""

    channel: Channel
    to: str
    subject: str
    body: str
    message_id: str
    unsubscribe_url: str | None  # None for a cadre's reminder: nothing to stop


class Sender(Protocol):
    """Delivers a message on its channel, raising when it was not accepted (the outbox tries again later)."""

    @property
    def channel(self) -> Channel:
        """The channel it delivers on."""

    async def send(self, message: Message) -> None:
        """Deliver ``message`` (raise on failure)."""


@dataclass(frozen=True)
class LoggingSender:
    """A development sender: logs that a message would go out (recipient masked, no text), sends nothing."""

    channel: Channel

    async def send(self, message: Message) -> None:
        """Log the message's channel, masked recipient and Message-ID."""
        to = mask_email(message.to) if message.channel == "email" else mask_phone(message.to)
        _log.info("%s to %s: %s (%s)", self.channel, to, message.subject, message.message_id)


@dataclass(frozen=True)
class SmtpConfig:
    """An SMTP server from ``smtp://user:pass@host:587?starttls=1`` (``smtps://`` for TLS from the start)."""

    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    tls: bool
    timeout: float = 30

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        """Read the URL (``ValueError`` for another scheme or no host)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MATTRAN_SMTP_URL phải có dạng smtp://user:pass@host:587?starttls=1 hoặc smtps://…")
        query = parse_qs(parts.query)
        flag = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=flag,
            tls=parts.scheme == "smtps",
            timeout=float((query.get("timeout") or ["30"])[0]),
        )


@dataclass(frozen=True)
class SmtpSender:
    """E-mail through an SMTP server (one connection a message, in a worker thread)."""

    config: SmtpConfig
    mail_from: str
    channel: Channel = "email"

    async def send(self, message: Message) -> None:
        """Send ``message`` as a plain-text e-mail with its Message-ID and a one-click unsubscribe header."""
        await asyncio.to_thread(self._send, self.as_email(message))

    def as_email(self, message: Message) -> EmailMessage:
        """The e-mail of a message."""
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message.message_id
        if message.unsubscribe_url:
            mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(message.body)
        return mail

    def _send(self, mail: EmailMessage) -> None:
        c = self.config
        context = ssl.create_default_context()
        server = (
            smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
            if c.tls
            else smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        )
        with server:
            if c.starttls:
                server.starttls(context=context)
            if c.username:
                server.login(c.username, c.password or "")
            server.send_message(mail)
