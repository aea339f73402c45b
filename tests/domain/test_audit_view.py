"""The audit view's data (issue 20): petition actions and views of a petitioner's contact are audited in the domain
layer; the log filters by who, unit, action, outcome and days, exports to Excel with Vietnamese action names; every
action the code records has a Vietnamese name; API keys carry a scope and their last use."""

from __future__ import annotations

import ast
import uuid
from datetime import date, timedelta
from io import BytesIO

from openpyxl import load_workbook

from mattran.auth.principal import Principal, Role
from mattran.domain import api_keys, audit
from mattran.domain.api_keys import ApiKeyScope
from mattran.domain.audit_labels import ACTION_LABELS, action_label
from mattran.domain.congress import CongressChange, update_congress
from mattran.domain.permissions import Operation
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions import Action, PetitionIn, public_number
from mattran.domain.petitions.models import Contact
from mattran.scope import Scope
from mattran.services import Services
from mattran.store.db import Database
from tests.support.paths import ROOT
from tests.support.principals import VAN_MIEU, van_mieu_cadre


async def _file(services: Services) -> str:
    citizen = Principal(subject=f"kiem-toan-{uuid.uuid4().hex[:8]}", name="Công dân", roles=frozenset({Role.CITIZEN}))
    filed = await services.petitions.intake.file(
        citizen,
        PetitionIn(
            title="Cống thoát nước thôn Bắc bị tắc",
            content="Cống thoát nước đầu thôn Bắc bị tắc, nước tràn ra đường mỗi khi mưa.",
            unit_code=VAN_MIEU,
            contact=Contact(full_name="Vũ Thị Lan", phone="0912345678"),
            consent=True,
        ),
        "web",
    )
    return public_number(filed.tracking_code)


async def _entries(db: Database, **query: object) -> list[dict[str, object]]:
    async with db.transaction(Scope.public()) as conn:
        return (await audit.page(conn, audit.AuditQuery(**query), 1, 200)).entries  # type: ignore[arg-type]


async def test_petition_actions_and_contact_views_are_audited_and_filtered(db: Database, services: Services) -> None:
    tag = uuid.uuid4().hex[:6]
    cadre, other = van_mieu_cadre(f"kt-xa-{tag}"), van_mieu_cadre(f"kt-xa2-{tag}")
    code = await _file(services)
    workflow = services.petitions.workflow
    await workflow.act(cadre, code, Action(action=PetitionAction.ACCEPT))
    await workflow.act(other, code, Action(action=PetitionAction.ANSWER, answer="Xã đã nạo vét cống thôn Bắc."))
    draft = await workflow.publication_draft(cadre, code)
    publish = Action(
        action=PetitionAction.PUBLISH,
        title_public=draft.title.proposed,
        content_public=draft.content.proposed,
        answer_public=draft.answer.proposed,
    )
    await workflow.act(cadre, code, publish)
    await workflow.detail(other, code)  # the contact is shown to the cadre: audited

    mine = await _entries(db, actor=cadre.subject)
    assert [(e["action"], e["target"], e["outcome"]) for e in mine] == [
        ("petition.publish", code, "allowed"),
        ("petition.accept", code, "allowed"),
    ]
    assert all(e["unit_code"] == VAN_MIEU and e["detail"]["unit"] == VAN_MIEU for e in mine)
    assert "Vũ Thị Lan" not in str(mine) and "0912345678" not in str(mine)  # no personal data in the log
    published = await _entries(db, actor=cadre.subject, action="petition.publish", unit=VAN_MIEU, outcome="allowed")
    assert [e["target"] for e in published] == [code]
    assert await _entries(db, actor=cadre.subject, outcome="denied") == []
    assert await _entries(db, actor=cadre.subject, unit="00004") == []
    tomorrow = date.today() + timedelta(days=2)
    assert await _entries(db, actor=cadre.subject, since=tomorrow) == []
    assert [e["action"] for e in await _entries(db, actor=other.subject)] == [
        "petition.view_contact",
        "petition.answer",
    ]

    async with db.transaction(Scope.public()) as conn:
        data = await audit.export(conn, audit.AuditQuery(actor=cadre.subject))
    rows = list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:5] == ("Thời điểm", "Người thực hiện", "Vai trò", "Đơn vị", "Thao tác")
    assert [r[4] for r in rows[1:]] == ["Phản ánh: duyệt công khai", "Phản ánh: thụ lý"]
    assert {(r[1], r[2], r[7]) for r in rows[1:]} == {(cadre.subject, "Cán bộ cấp xã", "Cho phép")}


def _recorded_actions() -> set[str]:
    """Every action name the code passes to ``audit.record`` as a literal."""
    found: set[str] = set()
    for path in [*(ROOT / "mattran").rglob("*.py"), *(ROOT / "web").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record":
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return {a for a in found if "." in a}


def test_every_audited_action_has_a_vietnamese_name() -> None:
    recorded = _recorded_actions()
    assert {"api_key.create", "member.delete", "petition.view_contact"} <= recorded  # the scan finds them
    missing = [a for a in recorded | {o.value for o in Operation} if a not in ACTION_LABELS]
    assert not missing, missing
    assert all(f"petition.{a.value}" in ACTION_LABELS for a in PetitionAction)
    assert action_label("petition.transfer") == "Phản ánh: chuyển đơn vị mặt trận khác"
    assert action_label("khong.co") == "khong.co"  # an unknown action shows as recorded


async def test_an_api_key_has_a_scope_and_its_last_use(db: Database) -> None:
    admin = Principal(subject="kt-quan-tri", name="Quản trị", roles=frozenset({Role.ADMIN}), unit_code="TW")
    created = await api_keys.create(db, admin, f"Ứng dụng thử {uuid.uuid4().hex[:6]}", ApiKeyScope.OPEN311_SUBMIT)
    assert created.scope == ApiKeyScope.OPEN311_SUBMIT and created.last_used_at is None
    assert await api_keys.verify(db, created.api_key) is not None
    listed = {k.prefix: k for k in await api_keys.all_keys(db)}[created.prefix]
    assert listed.last_used_at is not None and listed.last_used_at >= listed.created_at
    await api_keys.revoke(db, admin, created.prefix)
    assert await api_keys.verify(db, created.api_key) is None
    logged = await _entries(db, actor=admin.subject, action="api_key.")
    assert [(e["action"], e["detail"].get("scope")) for e in logged] == [
        ("api_key.revoke", None),
        ("api_key.create", "open311.submit"),
    ]


async def test_a_congress_update_is_audited_without_its_content(db: Database) -> None:
    cadre = van_mieu_cadre(f"kt-dh-{uuid.uuid4().hex[:6]}")
    async with db.transaction(cadre.scope()) as conn:
        await update_congress(conn, cadre, VAN_MIEU, CongressChange(notes="Ghi chú thử", delegates_planned=120))
    (entry,) = await _entries(db, actor=cadre.subject)
    assert (entry["action"], entry["target"], entry["outcome"]) == ("congress.update", VAN_MIEU, "allowed")
    assert entry["detail"]["fields"] == ["delegates_planned", "notes"] and "Ghi chú thử" not in str(entry)
    assert action_label(str(entry["action"])) == "Cập nhật tiến độ đại hội"
