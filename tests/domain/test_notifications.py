"""Notifications with an outbox (issue 18, part B, item 2), against a real SMTP server (aiosmtpd): the receipt at
filing and each change of status reach the petitioner once, with one Message-ID per event; refusals are retried
with back-off; two senders never send the same message; a sender killed mid-send loses nothing (the repeat carries
the same Message-ID); the signed link stops them; without a sender a message stays queued."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.errors import NotFound
from mattran.domain.notifications import Channel, LoggingSender, Outbox, Sender, SmtpConfig, SmtpSender
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions import Action, InvalidPetition, PetitionIn, public_number
from mattran.domain.petitions.models import Contact, Notify
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from tests.support.mailbox import Mailbox, body, smtp_server
from tests.support.paths import ROOT
from tests.support.principals import VAN_MIEU, van_mieu_cadre

KEY = bytes(range(32))
EMAIL = "thu.ha@example.vn"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


def _outbox(services: Services, senders: Mapping[Channel, Sender]) -> Outbox:
    return Outbox(services.db, services.personal, senders, "http://mattran.test", "mattran.test", KEY)


def _smtp(port: int) -> SmtpSender:
    return SmtpSender(SmtpConfig.parse(f"smtp://127.0.0.1:{port}"), "Mặt trận số <pakn@mattran.test>")


def _citizen() -> Principal:
    tag = uuid.uuid4().hex[:8]
    return Principal(subject=f"thong-bao-{tag}", name=f"Công dân {tag}", roles=frozenset({Role.CITIZEN}))


async def _file(
    services: Services, email: str | None = EMAIL, phone: str | None = None, notify: Notify | None = None
) -> str:
    """A petition with contacts, filed by a signed-in citizen; its full receipt."""
    filed = await services.petitions.intake.file(
        _citizen(),
        PetitionIn(
            title="Cống thoát nước ở xóm Chùa bị vỡ, gọi 0912 345 678",
            content="Cống thoát nước đầu xóm Chùa bị vỡ, nước thải tràn ra đường đi học của các cháu.",
            unit_code=VAN_MIEU,
            contact=Contact(full_name="Lưu Thu Hà", email=email, phone=phone),
            consent=True,
            notify=notify,
        ),
        "web",
    )
    return filed.tracking_code


async def _rows(services: Services, code: str) -> list[dict[str, object]]:
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            "select o.id, o.status, o.attempts, o.last_error, o.receipt_enc, o.next_attempt_at, e.action"
            " from notification_outbox o join petitions p on p.id = o.petition_id"
            " join petition_events e on e.id = o.event_id where p.tracking_code = %s order by o.id",
            (public_number(code),),
        )
        return list(await cur.fetchall())


async def _drain(outbox: Outbox) -> None:
    """Deliver whatever earlier tests left due, so that a test counts only its own."""
    while await outbox.deliver_due():
        pass


async def test_the_receipt_and_each_change_reach_the_petitioner_once(
    services: Services, server: tuple[Mailbox, int]
) -> None:
    box, port = server
    outbox = _outbox(services, {"email": _smtp(port)})
    receipt = await _file(services)
    code = public_number(receipt)
    assert [r["action"] for r in await _rows(services, code)] == ["received"]  # in the filing's transaction
    await _drain(outbox)
    (first,) = box.about(code)
    assert str(first["To"]) == EMAIL and str(first["Subject"]) == f"[Mặt trận số] Đã tiếp nhận phản ánh {code}"
    text = body(first)
    assert receipt in text and f"/tra-cuu?ma={receipt}" in text  # the full code, with its secret
    assert "0912 345 678" not in text and "Cống thoát nước ở xóm Chùa bị vỡ" in text  # what was sent, masked
    assert "Xã Văn Miếu" in text and "Lưu Thu Hà" not in text
    assert re.fullmatch(r"<pakn\.\d+\.email@mattran\.test>", str(first["Message-ID"]))
    assert str(first["List-Unsubscribe"]).strip().startswith("<http://mattran.test/huy-nhan-tin?t=")
    cadre = van_mieu_cadre("thong-bao-xa")
    workflow = services.petitions.workflow
    await workflow.act(cadre, code, Action(action=PetitionAction.ACCEPT))
    await workflow.act(cadre, code, Action(action=PetitionAction.ASSIGN, assignee="thong-bao-xa"))  # not a change
    await workflow.act(cadre, code, Action(action=PetitionAction.FORWARD, agency="UBND xã Văn Miếu"))
    await workflow.act(cadre, code, Action(action=PetitionAction.ANSWER, answer="Đã sửa cống ngày 4/12."))
    await _drain(outbox)
    mails = box.about(code)
    assert [str(m["Subject"]).split(": ", 1)[-1] for m in mails[1:]] == [
        "Đã thụ lý",
        "Đã chuyển cơ quan có thẩm quyền",
        "Đã trả lời",
    ]
    assert "UBND xã Văn Miếu" in body(mails[2]) and "Đã sửa cống ngày 4/12." in body(mails[3])
    assert len({str(m["Message-ID"]) for m in mails}) == 4  # one per event
    assert await outbox.deliver_due() == 0 and len(box.about(code)) == 4  # no repeat in normal operation
    rows = await _rows(services, code)
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}
    assert all(r["receipt_enc"] is None for r in rows)  # the receipt's secret is not kept once sent


async def test_nothing_is_enqueued_without_a_chosen_channel(services: Services) -> None:
    code = await _file(services, email=None, phone="0912 345 678")  # no e-mail: none by default
    none = await _file(services, notify="none")
    await services.petitions.workflow.act(van_mieu_cadre("thong-bao-xa"), none, Action(action=PetitionAction.ACCEPT))
    assert await _rows(services, code) == [] and await _rows(services, none) == []
    with pytest.raises(InvalidPetition):
        await _file(services, email=None, notify="email")
    with pytest.raises(InvalidPetition):
        await _file(services, notify="zalo")  # no phone


async def test_a_refusal_is_retried_with_back_off(services: Services, server: tuple[Mailbox, int]) -> None:
    box, port = server
    outbox = _outbox(services, {"email": _smtp(port)})
    await _drain(outbox)
    code = public_number(await _file(services))
    box.refuse = 1
    started = datetime.now(UTC)
    assert await outbox.deliver_one() is False
    (row,) = await _rows(services, code)
    assert (row["status"], row["attempts"], row["last_error"]) == ("queued", 1, "SMTPDataError 451")
    assert isinstance(row["next_attempt_at"], datetime)
    assert timedelta(seconds=59) < row["next_attempt_at"] - started < timedelta(seconds=70)
    assert await outbox.deliver_due() == 0 and box.about(code) == []  # not before its time
    async with services.db.transaction(Scope.everything()) as conn:
        await conn.execute("update notification_outbox set next_attempt_at = now() where id = %s", (row["id"],))
    assert await outbox.deliver_due() >= 1
    assert len(box.about(code)) == 1 and (await _rows(services, code))[0]["status"] == "sent"


async def test_two_senders_never_send_the_same_message(services: Services, server: tuple[Mailbox, int]) -> None:
    box, port = server
    first, second = _outbox(services, {"email": _smtp(port)}), _outbox(services, {"email": _smtp(port)})
    await _drain(first)
    codes = [public_number(await _file(services)) for _ in range(6)]
    done = await asyncio.gather(first.deliver_due(), second.deliver_due())
    assert sum(done) == 6 and all(done)  # both took part
    assert [len(box.about(c)) for c in codes] == [1] * 6


async def test_a_sender_killed_mid_send_loses_nothing(
    services: Services, server: tuple[Mailbox, int], urls: StoreUrls, settings: Settings
) -> None:
    box, port = server
    outbox = _outbox(services, {"email": _smtp(port)})
    await _drain(outbox)
    code = public_number(await _file(services))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "tests.support.outbox_crash", urls.app, str(settings.data_dir), str(port), KEY.hex()]
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "sent"  # accepted by the server
    finally:
        proc.kill()
        proc.wait(30)
    (crashed,) = box.about(code)
    (row,) = await _rows(services, code)
    assert (row["status"], row["attempts"]) == ("queued", 0)  # its transaction died with it: nothing marked
    assert await outbox.deliver_due() == 1  # the restarted sender delivers it
    repeat = box.about(code)
    assert len(repeat) == 2 and repeat[1]["Message-ID"] == crashed["Message-ID"]  # recognisable as a repeat
    assert (await _rows(services, code))[0]["status"] == "sent"


async def test_the_signed_link_stops_further_messages(services: Services, server: tuple[Mailbox, int]) -> None:
    box, port = server
    outbox = _outbox(services, {"email": _smtp(port)})
    await _drain(outbox)
    code = public_number(await _file(services))
    await _drain(outbox)
    token = re.search(r"/huy-nhan-tin\?t=(\S+)", body(box.about(code)[0]))
    assert token is not None
    with pytest.raises(NotFound):
        await outbox.unsubscribe(token.group(1)[:-2] + "xx")  # forged
    with pytest.raises(NotFound):
        await outbox.unsubscribe(token.group(1).replace(".email.", ".sms."))  # another channel, same signature
    assert await outbox.unsubscribe(token.group(1)) is True
    assert await outbox.unsubscribe(token.group(1)) is False  # already stopped
    await services.petitions.workflow.act(van_mieu_cadre("thong-bao-xa"), code, Action(action=PetitionAction.ACCEPT))
    await _drain(outbox)
    assert len(box.about(code)) == 1 and len(await _rows(services, code)) == 1


async def test_without_a_sender_messages_stay_queued_and_sms_goes_through_its_adapter(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    code = public_number(await _file(services, email=None, phone="0987 654 321", notify="sms"))
    mail_off = _outbox(services, {})
    assert await mail_off.deliver_due() == 0 and await mail_off.pending("sms") >= 1
    (row,) = await _rows(services, code)
    assert row["status"] == "queued"
    with caplog.at_level(logging.INFO, logger="mattran.domain.notifications.senders"):
        assert await _outbox(services, {"sms": LoggingSender("sms")}).deliver_due() >= 1
    assert f"Đã tiếp nhận phản ánh {code}" in caplog.text and "098******321" in caplog.text
    assert "0987 654 321" not in caplog.text and "654" not in caplog.text.replace("098******321", "")
    assert (await _rows(services, code))[0]["status"] == "sent"


async def test_a_transfer_tells_where_the_petition_went(services: Services, server: tuple[Mailbox, int]) -> None:
    box, port = server
    outbox = _outbox(services, {"email": _smtp(port)})
    await _drain(outbox)
    code = public_number(await _file(services))  # still "received" after the move: a move is told all the same
    moved = Action(action=PetitionAction.TRANSFER, unit_code="25", reason="Thuộc thẩm quyền cấp tỉnh")
    await services.petitions.workflow.act(van_mieu_cadre("thong-bao-xa"), code, moved)
    await _drain(outbox)
    province = services.resolver.units["25"].name
    assert [str(m["Subject"]) for m in box.about(code)][1:] == [
        f"[Mặt trận số] Phản ánh {code}: Đã chuyển đến {province}"
    ]
    assert f"Phản ánh đã được chuyển đến {province}." in body(box.about(code)[1])


def test_a_token_is_read_only_when_its_signature_holds(services: Services) -> None:
    outbox = _outbox(services, {})
    token = outbox.unsubscribe_token(42, "email")
    assert outbox.read_token(token) == (42, "email") and outbox.read_token(f" {token} ") == (42, "email")
    for forged in (
        "",
        "42",
        "42.email",
        "².email.x",
        "42.fax." + token.split(".")[2],
        token + "ñ",
        "9" * 30 + ".email.x",
    ):
        assert outbox.read_token(forged) is None, forged
