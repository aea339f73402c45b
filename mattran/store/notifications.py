"""SQL for notifications: the petitioner's subscriptions and the outbox the sender loop delivers from.

The outbox is read and updated in the system's scope (``Scope.everything()``); events enqueue into it by a trigger
(migration 0021), the receipt at filing by :func:`enqueue_receipt`.
"""

from __future__ import annotations

from datetime import datetime

from mattran.store.db import Conn, Row


async def subscribe(conn: Conn, petition_id: int, channel: str, address_enc: bytes) -> None:
    """Record where the petitioner asked to be told (the address encrypted)."""
    await conn.execute(
        "insert into petition_subscriptions (petition_id, channel, address_enc) values (%s, %s, %s)",
        (petition_id, channel, address_enc),
    )


async def enqueue_receipt(conn: Conn, petition_id: int, channel: str, receipt_enc: bytes | None) -> None:
    """Enqueue the receipt of a petition just filed (its first event), with its sealed full code.

    The event is read in the system's scope, as the notices' trigger reads the subscriptions (a guest may not read
    back what they filed), then the caller's scope is back.
    """
    caller = await (await conn.execute("select current_setting('mattran.scope', true) as scope")).fetchone()
    await conn.execute("select set_config('mattran.scope', '{vn}', true)")
    await conn.execute(
        "insert into notification_outbox (petition_id, event_id, channel, receipt_enc)"
        " select %s, id, %s, %s from petition_events where petition_id = %s and action = 'received'",
        (petition_id, channel, receipt_enc, petition_id),
    )
    await conn.execute("select set_config('mattran.scope', %s, true)", ((caller or {}).get("scope") or "",))


async def claim(conn: Conn, channels: list[str], now: datetime) -> Row | None:
    """The next due message of these channels, locked until the transaction ends (another sender skips it), with
    what it tells and where it goes: a petition's event to its subscriber, or a reminder to a cadre (``reminder_id``
    set, the cadre's address in ``address_enc``)."""
    cur = await conn.execute(
        "select o.id, o.petition_id, o.event_id, o.channel, o.attempts, o.receipt_enc,"
        " p.tracking_code, p.title, p.content, p.kind, p.status, p.answer, p.due_at, p.forwarded_to, p.submitter,"
        " p.created_at as received_at, u.name as unit_name, e.at, e.action, e.from_status, e.to_status, e.detail,"
        " coalesce(cadre_email(o.cadre_id), s.address_enc) as address_enc, s.unsubscribed_at,"
        " o.reminder_id, r.kind as reminder_kind, r.deadline, pu.name as parent_name"
        " from notification_outbox o join petitions p on p.id = o.petition_id"
        " left join petition_events e on e.id = o.event_id"
        " left join petition_reminders r on r.id = o.reminder_id"
        " left join units u on u.code = p.unit_code"
        " left join units pu on pu.code = u.parent_code"
        " left join petition_subscriptions s on s.petition_id = o.petition_id and s.channel = o.channel"
        "  and o.event_id is not null"
        " where o.status = 'queued' and o.next_attempt_at <= %s and o.channel = any(%s)"
        " order by o.next_attempt_at, o.id limit 1 for update of o skip locked",
        (now, channels),
    )
    return await cur.fetchone()


async def mark_sent(conn: Conn, outbox_id: int, now: datetime) -> None:
    """Delivered: the receipt's secret is dropped."""
    await conn.execute(
        "update notification_outbox set status = 'sent', sent_at = %s, attempts = attempts + 1, receipt_enc = null,"
        " last_error = null where id = %s",
        (now, outbox_id),
    )


async def mark_retry(conn: Conn, outbox_id: int, next_at: datetime, error: str, give_up: bool) -> None:
    """Not delivered: tried again at ``next_at``, or given up (``failed``)."""
    await conn.execute(
        "update notification_outbox set attempts = attempts + 1, next_attempt_at = %s, last_error = %s,"
        " status = case when %s then 'failed' else status end,"
        " receipt_enc = case when %s then null else receipt_enc end where id = %s",
        (next_at, error, give_up, give_up, outbox_id),
    )


async def mark_stopped(conn: Conn, outbox_id: int, reason: str) -> None:
    """Not to be sent (the petitioner unsubscribed)."""
    await conn.execute(
        "update notification_outbox set status = 'stopped', last_error = %s, receipt_enc = null where id = %s",
        (reason, outbox_id),
    )


async def unsubscribe(conn: Conn, petition_id: int, channel: str, now: datetime) -> int:
    """Stop a subscription and what it still has queued; subscriptions stopped (0: none, or already)."""
    cur = await conn.execute(
        "update petition_subscriptions set unsubscribed_at = %s"
        " where petition_id = %s and channel = %s and unsubscribed_at is null",
        (now, petition_id, channel),
    )
    await conn.execute(
        "update notification_outbox set status = 'stopped', last_error = 'unsubscribed', receipt_enc = null"
        " where petition_id = %s and channel = %s and status = 'queued'",
        (petition_id, channel),
    )
    return cur.rowcount


async def pending(conn: Conn, channel: str) -> int:
    """Messages of a channel still queued."""
    cur = await conn.execute(
        "select count(*)::int as n from notification_outbox where status = 'queued' and channel = %s", (channel,)
    )
    row = await cur.fetchone()
    return int(row["n"]) if row else 0
