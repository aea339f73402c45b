"""Several petitions at once: assigned to a cadre of the unit or transferred to another unit. What will change is
shown first; then each petition goes through the single action (its scope, right and status checked again, its
event and audit entry written), and one refused is reported with its reason, never skipped in silence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mattran.auth.principal import Principal
from mattran.domain import audit, cadres
from mattran.domain.audit_labels import PETITION_PREFIX
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions.disclosure import as_seen_by
from mattran.domain.petitions.errors import InvalidPetition, PetitionError, PetitionNotFound, PetitionRefused
from mattran.domain.petitions.listing import MAX_PER_PAGE
from mattran.domain.petitions.models import Action, public_number
from mattran.domain.petitions.transitions import check_status
from mattran.domain.petitions.workflow import PetitionWorkflow, handled

ACTIONS = (PetitionAction.ASSIGN, PetitionAction.TRANSFER)
MAX_SELECTED = MAX_PER_PAGE  # a page of the list at most
_REASONS_SHOWN = 5  # the refusals the message names, each with its reason
_VERBS = {PetitionAction.ASSIGN: "giao", PetitionAction.TRANSFER: "chuyển"}


@dataclass(frozen=True)
class Planned:
    """One selected petition: what it is, what it has now and will have, or why it will be refused."""

    tracking_code: str
    title: str = ""
    before: str = ""
    refusal: str | None = None


@dataclass(frozen=True)
class Plan:
    """What confirming would change: the action, where it leads (a unit or a cadre, by name), each petition."""

    action: Action
    after: str
    petitions: list[Planned]


@dataclass(frozen=True)
class Outcome:
    """What was done: the petitions changed and those refused, each with its reason."""

    action: PetitionAction
    after: str
    done: list[str]
    refused: list[tuple[str, str]]

    @property
    def message(self) -> str:
        """One line for the cadre, e.g. "Đã chuyển 5 phản ánh đến …; 1 không chuyển được: PAKN-… (lý do)."."""
        verb = _VERBS[self.action]
        linked = "cho" if self.action == PetitionAction.ASSIGN else "đến"
        text = f"Đã {verb} {len(self.done)} phản ánh {linked} {self.after}"
        if self.refused:
            reasons = "; ".join(f"{code} ({reason.rstrip('.')})" for code, reason in self.refused[:_REASONS_SHOWN])
            more = len(self.refused) - _REASONS_SHOWN
            text += f"; {len(self.refused)} không {verb} được: {reasons}" + (
                f" và {more} phản ánh khác" if more > 0 else ""
            )
        return text + "."


def selected(codes: list[str]) -> list[str]:
    """The petitions' numbers, once each in the order chosen (a receipt read as its number)."""
    numbers = list(dict.fromkeys(public_number(c) for c in codes if c.strip()))
    if not numbers:
        raise InvalidPetition("Hãy chọn ít nhất một phản ánh.", "ma")
    if len(numbers) > MAX_SELECTED:
        raise InvalidPetition(f"Mỗi lần chọn được tối đa {MAX_SELECTED} phản ánh.", "ma")
    return numbers


async def assignees(workflow: PetitionWorkflow, principal: Principal) -> list[cadres.Cadre]:
    """The cadres of the caller's unit, to assign the selected petitions to."""
    if not principal.unit_code:
        return []
    async with workflow.db.transaction(principal.scope()) as conn:
        return await cadres.of_unit(conn, principal.unit_code)


async def _target(workflow: PetitionWorkflow, principal: Principal, action: Action) -> str:
    """Where the action leads, by name; refused as a whole when it cannot apply to any petition."""
    if action.action not in ACTIONS:
        raise InvalidPetition("Chỉ giao cán bộ hoặc chuyển đơn vị được nhiều phản ánh cùng lúc.", "action")
    if action.action == PetitionAction.TRANSFER:
        unit = workflow.resolver.units.get(action.unit_code or "")
        if unit is None:
            raise InvalidPetition("Cần chọn đơn vị Mặt trận nhận chuyển.", "unit_code")
        if not (action.reason and action.reason.strip()):
            raise InvalidPetition("Cần ghi rõ lý do chuyển.", "reason")
        province = f", {unit.province_name}" if unit.province_name and unit.province_code != unit.code else ""
        return f"{unit.name}{province}"
    chosen = {c.subject: c.name for c in await assignees(workflow, principal)}.get(action.assignee or "")
    if chosen is None:
        raise InvalidPetition("Cần chọn một cán bộ của đơn vị để giao.", "assignee")
    return chosen


async def plan(workflow: PetitionWorkflow, principal: Principal, codes: list[str], action: Action) -> Plan:
    """What ``action`` would do to each of ``codes`` (nothing is changed)."""
    after = await _target(workflow, principal, action)
    planned: list[Planned] = []
    async with workflow.db.transaction(principal.scope()) as conn:
        rows: dict[str, dict[str, Any]] = {}
        for code in selected(codes):
            try:
                row = await handled(conn, principal, code)
                check_status(action.action, row["status"])
            except PetitionError as exc:
                planned.append(Planned(code, refusal=exc.message))
                continue
            rows[code] = row
            planned.append(Planned(code, as_seen_by(principal, row)["title"]))
        names = await cadres.names(conn, [r["assigned_to"] for r in rows.values()])
    for i, p in enumerate(planned):
        if (found := rows.get(p.tracking_code)) is not None:
            if action.action == PetitionAction.TRANSFER:
                before = found["unit_name"] or "Chưa xác định"
            else:
                before = names.get(found["assigned_to"], found["assigned_to"]) if found["assigned_to"] else "Chưa giao"
            planned[i] = Planned(p.tracking_code, p.title, before)
    return Plan(action, after, planned)


async def carry_out(workflow: PetitionWorkflow, principal: Principal, codes: list[str], action: Action) -> Outcome:
    """Do ``action`` to each of ``codes`` as the single action does it, one transaction each; a refusal is audited
    and reported with its reason, and the others go on."""
    after = await _target(workflow, principal, action)
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for code in selected(codes):
        try:
            await workflow.act(principal, code, action)
        except PetitionError as exc:
            refused.append((code, exc.message))
            outcome: audit.Outcome = "denied" if isinstance(exc, PetitionNotFound | PetitionRefused) else "error"
            async with workflow.db.transaction(principal.scope()) as conn:
                await audit.record(
                    conn,
                    principal,
                    PETITION_PREFIX + action.action.value,
                    code,
                    outcome,
                    bulk=True,
                    reason=type(exc).__name__,
                )
        else:
            done.append(code)
    return Outcome(action.action, after, done, refused)
