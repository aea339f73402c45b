"""Bulk assign and transfer (issue 20): what will change is listed first; each petition then goes through the single
action, its scope, right and status checked again and audited one by one; a petition outside the cadre's scope or
at a status that forbids the action is refused with its reason, never skipped."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from mattran.auth.principal import Principal, Role
from mattran.domain import audit, cadres
from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.domain.petitions import Action, InvalidPetition, PetitionIn, bulk, public_number
from mattran.scope import Scope
from mattran.services import Services
from mattran.store.db import Database
from tests.support.principals import VAN_MIEU, unit_cadre, van_mieu_cadre

BA_DINH = ("00004", "vn.01.00004", "Phường Ba Đình")


async def _file(services: Services, unit_code: str, title: str) -> str:
    citizen = Principal(subject=f"hl-dan-{uuid.uuid4().hex[:8]}", name="Công dân", roles=frozenset({Role.CITIZEN}))
    filed = await services.petitions.intake.file(
        citizen, PetitionIn(title=title, content=f"{title}, đề nghị xem xét giải quyết.", unit_code=unit_code), "web"
    )
    return public_number(filed.tracking_code)


async def test_bulk_assign_lists_the_changes_then_assigns_each_and_refuses_what_it_may_not(
    db: Database, services: Services
) -> None:
    tag = uuid.uuid4().hex[:6]
    me = replace(van_mieu_cadre(f"hl-a-{tag}"), name=f"Nguyễn Thị An {tag}")
    colleague = replace(van_mieu_cadre(f"hl-b-{tag}"), name=f"Bùi Văn Bình {tag}")
    elsewhere = replace(unit_cadre(f"hl-c-{tag}", Role.COMMUNE_CADRE, *BA_DINH), name=f"Lê Khác {tag}")
    for who in (me, colleague, elsewhere):
        await cadres.seen(db, who, None, services.personal)
    workflow = services.petitions.workflow
    mine = [await _file(services, VAN_MIEU, f"Đèn đường thôn {i} hỏng {tag}") for i in ("Đông", "Tây", "Nam")]
    theirs = await _file(services, BA_DINH[0], f"Rác ở chợ Ba Đình {tag}")
    await workflow.act(me, mine[2], Action(action=PetitionAction.DECLINE, reason="Không thuộc thẩm quyền."))
    chosen = [*mine, theirs, mine[0]]  # chosen twice: once
    assign = Action(action=PetitionAction.ASSIGN, assignee=colleague.subject)

    plan = await bulk.plan(workflow, me, chosen, assign)
    assert plan.after == colleague.name
    assert [(p.tracking_code, p.before, p.refusal) for p in plan.petitions] == [
        (mine[0], "Chưa giao", None),
        (mine[1], "Chưa giao", None),
        (mine[2], "", "Không thể “giao cán bộ” khi phản ánh đang ở trạng thái “Không thụ lý”."),
        (theirs, "", f"Không tìm thấy phản ánh mã “{theirs}” trong phạm vi của bạn."),
    ]
    assert (await workflow.detail(me, mine[0]))["petition"]["assigned_to"] is None  # the plan changes nothing

    outcome = await bulk.carry_out(workflow, me, chosen, assign)
    assert outcome.done == mine[:2]
    assert outcome.message == (
        f"Đã giao 2 phản ánh cho {colleague.name}; 2 không giao được: "
        f"{mine[2]} (Không thể “giao cán bộ” khi phản ánh đang ở trạng thái “Không thụ lý”); "
        f"{theirs} (Không tìm thấy phản ánh mã “{theirs}” trong phạm vi của bạn)."
    )
    for code in mine[:2]:
        found = await workflow.detail(me, code)
        assert found["petition"]["assigned_to"] == colleague.subject
        assert found["events"][-1]["action"] == PetitionAction.ASSIGN and found["events"][-1]["actor"] == me.subject
    assert (await workflow.detail(elsewhere, theirs))["petition"]["assigned_to"] is None  # untouched
    async with db.transaction(Scope.public()) as conn:
        logged = (await audit.page(conn, audit.AuditQuery(actor=me.subject, action="petition.assign"), 1, 50)).entries
    assert sorted((e["target"], e["outcome"]) for e in logged) == sorted(
        [(mine[0], "allowed"), (mine[1], "allowed"), (mine[2], "error"), (theirs, "denied")]
    )

    with pytest.raises(InvalidPetition, match="cán bộ của đơn vị"):  # another unit's cadre is not offered
        await bulk.carry_out(workflow, me, mine[:1], Action(action=PetitionAction.ASSIGN, assignee=elsewhere.subject))
    with pytest.raises(InvalidPetition, match="ít nhất một"):
        await bulk.plan(workflow, me, [" "], assign)
    with pytest.raises(InvalidPetition, match="giao cán bộ hoặc chuyển đơn vị"):
        await bulk.plan(workflow, me, mine, Action(action=PetitionAction.ACCEPT))


async def test_bulk_transfer_moves_each_petition_out_of_scope_and_needs_a_reason(
    db: Database, services: Services
) -> None:
    tag = uuid.uuid4().hex[:6]
    me, there = van_mieu_cadre(f"hl-d-{tag}"), unit_cadre(f"hl-e-{tag}", Role.COMMUNE_CADRE, *BA_DINH)
    workflow = services.petitions.workflow
    codes = [await _file(services, VAN_MIEU, f"Ngập ngõ {i} sau mưa {tag}") for i in (1, 2)]
    with pytest.raises(InvalidPetition, match="lý do"):
        await bulk.plan(workflow, me, codes, Action(action=PetitionAction.TRANSFER, unit_code=BA_DINH[0]))
    transfer = Action(action=PetitionAction.TRANSFER, unit_code=BA_DINH[0], reason="Địa điểm thuộc phường Ba Đình.")
    plan = await bulk.plan(workflow, me, codes, transfer)
    assert plan.after == "Phường Ba Đình, Thành phố Hà Nội"
    assert [(p.before, p.refusal) for p in plan.petitions] == [("Xã Văn Miếu", None)] * 2

    outcome = await bulk.carry_out(workflow, me, codes, transfer)
    assert outcome.message == "Đã chuyển 2 phản ánh đến Phường Ba Đình, Thành phố Hà Nội."
    for code in codes:
        moved = await workflow.detail(there, code)
        assert moved["petition"]["unit_code"] == BA_DINH[0]
        assert moved["petition"]["status"] == PetitionStatus.RECEIVED
        assert moved["events"][-1]["detail"]["from_unit"] == VAN_MIEU
    again = await bulk.carry_out(workflow, me, codes, transfer)  # now outside the cadre's scope: refused, each
    assert again.done == [] and [c for c, _ in again.refused] == codes
    assert again.message.startswith("Đã chuyển 0 phản ánh đến Phường Ba Đình, Thành phố Hà Nội; 2 không chuyển được")
