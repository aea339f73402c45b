"""Files attached to chat messages, on the real store (the browser drives the same in
tests/web/browser/test_browser_chat.py): checked by the web form's own rules, held for the petition being prepared and
stored with it once confirmed; a refused file keeps nothing; a file outside a petition is not kept; a language model
never sees them."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import psycopg
import pytest
from langchain_core.messages import AIMessage

from agents.replies import ANSWER_FIRST, FILES_NOT_KEPT, FILES_RECEIVED, NOTHING_PENDING
from agents.runner import ChatRunner, Turn
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.attachments import MAX_BYTES
from mattran.services import Services
from tests.support.files import PDF, PNG, PROGRAM
from tests.support.scripted_model import ScriptedModel, call

CITIZEN = Principal(subject="cong-dan-tep", name="Lê Thị Tệp", roles=frozenset({Role.CITIZEN}))
PETITION = "Kiến nghị: rác thải ở chợ phường Hoàn Kiếm, Hà Nội không được thu gom, bốc mùi hôi thối cả tuần nay."


def stored(urls: StoreUrls, reply: str) -> list[tuple[str, str, int, str]]:
    """The attachments stored with the petition whose tracking code the reply gives."""
    code = re.search(r"PAKN-\d{4}-\d{6}", reply)
    assert code, reply
    with psycopg.connect(urls.owner) as conn:
        return conn.execute(
            "select a.filename, a.content_type, a.size, a.sha256 from petition_attachments a"
            " join petitions p on p.id = a.petition_id where p.tracking_code = %s order by a.id",
            (code.group(0),),
        ).fetchall()


def row(name: str, data: bytes, content_type: str) -> tuple[str, str, int, str]:
    return name, content_type, len(data), hashlib.sha256(data).hexdigest()


async def last_turn(runner: ChatRunner, talk: str, text: str, answering: bool) -> Turn:
    events = [e async for e in runner.stream(CITIZEN, talk, text, answering=answering)]
    assert isinstance(events[-1], Turn)
    return events[-1]


async def test_files_sent_while_filing_are_stored_with_the_petition(runner: ChatRunner, urls: StoreUrls) -> None:
    talk = str(uuid.uuid4())
    first = await runner.send(CITIZEN, talk, "Tôi muốn gửi phản ánh", [("o-ga.png", PNG)])
    assert first.reply.startswith("Bạn muốn phản ánh, kiến nghị việc gì?")
    second = await runner.send(CITIZEN, talk, "", [("bien-ban.pdf", PDF)])  # only a file: the question stands
    assert second.reply == f"{FILES_RECEIVED} {first.reply}"
    where = await runner.send(CITIZEN, talk, "Ổ gà lớn giữa đường ngõ 12, xe máy ngã nhiều lần mà chưa ai sửa.")
    assert "gửi đến Ủy ban MTTQ ở đâu" in where.reply
    ask = await runner.send(CITIZEN, talk, "phường Hoàn Kiếm, Hà Nội")
    assert ask.confirmation and "Tệp đính kèm: o-ga.png, bien-ban.pdf" in ask.confirmation
    done = await runner.send(CITIZEN, talk, "có")
    assert "Đã lưu kèm 2 tệp đính kèm." in done.reply
    assert stored(urls, done.reply) == [row("o-ga.png", PNG, "image/png"), row("bien-ban.pdf", PDF, "application/pdf")]
    again = await runner.send(CITIZEN, talk, PETITION)  # the next petition starts without them
    assert again.confirmation and "Tệp đính kèm" not in again.confirmation


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([("anh.jpg", PROGRAM)], "Tệp “anh.jpg” không phải ảnh (JPEG, PNG, WebP) hoặc PDF."),
        ([("o-ga.png", PNG), ("bien-ban.pdf", PDF[:-7])], "Tệp “bien-ban.pdf” là PDF không đầy đủ"),
        ([("lon.png", PNG + bytes(MAX_BYTES))], "Tệp “lon.png” vượt quá 5 MB."),
        ([("../o-ga.png", PNG)], "Tên tệp “../o-ga.png” không hợp lệ"),
        ([(f"anh-{n}.png", PNG) for n in range(6)], "Tối đa 5 tệp đính kèm cho một phản ánh."),
    ],
    ids=["renamed-program", "truncated-pdf", "too-large", "path", "too-many"],
)
async def test_a_refused_file_keeps_nothing_and_says_why(
    runner: ChatRunner, urls: StoreUrls, files: list[tuple[str, bytes]], reason: str
) -> None:
    talk = str(uuid.uuid4())
    refused = await runner.send(CITIZEN, talk, PETITION, files)
    assert reason in refused.reply and "Chưa có gì được lưu" in refused.reply and refused.confirmation is None
    ask = await runner.send(CITIZEN, talk, PETITION)  # the message was not read: the petition starts afresh
    assert ask.confirmation and "Tệp đính kèm" not in ask.confirmation
    assert stored(urls, (await runner.send(CITIZEN, talk, "có")).reply) == []


async def test_files_count_towards_one_petition(runner: ChatRunner) -> None:
    talk = str(uuid.uuid4())
    await runner.send(CITIZEN, talk, "Tôi muốn gửi phản ánh", [(f"anh-{n}.png", PNG) for n in range(4)])
    refused = await runner.send(CITIZEN, talk, "", [("anh-4.png", PNG), ("anh-5.png", PNG)])
    assert "Tối đa 5 tệp đính kèm cho một phản ánh." in refused.reply
    await runner.send(CITIZEN, talk, "", [("anh-4.png", PNG)])
    await runner.send(CITIZEN, talk, PETITION)
    ask = await runner.send(CITIZEN, talk, "phường Hoàn Kiếm, Hà Nội")
    assert ask.confirmation and "anh-0.png, anh-1.png, anh-2.png, anh-3.png, anh-4.png" in ask.confirmation
    assert "anh-5.png" not in ask.confirmation


async def test_a_file_outside_a_petition_is_not_kept(runner: ChatRunner, urls: StoreUrls) -> None:
    talk = str(uuid.uuid4())
    found = await runner.send(CITIZEN, talk, "P. Ba Đình, HN", [("o-ga.png", PNG)])
    assert found.reply.startswith(FILES_NOT_KEPT) and "Phường Ba Đình" in found.reply
    alone = await runner.send(CITIZEN, talk, "", [("o-ga.png", PNG)])
    assert alone.reply.startswith(FILES_NOT_KEPT) and "gửi phản ánh, kiến nghị" in alone.reply
    ask = await runner.send(CITIZEN, talk, PETITION)
    assert ask.confirmation and "Tệp đính kèm" not in ask.confirmation and FILES_NOT_KEPT not in ask.reply
    assert stored(urls, (await runner.send(CITIZEN, talk, "có")).reply) == []


async def test_cancelling_drops_the_files_and_a_pending_confirmation_takes_no_more(runner: ChatRunner) -> None:
    talk = str(uuid.uuid4())
    ask = await runner.send(CITIZEN, talk, PETITION, [("o-ga.png", PNG)])
    assert ask.confirmation and "Tệp đính kèm: o-ga.png" in ask.confirmation
    more = await runner.send(CITIZEN, talk, "", [("bien-ban.pdf", PDF)])
    assert more.reply == ANSWER_FIRST and await runner.pending(CITIZEN, talk) == ask.confirmation
    cancelled = await last_turn(runner, talk, "không", answering=True)  # the Hủy button
    assert "Đã hủy" in cancelled.reply and await runner.pending(CITIZEN, talk) is None
    assert (await last_turn(runner, talk, "có", answering=True)).reply == NOTHING_PENDING  # a stale Gửi button
    again = await runner.send(CITIZEN, talk, PETITION)
    assert again.confirmation and "Tệp đính kèm" not in again.confirmation


async def test_a_language_model_never_sees_the_files(urls: StoreUrls, services: Services) -> None:
    content = "Đèn đường ở cuối ngõ 21 phường Hoàn Kiếm bị hỏng hai tuần nay, buổi tối rất nguy hiểm."
    model = ScriptedModel.answering(
        call("find_unit", text="phường Hoàn Kiếm, Hà Nội"),  # looking the unit up keeps the files held
        call("file_petition", title="Đèn đường ngõ 21 bị hỏng", content=content, unit_code="00070"),
        AIMessage("Đã gửi phản ánh của bạn đến Phường Hoàn Kiếm."),
    )
    runner = ChatRunner(urls.app, services, model)
    await runner.open()
    try:
        talk = str(uuid.uuid4())
        ask = await runner.send(CITIZEN, talk, content, [("den-duong-ngo-21.png", PNG)])
        assert ask.confirmation and "Tệp đính kèm: den-duong-ngo-21.png" in ask.confirmation
        done = await runner.send(CITIZEN, talk, "có")
        filed = model.seen[-1][-1].content  # the tool's result, as the model reads it
        assert json.loads(filed)["attachments"] == 1
        assert stored(urls, filed) == [row("den-duong-ngo-21.png", PNG, "image/png")]
        assert done.reply == "Đã gửi phản ánh của bạn đến Phường Hoàn Kiếm."
        sent = repr(model.seen)
        assert "den-duong-ngo-21" not in sent and "PNG" not in sent
    finally:
        await runner.close()
