"""A petition filed in the chat may carry a contact to call back (issue 18): the confirmation offers it (optional,
with the privacy notice), a contact given in answer is shown with the full notice and asked again, the name of a
signed-in petitioner is filled in; the contact is sealed with the consent, and never enters the conversation's
messages (which a language model may read)."""

from __future__ import annotations

import uuid

import psycopg
from langchain_core.runnables import RunnableConfig

from agents.runner import ChatRunner
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.chat_retention import GUEST_THREAD_PREFIX
from mattran.domain.consent import PETITION_NOTICE, PETITION_NOTICE_VERSION

CITIZEN = Principal(subject="cong-dan-lien-he", name="Đỗ Thị Liên", roles=frozenset({Role.CITIZEN}))
PETITION = "Phản ánh: đèn đường ngõ 12 phố Đội Cấn, phường Ba Đình, Hà Nội hỏng đã ba tuần, buổi tối rất tối."
OFFER = "Nếu muốn được gọi lại (không bắt buộc)"


def _filed(urls: StoreUrls, reply: str) -> tuple[object, ...]:
    number = reply.split("**")[1][:16]
    with psycopg.connect(urls.owner) as conn:
        row = conn.execute(
            "select c.full_name_enc is not null, c.phone_enc is not null, c.email_enc is not null, p.consent_notice"
            " from petitions p left join petition_contacts c on c.petition_id = p.id where p.tracking_code = %s",
            (number,),
        ).fetchone()
    assert row is not None
    return tuple(row)


async def test_a_guest_gives_a_contact_in_answer_to_the_confirmation(runner: ChatRunner, urls: StoreUrls) -> None:
    guest, talk = Principal.anonymous(), runner.new_conversation()
    ask = await runner.send(guest, talk, PETITION)
    assert ask.confirmation and OFFER in ask.confirmation and "không bao giờ công khai" in ask.confirmation
    again = await runner.send(guest, talk, "Nguyễn Văn An, 0912 345 678")
    assert again.confirmation and "Liên hệ để gọi lại: Nguyễn Văn An, 0912 345 678." in again.confirmation
    assert PETITION_NOTICE in again.confirmation and "ngõ 12" in again.confirmation
    config: RunnableConfig = {"configurable": {"thread_id": GUEST_THREAD_PREFIX + talk}}
    held = await runner.graph.aget_state(config)
    assert not any("0912" in m["content"] for m in held.values.get("messages", []))  # not a message, never read
    done = await runner.send(guest, talk, "có")
    assert "PAKN-" in done.reply
    assert _filed(urls, done.reply) == (True, True, False, f"chat:{PETITION_NOTICE_VERSION}")


async def test_a_signed_in_petitioners_name_is_filled_in(runner: ChatRunner, urls: StoreUrls) -> None:
    talk = str(uuid.uuid4())
    ask = await runner.send(CITIZEN, talk, PETITION)
    assert ask.confirmation and f"họ tên theo tài khoản: {CITIZEN.name}" in ask.confirmation
    again = await runner.send(CITIZEN, talk, "email lien@vi-du.vn")
    assert again.confirmation and f"Liên hệ để gọi lại: {CITIZEN.name}, lien@vi-du.vn." in again.confirmation
    done = await runner.send(CITIZEN, talk, "Có")
    assert _filed(urls, done.reply) == (True, False, True, f"chat:{PETITION_NOTICE_VERSION}")


async def test_without_a_contact_the_petition_is_filed_as_before(runner: ChatRunner, urls: StoreUrls) -> None:
    talk = str(uuid.uuid4())
    assert (await runner.send(CITIZEN, talk, PETITION)).confirmation
    done = await runner.send(CITIZEN, talk, "gửi đi")
    assert _filed(urls, done.reply) == (False, False, False, None)
