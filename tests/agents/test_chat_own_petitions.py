"""“Phản ánh của tôi” in the chat (issue 18): a signed-in citizen asking for their petitions gets each with its
status, the same as the page (the domain's ``mine``, under row-level security: never another person's); a guest is
asked for the code or to sign in; a message that only mentions one's petition is not taken for the list."""

from __future__ import annotations

import uuid

import pytest

from agents.runner import ChatRunner
from agents.understanding import Intent, asks_for_own_petitions, certain_intent
from mattran.auth.principal import Principal, Role
from mattran.domain.petitions import PetitionIn
from mattran.domain.petitions.followup import Withdrawal
from mattran.services import Services

ASKING = [
    "Phản ánh của tôi",
    "phan anh cua toi",
    "Xem các phản ánh tôi đã gửi",
    "đơn của tôi đâu?",
    "Phản ánh của tôi đến đâu rồi",
    "cho tôi xem phản ánh của tôi",
    "kiểm tra đơn mình đã gửi nhé",
]
NOT_ASKING = [
    "Tôi muốn gửi phản ánh",
    "phản ánh của tôi về rác thải ở chợ phường Ba Đình",
    "Phản ánh PAKN-2026-000123 của tôi đến đâu rồi?",
    "người gửi phản ánh của tôi là ai",
]


def _citizen() -> Principal:
    tag = uuid.uuid4().hex[:8]
    return Principal(subject=f"cua-toi-{tag}", name=f"Công dân {tag}", roles=frozenset({Role.CITIZEN}))


async def _file(services: Services, who: Principal, title: str) -> str:
    data = PetitionIn(
        title=title, content=f"{title}: đã nhiều ngày chưa được khắc phục, mong xã xem xét.", unit_code="00070"
    )
    return (await services.petitions.intake.file(who, data, "web")).tracking_code.rsplit("-", 1)[0]


@pytest.mark.parametrize("text", ASKING)
def test_the_phrase_is_read_as_ones_own_petitions(text: str) -> None:
    assert asks_for_own_petitions(text) and certain_intent(text) == Intent.GET_PETITION_STATUS


@pytest.mark.parametrize("text", NOT_ASKING)
def test_a_message_that_only_mentions_ones_petition_is_not(text: str) -> None:
    assert not asks_for_own_petitions(text)


async def test_a_signed_in_citizen_sees_their_petitions_with_their_status(
    runner: ChatRunner, services: Services
) -> None:
    owner, other = _citizen(), _citizen()
    first = await _file(services, owner, "Đèn đường ngõ 5 bị hỏng")
    second = await _file(services, owner, "Cống thoát nước đầu ngõ 12 bị tắc")
    theirs = await _file(services, other, "Rác thải tồn đọng ở cổng chợ")
    await services.petitions.followup.withdraw(owner, first, Withdrawal(reason="Đã được sửa"))
    page = await services.petitions.followup.mine(owner)  # what "Phản ánh của tôi" shows

    said = await runner.send(owner, str(uuid.uuid4()), "Phản ánh của tôi")
    assert said.intent == "get_petition_status" and said.confirmation is None
    assert [(c.name, c.args) for c in said.tool_calls] == [("get_petition_status", {"mine": True})]
    lines = said.reply.splitlines()
    assert lines[0] == "Bạn có 2 phản ánh (mới nhất trước):"
    for p, line in zip(page, lines[1:3], strict=True):  # the page's order and statuses
        assert p["tracking_code"] in line and p["status_label"] in line and p["title"] in line
    assert "Người gửi đã rút" in lines[2] and first in lines[2] and second in lines[1]
    assert theirs not in said.reply and "/phan-anh-cua-toi" in said.reply

    empty = await runner.send(_citizen(), str(uuid.uuid4()), "xem các phản ánh tôi đã gửi")
    assert empty.reply.startswith("Bạn chưa gửi phản ánh nào khi đăng nhập") and theirs not in empty.reply

    guest = Principal.anonymous()
    asked = await runner.send(guest, runner.new_conversation(), "Phản ánh của tôi")
    assert not asked.tool_calls and "mã tra cứu" in asked.reply and "/dang-nhap" in asked.reply
