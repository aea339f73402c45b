"""A citizen follows their petition (issue 18, part B, item 1): the timeline in Vietnamese, withdrawal, additions,
the rating the unit sees and counts; only the petitioner acts on their own petition (the domain and RLS)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from mattran.auth.principal import Principal, Role
from mattran.domain.errors import Invalid, SignInRequired
from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.domain.petitions import Action, PetitionConflict, PetitionIn, PetitionNotFound, public_number
from mattran.domain.petitions.followup import Rating, Withdrawal
from mattran.domain.petitions.models import Contact
from mattran.scope import Scope
from mattran.services import Services
from tests.support.principals import VAN_MIEU, van_mieu_cadre

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _citizen() -> Principal:
    tag = uuid.uuid4().hex[:8]
    return Principal(subject=f"theo-doi-{tag}", name=f"Công dân {tag}", roles=frozenset({Role.CITIZEN}))


async def _file(services: Services, who: Principal, title: str = "Đèn đường ngõ 5 bị hỏng") -> str:
    filed = await services.petitions.intake.file(
        who,
        PetitionIn(
            title=title,
            content="Đèn đường ngõ 5 thôn Đông hỏng đã hai tuần, buổi tối rất tối và nguy hiểm.",
            unit_code=VAN_MIEU,
            contact=Contact(full_name="Đỗ Văn Sáng", email="sang@example.vn"),
            consent=True,
        ),
        "web",
    )
    return public_number(filed.tracking_code)


async def test_the_timeline_tells_each_step_in_vietnamese_newest_petition_first(services: Services) -> None:
    citizen, cadre = _citizen(), van_mieu_cadre("theo-doi-xa")
    first = await _file(services, citizen, "Đèn đường ngõ 5 bị hỏng")
    second = await _file(services, citizen, "Rác thải ở chợ chưa được thu gom")
    workflow = services.petitions.workflow
    await workflow.act(cadre, second, Action(action=PetitionAction.ACCEPT))
    await workflow.act(cadre, second, Action(action=PetitionAction.FORWARD, agency="UBND xã Văn Miếu"))
    await workflow.act(cadre, second, Action(action=PetitionAction.ASSIGN, assignee="theo-doi-xa"))
    await workflow.act(cadre, second, Action(action=PetitionAction.ANSWER, answer="Đã thu gom rác ngày 3/12."))
    mine = await services.petitions.followup.mine(citizen)
    assert [p["tracking_code"] for p in mine] == [second, first]
    answered = mine[0]
    assert [s["label"] for s in answered["timeline"]] == [
        "Đã tiếp nhận",
        "Đã thụ lý",
        "Đã chuyển đến UBND xã Văn Miếu",
        "Đã trả lời",  # the cadre's assignment is not the petitioner's business
    ]
    assert answered["status_label"] == "Đã trả lời" and answered["answered"] and not answered["open"]
    assert answered["answer"] == "Đã thu gom rác ngày 3/12." and answered["unit_name"] == "Xã Văn Miếu"
    assert mine[1]["open"] and [s["label"] for s in mine[1]["timeline"]] == ["Đã tiếp nhận"]
    assert await services.petitions.followup.mine(_citizen()) == []  # nobody else's
    with pytest.raises(SignInRequired):
        await services.petitions.followup.mine(Principal.anonymous())


async def test_withdrawing_an_open_petition_is_recorded_and_only_once(services: Services) -> None:
    citizen = _citizen()
    code = await _file(services, citizen)
    followup = services.petitions.followup
    with pytest.raises(PetitionNotFound):  # another citizen's attempt finds nothing
        await followup.withdraw(_citizen(), code, Withdrawal())
    done = await followup.withdraw(citizen, code, Withdrawal(reason="Thôn đã tự sửa"))
    assert done == {"tracking_code": code, "status": PetitionStatus.WITHDRAWN}
    (mine,) = await followup.mine(citizen)
    assert mine["status_label"] == "Người gửi đã rút" and not mine["open"]
    assert mine["timeline"][-1]["label"] == "Bạn đã rút phản ánh"
    with pytest.raises(PetitionConflict):
        await followup.withdraw(citizen, code, Withdrawal())
    with pytest.raises(PetitionConflict):  # nor can a cadre accept it any more
        await services.petitions.workflow.act(van_mieu_cadre("theo-doi-xa"), code, Action(action=PetitionAction.ACCEPT))
    detail = await services.petitions.workflow.detail(van_mieu_cadre("theo-doi-xa"), code)
    last = detail["events"][-1]
    assert (last["action"], last["to_status"], last["detail"]) == (
        "withdraw",
        "withdrawn",
        {"reason": "Thôn đã tự sửa"},
    )


async def test_additions_reach_the_unit_and_close_with_the_petition(services: Services) -> None:
    citizen, cadre = _citizen(), van_mieu_cadre("theo-doi-xa")
    code = await _file(services, citizen)
    followup = services.petitions.followup
    await followup.add(citizen, code, "Cột đèn số 12 và 14.", [("den.png", PNG)])
    with pytest.raises(Invalid):
        await followup.add(citizen, code, "   ")
    with pytest.raises(PetitionNotFound):
        await followup.add(_citizen(), code, "Tôi không phải người gửi.")
    detail = await services.petitions.workflow.detail(cadre, code)
    assert [a["text"] for a in detail["additions"]] == ["Cột đèn số 12 và 14."]
    assert [a["filename"] for a in detail["attachments"]] == ["den.png"]
    (mine,) = await followup.mine(citizen)
    assert [a["text"] for a in mine["additions"]] == ["Cột đèn số 12 và 14."]
    assert mine["timeline"][-1]["label"] == "Bạn đã bổ sung thông tin"
    await services.petitions.workflow.act(cadre, code, Action(action=PetitionAction.DECLINE, reason="Trùng"))
    with pytest.raises(PetitionConflict):
        await followup.add(citizen, code, "Thêm nữa.")


async def test_a_rating_is_the_petitioners_seen_by_the_unit_and_counted(services: Services) -> None:
    citizen, cadre = _citizen(), van_mieu_cadre("theo-doi-xa")
    code = await _file(services, citizen)
    followup, workflow = services.petitions.followup, services.petitions.workflow
    before = await workflow.counts(cadre, VAN_MIEU)
    with pytest.raises(PetitionConflict):  # nothing to rate before the answer
        await followup.rate(citizen, code, Rating(satisfied=True))
    await workflow.act(cadre, code, Action(action=PetitionAction.ACCEPT))
    await workflow.act(cadre, code, Action(action=PetitionAction.ANSWER, answer="Đã thay bóng đèn."))
    with pytest.raises(Invalid):  # not satisfied: say why
        await followup.rate(citizen, code, Rating(satisfied=False))
    with pytest.raises(PetitionNotFound):
        await followup.rate(_citizen(), code, Rating(satisfied=False, reason="Không phải của tôi"))
    await followup.rate(citizen, code, Rating(satisfied=False, reason="Mới sửa một cột"))
    after = await workflow.counts(cadre, VAN_MIEU)
    assert (after.satisfied - before.satisfied, after.unsatisfied - before.unsatisfied) == (0, 1)
    await followup.rate(citizen, code, Rating(satisfied=True))  # changed their mind: one rating per petition
    after = await workflow.counts(cadre, VAN_MIEU)
    assert (after.satisfied - before.satisfied, after.unsatisfied - before.unsatisfied) == (1, 0)
    detail = await workflow.detail(cadre, code)
    assert detail["rating"]["satisfied"] is True and detail["rating"]["reason"] is None
    (mine,) = await followup.mine(citizen)
    assert mine["rating"]["satisfied"] is True
    assert [s["label"] for s in mine["timeline"]][-2:] == [
        "Bạn đã đánh giá: chưa hài lòng",
        "Bạn đã đánh giá: hài lòng",
    ]


async def test_row_level_security_keeps_others_from_rating_and_withdrawing(services: Services) -> None:
    owner, other = _citizen(), _citizen()
    code = await _file(services, owner)
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute("select id from petitions where tracking_code = %s", (code,))
        row = await cur.fetchone()
    assert row is not None
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with services.db.transaction(Scope.public(other.subject)) as conn:
            await conn.execute("insert into petition_additions (petition_id, text) values (%s, 'x')", (row["id"],))
    async with services.db.transaction(Scope.public(other.subject)) as conn:
        cur = await conn.execute("update petitions set status = 'withdrawn' where id = %s", (row["id"],))
        assert cur.rowcount == 0
    async with services.db.transaction(Scope.public(owner.subject)) as conn:  # the owner may only withdraw
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await conn.execute("update petitions set status = 'answered' where id = %s", (row["id"],))
