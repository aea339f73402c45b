"""The directory of cadres (issue 20): recorded at sign-in, read within the reader's scope; petitions are assigned
from the unit's cadres and the cadres' pages show display names, not account names."""

from __future__ import annotations

import uuid
from dataclasses import replace

from mattran.auth.principal import Principal, Role
from mattran.domain import cadres
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions import Action, PetitionIn, public_number
from mattran.domain.petitions.listing import Filters
from mattran.services import Services
from mattran.store.db import Database
from tests.support.principals import VAN_MIEU, unit_cadre, van_mieu_cadre

BA_DINH = ("00004", "vn.01.00004", "Phường Ba Đình")


async def test_petitions_are_assigned_from_the_units_cadres_shown_by_name(db: Database, services: Services) -> None:
    tag = uuid.uuid4().hex[:6]
    me = replace(van_mieu_cadre(f"dm-a-{tag}"), name=f"Nguyễn Thị An {tag}")
    colleague = replace(van_mieu_cadre(f"dm-b-{tag}"), name=f"Bùi Văn Bình {tag}")
    elsewhere = replace(unit_cadre(f"dm-c-{tag}", Role.COMMUNE_CADRE, *BA_DINH), name="Khác")
    citizen = Principal(subject=f"dm-dan-{tag}", name="Công dân", roles=frozenset({Role.CITIZEN}))
    for who in (me, colleague, elsewhere, citizen):
        await cadres.seen(db, who, None, services.personal)
    filed = await services.petitions.intake.file(
        citizen,
        PetitionIn(
            title=f"Đèn đường thôn Tây hỏng {tag}", content="Đèn đường thôn Tây hỏng cả tuần.", unit_code=VAN_MIEU
        ),
        "web",
    )
    code = public_number(filed.tracking_code)
    workflow = services.petitions.workflow
    before = await workflow.detail(me, code)
    listed = [(c.subject, c.name) for c in before["cadres"] if c.subject.endswith(tag)]
    assert listed == [(colleague.subject, colleague.name), (me.subject, me.name)]  # by name; not another unit's
    await workflow.act(me, code, Action(action=PetitionAction.ACCEPT))
    await workflow.act(me, code, Action(action=PetitionAction.ASSIGN, assignee=colleague.subject))
    after = await workflow.detail(colleague, code)
    assert after["names"][me.subject] == me.name and after["names"][colleague.subject] == colleague.name
    assert citizen.subject not in after["names"]  # a citizen is no cadre
    page = await workflow.listing(me, Filters(query=f"den duong thon tay hong {tag}"))
    assert [(r["tracking_code"], r["assigned_name"]) for r in page.rows] == [(code, colleague.name)]

    other = await workflow.listing(elsewhere, Filters())  # row-level security: another commune sees none of these
    assert code not in [r["tracking_code"] for r in other.rows]
    async with db.transaction(elsewhere.scope()) as conn:
        assert await cadres.of_unit(conn, VAN_MIEU) == []
        assert await cadres.names(conn, [me.subject, elsewhere.subject]) == {elsewhere.subject: "Khác"}

    moved = replace(unit_cadre(me.subject, Role.COMMUNE_CADRE, *BA_DINH), name=me.name)
    await cadres.seen(db, moved, None, services.personal)  # a cadre moved to another unit: listed there, no longer here
    again = await workflow.detail(colleague, code)
    assert me.subject not in [c.subject for c in again["cadres"]]
