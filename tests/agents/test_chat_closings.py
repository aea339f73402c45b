"""The chat never traps a citizen (issue 18): cancel words end what is pending, thanks get a polite answer, and a new
message sent instead of an answer is read as a new request, the pending one dropped with a note."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from agents.replies import PENDING_DROPPED
from agents.runner import ChatRunner
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls

CITIZEN = Principal(subject="cong-dan-huy", name="Trần Văn Thôi", roles=frozenset({Role.CITIZEN}))
PETITION = "Phản ánh: rác thải ở chợ phường Hoàn Kiếm, Hà Nội không được thu gom, bốc mùi hôi thối cả tuần nay."
CANCELLED = "Đã hủy, chưa gửi gì."
CANCEL_WORDS = ["Hủy", "huy", "thôi", "Không.", "ko", "cảm ơn", "thôi khỏi", "thôi, cảm ơn"]


def _count(urls: StoreUrls) -> int:
    with psycopg.connect(urls.owner) as conn:
        row = conn.execute("select count(*) from petitions").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("word", CANCEL_WORDS)
async def test_a_cancel_word_ends_a_pending_confirmation(runner: ChatRunner, urls: StoreUrls, word: str) -> None:
    talk = str(uuid.uuid4())
    assert (await runner.send(CITIZEN, talk, PETITION)).confirmation
    before = _count(urls)
    said = await runner.send(CITIZEN, talk, word)
    assert said.reply.startswith(CANCELLED) and said.confirmation is None, said.reply
    assert await runner.pending(CITIZEN, talk) is None and _count(urls) == before


@pytest.mark.parametrize("word", ["thôi", "hủy", "cảm ơn"])
async def test_a_cancel_word_ends_a_question_or_a_choice(runner: ChatRunner, word: str) -> None:
    talk = str(uuid.uuid4())
    assert "việc gì" in (await runner.send(CITIZEN, talk, "Tôi muốn gửi phản ánh")).reply
    assert (await runner.send(CITIZEN, talk, word)).reply.startswith(CANCELLED)  # not taken as the petition's text
    await runner.send(CITIZEN, talk, "Đèn đường ở đầu ngõ 7 bị hỏng hơn một tháng, buổi tối rất tối.")
    assert "Có nhiều đơn vị trùng tên" in (await runner.send(CITIZEN, talk, "xã Tân Lập")).reply
    closed = await runner.send(CITIZEN, talk, word)
    assert closed.reply.startswith(CANCELLED) and "chưa hiểu lựa chọn" not in closed.reply
    after = await runner.send(CITIZEN, talk, "1")  # the choice is over: "1" is no longer an answer to it
    assert "Xã Tân Lập" not in after.reply and after.confirmation is None


async def test_thanks_at_any_time_get_a_short_polite_answer(runner: ChatRunner) -> None:
    talk = runner.new_conversation()
    guest = Principal.anonymous()
    for word in ("Cảm ơn bạn nhiều!", "cám ơn ạ", "thanks"):
        said = await runner.send(guest, talk, word)
        assert said.reply.startswith("Không có gì ạ") and said.intent == "help", said.reply
        assert said.confirmation is None and not said.tool_calls


async def test_a_choice_not_understood_is_asked_once_then_the_message_is_a_new_request(runner: ChatRunner) -> None:
    talk = str(uuid.uuid4())
    said = await runner.send(CITIZEN, talk, "Đèn đường ở đầu ngõ 7 xã Tân Lập bị hỏng hơn một tháng, tối lắm.")
    assert "Có nhiều đơn vị trùng tên" in said.reply
    assert "chưa hiểu lựa chọn" in (await runner.send(CITIZEN, talk, "cái nào cũng được")).reply
    moved = await runner.send(CITIZEN, talk, "Xã Ngũ Hiệp, huyện Thanh Trì nay thuộc xã nào?")
    assert moved.reply.startswith(PENDING_DROPPED) and "chưa hiểu lựa chọn" not in moved.reply
    assert moved.intent == "find_unit"


async def test_a_new_message_during_a_confirmation_is_a_new_request(runner: ChatRunner, urls: StoreUrls) -> None:
    talk = str(uuid.uuid4())
    assert (await runner.send(CITIZEN, talk, PETITION)).confirmation
    before = _count(urls)
    asked = await runner.send(CITIZEN, talk, "Xã Ngũ Hiệp, huyện Thanh Trì nay thuộc xã nào?")
    assert asked.reply.startswith(PENDING_DROPPED) and asked.intent == "find_unit" and asked.confirmation is None
    assert "Thanh Trì" in asked.reply and await runner.pending(CITIZEN, talk) is None and _count(urls) == before
    assert (await runner.send(CITIZEN, talk, PETITION)).confirmation
    other = "Kiến nghị: đèn đường ngõ 9 phường Ba Đình, Hà Nội hỏng đã hai tuần, buổi tối rất nguy hiểm."
    replaced = await runner.send(CITIZEN, talk, other)  # a petition written again: the new one waits, the old dropped
    assert replaced.confirmation and replaced.confirmation.startswith(PENDING_DROPPED)
    assert "ngõ 9" in replaced.confirmation and "rác thải" not in replaced.confirmation
    done = await runner.send(CITIZEN, talk, "có")
    assert "PAKN-" in done.reply and PENDING_DROPPED not in done.reply and _count(urls) == before + 1
    with psycopg.connect(urls.owner) as conn:
        row = conn.execute("select content from petitions where tracking_code = %s", (done.reply.split("**")[1][:16],))
        assert (row.fetchone() or [""])[0] == other


async def test_a_guests_new_request_goes_on_after_the_dropped_one(runner: ChatRunner) -> None:
    guest, talk = Principal.anonymous(), runner.new_conversation()
    assert (await runner.send(guest, talk, PETITION)).confirmation
    asked = await runner.send(guest, talk, "Tôi muốn gửi phản ánh")
    assert asked.reply.startswith(PENDING_DROPPED) and "việc gì" in asked.reply
    said = await runner.send(guest, talk, "Cống thoát nước trước số 3 phố Đội Cấn bị vỡ, nước tràn ra đường.")
    assert "gửi đến Ủy ban MTTQ ở đâu" in said.reply  # nothing typed is lost: the conversation went on
