"""Each citizen starter opens a guided prompt (issue 18): its guide asks for the details, no tool runs and nothing
is sent; the starter that files a petition then takes the next message as the petition's content."""

from __future__ import annotations

import uuid

import pytest

from agents.replies import CITIZEN_EXAMPLES, Example
from agents.runner import ChatRunner
from mattran.auth.principal import Principal, Role

CITIZEN = Principal(subject="cong-dan-goi-y", name="Lê Thị Gợi Ý", roles=frozenset({Role.CITIZEN}))


@pytest.mark.parametrize("example", CITIZEN_EXAMPLES, ids=[e.label for e in CITIZEN_EXAMPLES])
async def test_each_citizen_starter_opens_a_guided_prompt(runner: ChatRunner, example: Example) -> None:
    assert example.guide and example.intent
    for who, talk in ((CITIZEN, str(uuid.uuid4())), (Principal.anonymous(), runner.new_conversation())):
        turn = await runner.send(who, talk, example.message)
        assert turn.reply == example.guide and turn.intent == example.intent
        assert not turn.tool_calls and turn.confirmation is None


async def test_the_petition_starter_waits_for_the_petition_and_sends_nothing_by_itself(runner: ChatRunner) -> None:
    [starter] = [e for e in CITIZEN_EXAMPLES if e.intent == "file_petition"]
    talk = str(uuid.uuid4())
    await runner.send(CITIZEN, talk, starter.message)
    content = "Cống thoát nước đầu ngõ 7 phố Đội Cấn bị tắc, mưa là nước tràn vào nhà dân."
    where = await runner.send(CITIZEN, talk, content)
    assert "gửi đến Ủy ban MTTQ ở đâu" in where.reply
    ask = await runner.send(CITIZEN, talk, "phường Ba Đình, Hà Nội")
    assert ask.confirmation and content in ask.confirmation and starter.message not in ask.confirmation
    assert (await runner.send(CITIZEN, talk, "thôi")).reply.startswith("Đã hủy, chưa gửi gì.")
