"""The outbox's sender: delivers what petition events enqueued, one message a transaction, retried with back-off;
and the signed link that stops a petition's notifications."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mattran.domain.claim_links import CLAIM_PATH, VALID_FOR, ClaimLinks
from mattran.domain.errors import NotFound
from mattran.domain.notifications import texts
from mattran.domain.notifications.senders import CHANNELS, Channel, Message, Sender
from mattran.domain.petition_status import PetitionAction
from mattran.domain.privacy import Field, PersonalData
from mattran.scope import Scope
from mattran.store import notifications as store
from mattran.store.db import Database

_log = logging.getLogger(__name__)
ADDRESS_FIELD: dict[Channel, Field] = {"email": "email", "sms": "phone", "zalo": "phone"}
UNSUBSCRIBE_PATH = "/huy-nhan-tin"
BAD_LINK = "Đường dẫn hủy nhận thông báo không đúng hoặc đã bị sửa."


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4… minutes, at most 6 hours."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _error_kind(exc: Exception) -> str:
    """What is kept of a failure: its kind and SMTP code, never its text (it may name the recipient)."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"


def unsubscribe_token(key: bytes, petition_id: int, channel: str) -> str:
    """``petition.channel.signature``: names a subscription, signed with ``key`` (HMAC-SHA256, 128 bits)."""
    digest = hmac.new(key, f"{petition_id}.{channel}".encode(), hashlib.sha256).digest()[:16]
    return f"{petition_id}.{channel}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


@dataclass(frozen=True)
class Outbox:
    """Delivers queued notifications through the configured senders (a channel without one stays queued)."""

    db: Database
    personal: PersonalData
    senders: Mapping[Channel, Sender]
    base_url: str  # for the links in the messages
    mail_domain: str  # the right-hand side of the Message-IDs
    token_key: bytes  # signs the unsubscribe links
    max_attempts: int = 10
    claims: ClaimLinks | None = None  # signs the link in a guest's receipt that attaches it to their account

    def message_id(self, event_id: int, channel: str) -> str:
        """The event's Message-ID on a channel: the same on every attempt."""
        return f"<pakn.{event_id}.{channel}@{self.mail_domain}>"

    def unsubscribe_token(self, petition_id: int, channel: str) -> str:
        """The signed token of a subscription (in the unsubscribe link)."""
        return unsubscribe_token(self.token_key, petition_id, channel)

    def read_token(self, token: str) -> tuple[int, Channel] | None:
        """The subscription a token names, if its signature holds."""
        token = token.strip()
        number, _, rest = token.partition(".")
        channel, _, _ = rest.partition(".")
        if not (number.isascii() and number.isdigit() and len(number) < 19) or channel not in CHANNELS:
            return None
        expected = unsubscribe_token(self.token_key, int(number), channel)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        return int(number), channel

    async def unsubscribe(self, token: str) -> bool:
        """Stop the subscription a signed token names (True when it was live); ``NotFound`` for a bad token."""
        found = self.read_token(token)
        if found is None:
            raise NotFound(BAD_LINK, "t")
        async with self.db.transaction(Scope.everything()) as conn:
            return await store.unsubscribe(conn, *found, datetime.now(UTC)) > 0

    async def pending(self, channel: Channel) -> int:
        """Messages of ``channel`` still queued."""
        async with self.db.transaction(Scope.everything()) as conn:
            return await store.pending(conn, channel)

    async def deliver_due(self, limit: int = 100) -> int:
        """Deliver up to ``limit`` due messages; how many were delivered."""
        delivered = 0
        for _ in range(limit):
            outcome = await self.deliver_one()
            if outcome is None:
                break
            delivered += outcome
        return delivered

    async def deliver_one(self) -> bool | None:
        """Claim one due message (skipping those another sender holds), send it and mark it in the same
        transaction: a process that dies mid-send leaves it queued, sent again later with the same Message-ID.
        None when nothing is due; else whether it was delivered."""
        if not self.senders:
            return None
        now = datetime.now(UTC)
        async with self.db.transaction(Scope.everything()) as conn:
            row = await store.claim(conn, list(self.senders), now)
            if row is None:
                return None
            if row["address_enc"] is None or (row["reminder_id"] is None and row["unsubscribed_at"] is not None):
                await store.mark_stopped(conn, row["id"], "unsubscribed")
                return False
            channel: Channel = row["channel"]
            address = self.personal.decrypt(ADDRESS_FIELD[channel], row["address_enc"])
            if address is None:  # its key is lost: nobody to send it to
                await store.mark_retry(conn, row["id"], now, "Unreadable", give_up=True)
                return False
            try:
                await self.senders[channel].send(self._message(row, channel, address))
            except Exception as exc:  # refused or unreachable: try again later
                attempts = row["attempts"] + 1
                give_up = attempts >= self.max_attempts
                await store.mark_retry(conn, row["id"], now + backoff(attempts), _error_kind(exc), give_up)
                _log.warning(
                    "notification %s (%s) not delivered, attempt %d%s: %s",
                    row["id"],
                    channel,
                    attempts,
                    ", given up" if give_up else "",
                    _error_kind(exc),
                )
                return False
            await store.mark_sent(conn, row["id"], datetime.now(UTC))
            return True

    def _claim_link(self, row: dict[str, Any], channel: Channel, address: str) -> texts.ClaimLink | None:
        """The link that attaches a guest's petition to a citizen's account: by e-mail only (the link is bound to
        the address it is sent to), for a petition filed without signing in."""
        if self.claims is None or channel != "email" or row["submitter"] is not None:
            return None
        token = self.claims.token(row["petition_id"], address, row["at"])
        return texts.ClaimLink(f"{self.base_url}{CLAIM_PATH}?t={token}", row["at"] + VALID_FOR)

    def _message(self, row: dict[str, Any], channel: Channel, address: str) -> Message:
        if row["reminder_id"] is not None:  # to a cadre: no subscription to stop
            text = texts.reminder(row, f"{self.base_url}/can-bo/phan-anh/{row['tracking_code']}")
            message_id = f"<nhac.{row['reminder_id']}.{row['id']}@{self.mail_domain}>"
            return Message(channel, address, text.subject, text.body, message_id, None)
        unsubscribe_url = f"{self.base_url}{UNSUBSCRIBE_PATH}?t={self.unsubscribe_token(row['petition_id'], channel)}"
        if row["action"] == PetitionAction.RECEIVED:
            full = self.personal.decrypt("receipt", row["receipt_enc"])
            status_url = f"{self.base_url}/tra-cuu?ma={full or row['tracking_code']}"
            claim = self._claim_link(row, channel, address)
            text = texts.receipt(row, full, status_url, unsubscribe_url, claim)
        else:
            text = texts.change(row, f"{self.base_url}/tra-cuu", unsubscribe_url)
        return Message(
            channel=channel,
            to=address,
            subject=text.subject,
            body=text.body,
            message_id=self.message_id(row["event_id"], channel),
            unsubscribe_url=unsubscribe_url,
        )
