"""Drafting a report by prompt, revising it, reading and downloading its versions, within the cadre's scope.

Every entry point checks the principal's permission on the report's unit (``Operation.REPORT_DRAFT``: a cadre, on
their unit and the units below it) and runs in the principal's scope, so row-level security limits every figure
and every saved draft as well. The web routes, the assistant's tool and the command line call these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.access import PermissionDenied, target_unit
from mattran.domain.committees import committee
from mattran.domain.errors import DomainError, Invalid, NotFound
from mattran.domain.member_vocab import POSITIONS
from mattran.domain.permissions import Operation, is_allowed, within
from mattran.domain.reports.brief import SectionWriter
from mattran.domain.reports.document import Document, Section, check_filled, parse_blocks, to_markdown
from mattran.domain.reports.docx_format import build_docx
from mattran.domain.reports.figures import Figure, gather
from mattran.domain.reports.request import KIND_LABELS, ReportError, ReportKind, ReportRequest, parse_request
from mattran.domain.reports.revise import apply_edits, parse_revision
from mattran.domain.reports.templates import template_section
from mattran.domain.reports.writer import compose, write_section
from mattran.domain.time import VIETNAM
from mattran.domain.units import UnitResolver
from mattran.store import reports as store
from mattran.store.db import Conn, Database


class VersionInfo(BaseModel):
    """One saved version: its number, the revision prompt that made it (None for the first draft), who, when."""

    version: int
    revision_prompt: str | None
    created_by: str | None
    created_at: datetime


class ReportSummary(BaseModel):
    """A saved report in a list."""

    id: int
    unit_code: str
    unit_name: str
    kind: ReportKind
    kind_label: str
    title: str
    versions: int
    created_by: str | None
    updated_at: datetime


class Draft(BaseModel):
    """One version of a report: the Markdown shown in the chat and on the page, the figures with their queries,
    the structured document (for revisions), every version of the report, and where to download the .docx."""

    report_id: int
    version: int
    kind: ReportKind
    kind_label: str
    title: str
    unit_code: str
    unit_name: str
    period_label: str
    request: str
    revision_prompt: str | None
    markdown: str
    figures: list[Figure]
    document: Document
    versions: list[VersionInfo]
    docx_url: str
    page_url: str


def docx_url(report_id: int, version: int) -> str:
    """Where the platform serves a version's .docx."""
    return f"/api/reports/{report_id}/versions/{version}.docx"


def _now() -> datetime:
    return datetime.now(VIETNAM)


def _check(principal: Principal) -> None:
    if not is_allowed(principal, Operation.REPORT_DRAFT):
        raise PermissionDenied("Chỉ cán bộ Mặt trận mới soạn được báo cáo, trong phạm vi đơn vị của mình.")


async def _unit_code(conn: Conn, resolver: UnitResolver, principal: Principal, request: ReportRequest) -> str | None:
    """The unit the request names (None: the cadre's own); homonyms are narrowed to the cadre's scope."""
    if request.unit_text is None:
        return None
    found = await resolver.resolve(conn, request.unit_text)
    if found.status == "not_found":
        if request.unit_named:
            raise ReportError(f"Không tìm thấy đơn vị “{request.unit_text}”. Hãy ghi rõ tên xã/phường và tỉnh.")
        return None
    if found.status == "resolved":
        return found.results[0].code
    scope = principal.unit_path or ""
    inside = [m for m in found.results if within(resolver.units[m.code].path, scope)]
    if len(inside) == 1:
        return inside[0].code
    names = "; ".join(f"{m.name}, {m.province_name}" for m in (inside or found.results)[:6])
    raise ReportError(f"“{request.unit_text}” có thể là: {names}. Hãy ghi rõ tên tỉnh, thành phố.")


async def _chair(conn: Conn, principal: Principal, unit_code: str) -> str | None:
    """The name of the unit's standing board's chair in the current term, when the committee roster has one."""
    try:
        roster = await committee(conn, principal, unit_code)
    except DomainError:  # a roster the cadre may not read: the signature stays without a name
        return None
    chair = next((s for s in roster.seats if s.position == POSITIONS[0] and s.ended_on is None), None)
    return chair.full_name if chair else None


async def _report(conn: Conn, principal: Principal, report_id: int, lock: bool = False) -> dict[str, Any]:
    """The report, once the principal may work on its unit (``lock``: until the transaction ends)."""
    row = await store.get(conn, report_id, for_update=lock)
    if row is None:
        raise NotFound(f"Không tìm thấy báo cáo số {report_id} trong phạm vi của bạn.")
    if not is_allowed(principal, Operation.REPORT_DRAFT, row["unit_path"]):
        raise PermissionDenied()
    return row


async def _save(
    db: Database,
    principal: Principal,
    document: Document,
    request_text: str,
    revision_prompt: str | None,
    report_id: int | None,
) -> tuple[int, int]:
    check_filled(document)  # an unfilled placeholder blocks the draft, never reaches a page, the chat or a .docx
    values = {
        "request_text": request_text,
        "revision_prompt": revision_prompt,
        "document": document.model_dump(mode="json"),
        "markdown": to_markdown(document),
        "docx": build_docx(document),
        "figures": [f.model_dump(mode="json") for f in document.data.figures],
        "created_by": principal.subject,
    }
    async with db.transaction(principal.scope()) as conn:
        action = "report.draft" if report_id is None else "report.revise"
        if report_id is None:
            report_id = await store.create(
                conn, document.data.unit_code, document.kind.value, document.summary, principal.subject
            )
        else:  # one revision at a time: the next version number is taken under the report's lock
            await _report(conn, principal, report_id, lock=True)
        version = await store.add_version(conn, report_id, document.summary, values)
        await audit.record(
            conn, principal, action, str(report_id), "allowed", kind=document.kind.value, version=version
        )
        return report_id, version


async def draft_report(
    db: Database,
    resolver: UnitResolver,
    principal: Principal,
    text: str,
    *,
    unit_code: str | None = None,
    writer: SectionWriter = template_section,
    now: datetime | None = None,
) -> Draft:
    """Understand the request, gather its figures within the scope, write and save the first version."""
    _check(principal)
    now = now or _now()
    request = parse_request(text, now.date())
    async with db.transaction(principal.scope()) as conn:
        code = unit_code or await _unit_code(conn, resolver, principal, request)
        unit = await target_unit(conn, principal, Operation.REPORT_DRAFT, code)
        data = await gather(conn, principal, request.kind, unit, request.period, now)
        signer = await _chair(conn, principal, unit.code)
    document = await compose(unit, data, request, writer, signer)
    report_id, version = await _save(db, principal, document, request.text, None, None)
    return await get_draft(db, principal, report_id, version)


async def revise_report(
    db: Database,
    principal: Principal,
    report_id: int,
    prompt: str,
    *,
    writer: SectionWriter = template_section,
    now: datetime | None = None,
) -> Draft:
    """A new version of a report, made by a revision prompt (see :mod:`mattran.domain.reports.revise`)."""
    _check(principal)
    now = now or _now()
    revision = parse_revision(prompt, now.date())
    async with db.transaction(principal.scope()) as conn:
        await _report(conn, principal, report_id)
        latest = await store.version(conn, report_id)
        assert latest is not None
        document = Document.model_validate(latest["document"])
        unit = await target_unit(conn, principal, Operation.REPORT_DRAFT, document.data.unit_code)
        data = (
            await gather(conn, principal, document.kind, unit, revision.period or document.data.period, now)
            if revision.regather
            else document.data
        )
    if revision.regather:
        sections = [await write_section(s.key, data, writer, document.recipient) for s in document.sections]
        summary = document.summary.replace(document.data.period.label, data.period.label)
        document = document.model_copy(update={"data": data, "sections": sections, "summary": summary})
    added = {key: await write_section(key, data, writer, document.recipient) for key in revision.add}
    document = apply_edits(document, revision, added)
    _, version = await _save(db, principal, document, latest["request_text"], prompt.strip(), report_id)
    return await get_draft(db, principal, report_id, version)


class SectionEdit(BaseModel):
    """A section as the cadre edited it: its title and its text (``- `` a bullet, ``### `` a sub-heading)."""

    title: str = Field(min_length=1, max_length=300)
    text: str = Field(max_length=50_000)


class DraftEdit(BaseModel):
    """The draft's text edited in the browser: what the next version (and its .docx) says, word for word."""

    summary: str = Field(min_length=1, max_length=500)
    place_date: str = Field(min_length=1, max_length=200)
    intro: str = Field(max_length=20_000)
    sections: list[SectionEdit] = Field(min_length=1, max_length=20)
    recipients: list[str] = Field(max_length=30)
    signer: str | None = Field(default=None, max_length=200)


EDITED = "Sửa trực tiếp nội dung bản dự thảo"


async def edit_report(db: Database, principal: Principal, report_id: int, edit: DraftEdit) -> Draft:
    """A new version whose text is the cadre's edit of the latest one (sections kept in their order, each with
    its key); an unfilled placeholder left in it blocks it like any draft."""
    _check(principal)
    async with db.transaction(principal.scope()) as conn:
        await _report(conn, principal, report_id)
        latest = await store.version(conn, report_id)
        assert latest is not None
    document = Document.model_validate(latest["document"])
    if len(edit.sections) != len(document.sections):
        raise Invalid("Bản sửa phải giữ đủ các phần của báo cáo; hãy bỏ phần bằng ô “Sửa bằng lời”.", "sections")
    sections = [
        Section(key=old.key, title=" ".join(new.title.split()), blocks=parse_blocks(new.text))
        for old, new in zip(document.sections, edit.sections, strict=True)
    ]
    if not all(s.blocks for s in sections):
        raise Invalid("Mỗi phần của báo cáo phải có nội dung.", "sections")
    document = document.model_copy(
        update={
            "summary": " ".join(edit.summary.split()),
            "place_date": " ".join(edit.place_date.split()),
            "intro": parse_blocks(edit.intro),
            "sections": sections,
            "recipients": [r.strip() for r in edit.recipients if r.strip()],
            "signer": " ".join((edit.signer or "").split()) or None,
        }
    )
    _, version = await _save(db, principal, document, latest["request_text"], EDITED, report_id)
    return await get_draft(db, principal, report_id, version)


async def get_draft(db: Database, principal: Principal, report_id: int, version: int | None = None) -> Draft:
    """One version of a report (the latest when ``version`` is None) with the list of its versions."""
    _check(principal)
    async with db.transaction(principal.scope()) as conn:
        report = await _report(conn, principal, report_id)
        row = await store.version(conn, report_id, version)
        if row is None:
            raise NotFound(f"Báo cáo số {report_id} không có phiên bản {version}.")
        versions = [VersionInfo(**v) for v in await store.versions(conn, report_id)]
    document = Document.model_validate(row["document"])
    return Draft(
        report_id=report_id,
        version=row["version"],
        kind=document.kind,
        kind_label=KIND_LABELS[document.kind],
        title=document.summary,
        unit_code=report["unit_code"],
        unit_name=report["unit_name"],
        period_label=document.data.period.label,
        request=row["request_text"],
        revision_prompt=row["revision_prompt"],
        markdown=row["markdown"],
        figures=document.data.figures,
        document=document,
        versions=versions,
        docx_url=docx_url(report_id, row["version"]),
        page_url=f"/can-bo/bao-cao/{report_id}?v={row['version']}",
    )


async def list_reports(db: Database, principal: Principal) -> list[ReportSummary]:
    """The reports of the principal's scope, last changed first."""
    _check(principal)
    async with db.transaction(principal.scope()) as conn:
        rows = await store.recent(conn)
    return [ReportSummary(**r, kind_label=KIND_LABELS[ReportKind(r["kind"])]) for r in rows]


async def version_docx(db: Database, principal: Principal, report_id: int, version: int) -> tuple[str, bytes]:
    """A version's file name and .docx bytes."""
    _check(principal)
    async with db.transaction(principal.scope()) as conn:
        report = await _report(conn, principal, report_id)
        data = await store.docx(conn, report_id, version)
    if data is None:
        raise NotFound(f"Báo cáo số {report_id} không có phiên bản {version}.")
    return f"bao-cao-{report_id}-v{version}-{report['unit_code']}.docx", data
