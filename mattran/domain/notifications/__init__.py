"""Notifications to petitioners: an outbox filled in the transaction of each event, delivered by a sender loop
through one sender per channel (e-mail by SMTP; SMS and Zalo OA behind the same interface)."""

from __future__ import annotations

from mattran.domain.notifications.outbox import UNSUBSCRIBE_PATH, Outbox
from mattran.domain.notifications.senders import (
    CHANNELS,
    Channel,
    LoggingSender,
    Message,
    Sender,
    SmtpConfig,
    SmtpSender,
)

__all__ = [
    "CHANNELS",
    "UNSUBSCRIBE_PATH",
    "Channel",
    "LoggingSender",
    "Message",
    "Outbox",
    "Sender",
    "SmtpConfig",
    "SmtpSender",
]
