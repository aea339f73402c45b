"""Opening a committee's term from its held congress: the previous term's members re-elected carry over (the
elected chair and vice-chairs found by name among them too), the others end with the old term on the congress's
date; the new term records its start and its congress, the old one its end. Every change goes to the members'
history. Called when a congress is recorded as held (:func:`mattran.domain.congress.update_congress`) and by the
committees' explicit opening."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain.access import target_unit
from mattran.domain.errors import Invalid
from mattran.domain.member_changes import record_change
from mattran.domain.member_vocab import POSITIONS
from mattran.domain.permissions import Operation
from mattran.domain.text import fold
from mattran.store import committees as store
from mattran.store import members as members_store
from mattran.store.db import Conn, Row

CHAIR, VICE_CHAIR = POSITIONS[:2]


class TermChange(BaseModel):
    """What opening a term did to its roster."""

    term: str
    previous_term: str
    started_on: date = Field(description="Ngày đại hội: nhiệm kỳ mới bắt đầu, nhiệm kỳ trước kết thúc.")
    congress_id: int
    carried_over: list[int] = Field(description="Ủy viên nhiệm kỳ trước được tái cử.")
    ended: list[int] = Field(description="Ủy viên nhiệm kỳ trước hết nhiệm kỳ.")


def previous_term(term: str) -> str:
    """``2029–2034`` → ``2024–2029``."""
    start = int(term[:4])
    return f"{start - 5}–{start}"


def _elected_positions(sitting: Mapping[int, Row], chair: str | None, vice_chairs: Sequence[str]) -> dict[int, str]:
    """The sitting members elected chair or vice-chair, found by their name (one member of that name only)."""
    by_name: dict[str, list[int]] = {}
    for member_id, row in sitting.items():
        by_name.setdefault(fold(row["full_name"]), []).append(member_id)
    found: dict[int, str] = {}
    for name, position in [(chair, CHAIR), *((v, VICE_CHAIR) for v in vice_chairs)]:
        ids = by_name.get(fold(name or ""), [])
        if name and len(ids) == 1:
            found.setdefault(ids[0], position)
    return found


async def open_roster(
    conn: Conn,
    principal: Principal,
    unit_code: str,
    term: str,
    congress: Row,
    re_elected: Collection[int] = (),
) -> TermChange:
    """Open ``term``'s roster from its held ``congress`` (its row: id, held date, chair and vice-chairs)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_WRITE, unit_code)
    previous = previous_term(term)
    held: date = congress["held_date"]
    # the previous term's roster: those still sitting, and those this congress already ended (a correction)
    sitting = {
        r["member_id"]: r
        for r in await store.seats(conn, unit.code, previous)
        if r["ended_on"] is None or (r["end_reason"] == "term_ended" and r["ended_on"] == held)
    }
    unknown = sorted(set(re_elected) - set(sitting))
    if unknown:
        raise Invalid(
            f"Thành viên số {', '.join(map(str, unknown))} không thuộc Ủy ban nhiệm kỳ {previous} của {unit.name}.",
            "re_elected",
        )
    elected = _elected_positions(sitting, congress["chair_name"], congress["vice_chairs"] or [])
    reason = f"Đại hội MTTQ {unit.name} nhiệm kỳ {term} (ngày {held:%d/%m/%Y})"
    carried = sorted({*re_elected, *elected})
    ended = sorted(m for m in set(sitting) - set(carried) if sitting[m]["ended_on"] is None)
    for member_id in carried:
        values: dict[str, object] = {"term": term, "started_on": held}
        changes: dict[str, list[object]] = {"term": [previous, term], "started_on": [None, held.isoformat()]}
        if sitting[member_id]["ended_on"] is not None:  # ended by this congress before being named re-elected
            values.update(ended_on=None, end_reason=None, end_note=None)
            changes.update(ended_on=[held.isoformat(), None], end_reason=["term_ended", None])
        if member_id in elected and elected[member_id] != sitting[member_id]["position"]:
            values["position"] = elected[member_id]
            changes["position"] = [sitting[member_id]["position"], elected[member_id]]
        if sitting[member_id]["started_on"] is not None:
            changes["started_on"][0] = sitting[member_id]["started_on"].isoformat()
        await members_store.update_member(conn, member_id, values)
        await record_change(conn, principal, member_id, unit.code, "edit", changes, f"Tái cử: {reason}")
    for member_id in ended:
        await members_store.update_member(
            conn, member_id, {"ended_on": held, "end_reason": "term_ended", "end_note": reason}
        )
        changes = {"ended_on": [None, held.isoformat()], "end_reason": [None, "term_ended"]}
        await record_change(conn, principal, member_id, unit.code, "end", changes, f"Hết nhiệm kỳ: {reason}")
    await store.record_terms(conn, unit.code, previous, term, held, congress["id"])
    return TermChange(
        term=term,
        previous_term=previous,
        started_on=held,
        congress_id=congress["id"],
        carried_over=carried,
        ended=ended,
    )
