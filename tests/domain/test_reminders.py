"""Reminders to a unit's cadres (issue 20), through the notification outbox to a real SMTP server (aiosmtpd): before
a petition's due date, before an escalation and before a state body's reply is due, counted in working days on
Vietnam's calendar; each once however many jobs run; to the unit's cadres only, from their accounts' e-mail; in
Vietnamese, without the petitioner's personal data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import httpx2
import pytest

from mattran.auth.principal import Principal, Role
from mattran.domain import cadres, holidays
from mattran.domain.notifications import Outbox, SmtpConfig, SmtpSender
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions import Action, PetitionIn, public_number
from mattran.domain.petitions.models import Contact
from mattran.domain.reminders import LEAD_DAYS, ReminderKind, Reminders, remind_from
from mattran.domain.time import VIETNAM
from mattran.scope import Scope
from mattran.services import Services
from tests.support.mailbox import Mailbox, body, smtp_server
from tests.support.platform import DEMO_ACCOUNTS, Platform, owner_rows, sign_in
from tests.support.principals import VAN_MIEU, phu_tho_cadre, unit_cadre, van_mieu_cadre


def _at(day: date, hour: int = 17) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM)


def test_reminders_start_working_days_before_on_vietnams_calendar() -> None:
    wednesday = date(2026, 12, 16)
    assert remind_from(_at(wednesday), 2) == _at(date(2026, 12, 14), 0)  # Monday
    assert remind_from(_at(date(2026, 12, 21)), 2) == _at(date(2026, 12, 17), 0)  # a Monday: the weekend skipped
    assert remind_from(_at(date(2026, 12, 21)), 1) == _at(date(2026, 12, 18), 0)
    # Thursday 3/9/2026 after the National Day (Wednesday 2/9): Tuesday 1/9 and Monday 31/8
    assert remind_from(_at(date(2026, 9, 3)), 2, {date(2026, 9, 2)}) == _at(date(2026, 8, 31), 0)
    # a deadline just after midnight in Vietnam is that Vietnamese day's (UTC says the day before)
    just_after_midnight = datetime(2026, 12, 16, 0, 30, tzinfo=VIETNAM).astimezone(UTC)
    assert remind_from(just_after_midnight, 1) == _at(date(2026, 12, 15), 0)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


def _cadre(unit: str, tag: str) -> Principal:
    subject = f"nhac-viec-{unit}-{tag}"
    return van_mieu_cadre(subject) if unit == "xa" else phu_tho_cadre(subject)


async def _deadline(services: Services, code: str, column: str) -> datetime:
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(f"select {column} as at from petitions where tracking_code = %s", (code,))
        row = await cur.fetchone()
    assert row is not None and row["at"] is not None
    return row["at"]  # type: ignore[no-any-return]


async def _remind_from(services: Services, deadline: datetime, kind: ReminderKind) -> datetime:
    async with services.db.transaction(Scope.everything()) as conn:
        days_off = await holidays.ahead(conn, deadline - timedelta(days=31))
    return remind_from(deadline, LEAD_DAYS[kind], days_off)


def _reminded(box: Mailbox, code: str) -> list[EmailMessage]:
    """The reminders about ``code`` (the petitioner's own notifications left out)."""
    return [m for m in box.about(code) if "Nhắc việc" in str(m["Subject"])]


async def _drain(outbox: Outbox) -> None:
    while await outbox.deliver_due():
        pass


async def test_each_reminder_reaches_the_units_cadres_once_without_personal_data(
    services: Services, server: tuple[Mailbox, int]
) -> None:
    box, port = server
    outbox = Outbox(
        services.db,
        services.personal,
        {"email": SmtpSender(SmtpConfig.parse(f"smtp://127.0.0.1:{port}"), "Mặt trận số <pakn@mattran.test>")},
        "http://mattran.test",
        "mattran.test",
        bytes(range(32)),
    )
    await _drain(outbox)
    tag = uuid.uuid4().hex[:8]
    first, second, province = _cadre("xa", tag), _cadre("xa", f"{tag}b"), _cadre("tinh", tag)
    mail = {first: f"can.bo.{tag}@vanmieu.example.vn", second: f"pho.{tag}@vanmieu.example.vn"}
    for cadre, address in mail.items():
        await cadres.seen(services.db, cadre, address, services.personal)
    await cadres.seen(services.db, province, f"tinh.{tag}@phutho.example.vn", services.personal)
    citizen = Principal(subject=f"nhac-viec-dan-{tag}", name="Công dân", roles=frozenset({Role.CITIZEN}))
    await cadres.seen(services.db, citizen, f"dan.{tag}@example.vn", services.personal)  # not a cadre
    gone = _cadre("xa", f"{tag}c")
    await cadres.seen(services.db, gone, f"cu.{tag}@vanmieu.example.vn", services.personal)
    await cadres.seen(services.db, gone, None, services.personal)  # signed in again without an e-mail
    demoted = _cadre("xa", f"{tag}d")
    await cadres.seen(services.db, demoted, f"truoc.{tag}@vanmieu.example.vn", services.personal)
    no_longer = Principal(subject=demoted.subject, name=demoted.name, roles=frozenset({Role.CITIZEN}))
    await cadres.seen(services.db, no_longer, f"truoc.{tag}@vanmieu.example.vn", services.personal)  # not any more
    stray = unit_cadre(f"nhac-viec-la-{tag}", Role.COMMUNE_CADRE, "99999", "vn.99.99999", "Xã lạ")
    await cadres.seen(services.db, stray, f"la.{tag}@example.vn", services.personal)  # no such unit
    async with services.db.transaction(Scope.everything()) as conn:  # read through the owner's functions only
        cur = await conn.execute(
            "select subject from cadres where id in (select cadres_with_email(u) from unnest(%s::text[]) u)"
            " and subject like %s",
            ([VAN_MIEU, province.unit_code, "99999"], f"nhac-viec-%{tag}%"),
        )
        kept = sorted(r["subject"] for r in await cur.fetchall())
    assert kept == sorted(c.subject for c in (first, second, province))
    try:
        filed = await services.petitions.intake.file(
            citizen,
            PetitionIn(
                title=f"Đèn đường ngõ 7 thôn Đoài tắt đã hai tuần {tag}",
                content="Đèn đường ngõ 7 thôn Đoài tắt đã hai tuần, nhà bà Lưu Thu Hà gọi 0912 345 678 không ai nghe.",
                unit_code=VAN_MIEU,
                contact=Contact(full_name="Lưu Thu Hà", email="thu.ha@example.vn", phone="0912 345 678"),
                consent=True,
            ),
            "web",
        )
        code = public_number(filed.tracking_code)
        due = await _deadline(services, code, "due_at")
        reminders = Reminders(services.db)

        due_from = await _remind_from(services, due, ReminderKind.DUE)
        await reminders.enqueue_due(due_from - timedelta(minutes=1))  # not yet
        await _drain(outbox)
        assert _reminded(box, code) == []
        # two processes' jobs at once, then the next period's: one reminder
        await asyncio.gather(*(reminders.enqueue_due(due_from + timedelta(minutes=1)) for _ in range(2)))
        await reminders.enqueue_due(due_from + timedelta(hours=1))
        await _drain(outbox)
        received = _reminded(box, code)
        assert sorted(str(m["To"]) for m in received) == sorted(mail.values())  # the unit's cadres only
        for message in received:
            text = body(message)
            assert str(message["Subject"]) == f"[Mặt trận số] Nhắc việc: Phản ánh {code} sắp đến hạn trả lời"
            assert f"hạn trả lời ngày {due.astimezone(VIETNAM):%d/%m/%Y}" in text
            assert "Kính gửi cán bộ Xã Văn Miếu" in text and f"http://mattran.test/can-bo/phan-anh/{code}" in text
            for personal in ("Lưu Thu Hà", "0912", "thu.ha@", "Đèn đường", "thôn Đoài"):
                assert personal not in text
            assert message["List-Unsubscribe"] is None
        assert len({str(m["Message-ID"]) for m in received}) == 2

        escalation_from = await _remind_from(services, due, ReminderKind.ESCALATION)
        assert escalation_from > due_from
        assert await Reminders(services.db, escalates=False).enqueue_due(escalation_from + timedelta(minutes=1)) == 0
        await reminders.enqueue_due(escalation_from + timedelta(minutes=1))
        await _drain(outbox)
        escalation = _reminded(box, code)[len(received) :]
        assert len(escalation) == 2
        assert "sẽ tự động chuyển lên Tỉnh Phú Thọ" in body(escalation[0])
        assert str(escalation[0]["Subject"]).endswith(f"Phản ánh {code} sắp được chuyển lên cấp trên")

        cadre = van_mieu_cadre(first.subject or "")
        await services.petitions.workflow.act(cadre, code, Action(action=PetitionAction.ACCEPT))
        await services.petitions.workflow.act(
            cadre, code, Action(action=PetitionAction.FORWARD, agency="UBND xã Văn Miếu")
        )
        reply_due = await _deadline(services, code, "reply_due_at")
        reply_from = await _remind_from(services, reply_due, ReminderKind.REPLY)
        await reminders.enqueue_due(reply_from - timedelta(minutes=1))
        await _drain(outbox)
        assert len(_reminded(box, code)) == 4
        await reminders.enqueue_due(reply_from + timedelta(minutes=1))
        await reminders.enqueue_due(reply_from + timedelta(minutes=2))
        await _drain(outbox)
        reply = _reminded(box, code)[4:]
        assert len(reply) == 2
        assert "đã chuyển đến UBND xã Văn Miếu; hạn cơ quan trả lời là ngày" in body(reply[0])
        assert f"{reply_due.astimezone(VIETNAM):%d/%m/%Y}" in body(reply[0])
    finally:
        for cadre in (first, second, province, gone):
            await cadres.seen(services.db, cadre, None, services.personal)


def test_a_cadres_address_comes_from_their_account_at_sign_in(platform: Platform) -> None:
    for role in ("commune_cadre", "citizen"):
        with httpx2.Client(timeout=60) as client:
            assert sign_in(client, platform.base_url, *DEMO_ACCOUNTS[role]).status_code == 200
    rows = owner_rows(
        platform,
        "select subject, unit_code, email_enc from cadres where subject in ('canbo.xa', 'congdan')",
    )
    assert [(subject, unit) for subject, unit, _ in rows] == [("canbo.xa", VAN_MIEU)]  # the citizen is not kept
    assert b"canbo.xa@" not in bytes(rows[0][2])  # encrypted like the petitioners' contacts
