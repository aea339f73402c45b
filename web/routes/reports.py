"""Advisory reports: the cadre's pages (drafts, one prompt box, revisions by prompt) and the JSON API, with the
.docx of every version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from mattran.auth.principal import Principal
from mattran.domain.errors import DomainError, Invalid
from mattran.domain.permissions import Operation
from mattran.domain.reports.document import Document, blocks_text, fill, numbered
from mattran.domain.reports.docx_format import MOTTO, NATIONAL_TITLE
from mattran.domain.reports.request import EXAMPLES, ReportError
from mattran.domain.reports.revise import HELP
from mattran.domain.reports.service import (
    Draft,
    DraftEdit,
    ReportSummary,
    SectionEdit,
    draft_report,
    edit_report,
    get_draft,
    list_reports,
    revise_report,
    version_docx,
)
from web import csrf
from web.auth import requires
from web.deps import ServicesDep, get_services
from web.problems import status_of
from web.render import render

router = APIRouter(tags=["reports"])
Cadre = Annotated[Principal, requires(Operation.REPORT_DRAFT)]
ReportId = Annotated[int, Path(ge=1, le=2**62)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_SHOWN = {"document"}  # the structured document stays inside: the API shows its Markdown and figures


class ReportIn(BaseModel):
    """A report request in one sentence (e.g. “Báo cáo tiến độ đại hội tỉnh Phú Thọ”)."""

    request: str = Field(min_length=5, max_length=2000)
    unit_code: str | None = Field(default=None, max_length=10, description="Đơn vị, nếu không ghi trong câu.")


class RevisionIn(BaseModel):
    """A revision prompt (e.g. “thêm phần kiến nghị”, “rút gọn phần 2”, “bỏ phần 3”)."""

    prompt: str = Field(min_length=3, max_length=2000)


def _view(document: Document) -> dict[str, Any]:
    """The document with its figures put in, for the page."""
    figures = document.figures()

    def blocks(items: list[Any]) -> list[tuple[str, str]]:
        return [(b.kind, fill(b.text, figures)) for b in items]

    return {
        "issuer": document.issuer,
        "national": NATIONAL_TITLE,
        "motto": MOTTO,
        "number": document.number,
        "place_date": document.place_date,
        "summary": document.summary,
        "intro": blocks(document.intro),
        "sections": [(n, s.title.upper(), blocks(s.blocks)) for n, s in numbered(document)],
        "recipients": document.recipients,
        "signature": document.signature,
        "signer": document.signer,
    }


# Pages


@router.get("/can-bo/bao-cao", response_class=HTMLResponse, include_in_schema=False)
async def reports_page(request: Request, services: ServicesDep, principal: Cadre) -> HTMLResponse:
    """Báo cáo: các bản nháp trong phạm vi và ô yêu cầu soạn báo cáo mới."""
    reports = await list_reports(services.db, principal)
    return render(request, "reports.html", principal, reports=reports, examples=EXAMPLES, problem=None, asked="")


@router.post("/can-bo/bao-cao", response_class=HTMLResponse, include_in_schema=False)
async def reports_submit(request: Request, services: ServicesDep, principal: Cadre) -> Response:
    """Soạn báo cáo theo yêu cầu (chống CSRF); lỗi hiện ngay trên trang."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form.get(csrf.FIELD))
    asked = form.get("request", "").strip()[:2000]
    try:
        if len(asked) < 5:
            raise ReportError("Hãy ghi yêu cầu soạn báo cáo, ví dụ: “" + EXAMPLES[0] + "”.")
        draft = await draft_report(services.db, services.resolver, principal, asked, writer=services.section_writer)
    except DomainError as exc:
        reports = await list_reports(services.db, principal)
        return render(
            request,
            "reports.html",
            principal,
            status_code=status_of(exc),
            reports=reports,
            examples=EXAMPLES,
            problem=exc.message,
            asked=asked,
        )
    return RedirectResponse(draft.page_url, status_code=303)


async def _draft_page(
    request: Request,
    principal: Principal,
    report_id: int,
    version: int | None,
    problem: str | None = None,
    status_code: int = 200,
    prompt: str = "",
) -> HTMLResponse:
    draft = await get_draft(get_services(request).db, principal, report_id, version)
    return render(
        request,
        "report.html",
        principal,
        status_code=status_code,
        draft=draft,
        view=_view(draft.document),
        problem=problem,
        prompt=prompt,
        help=HELP,
    )


@router.get("/can-bo/bao-cao/{report_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_page(
    request: Request, principal: Cadre, report_id: ReportId, v: Annotated[int | None, Query(ge=1, le=10000)] = None
) -> HTMLResponse:
    """Một báo cáo: bản dự thảo (phiên bản ``v``, mặc định mới nhất), các phiên bản, ô sửa bằng lời."""
    return await _draft_page(request, principal, report_id, v)


@router.post("/can-bo/bao-cao/{report_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_revise(request: Request, services: ServicesDep, principal: Cadre, report_id: ReportId) -> Response:
    """Sửa báo cáo bằng lời (chống CSRF): tạo phiên bản mới."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form.get(csrf.FIELD))
    prompt = form.get("prompt", "").strip()[:2000]
    try:
        draft = await revise_report(services.db, principal, report_id, prompt, writer=services.section_writer)
    except Invalid as exc:
        return await _draft_page(request, principal, report_id, None, exc.message, 422, prompt)
    return RedirectResponse(draft.page_url, status_code=303)


def _edit_form(document: Document) -> dict[str, Any]:
    """The latest version's text as the edit form shows it (figures put in)."""
    figures = document.figures()
    return {
        "summary": document.summary,
        "place_date": document.place_date,
        "intro": blocks_text(document.intro, figures),
        "sections": [(n, s.title, blocks_text(s.blocks, figures)) for n, s in numbered(document)],
        "recipients": "\n".join(document.recipients),
        "signer": document.signer or "",
    }


async def _edit_page(
    request: Request,
    principal: Principal,
    report_id: int,
    form: dict[str, Any] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    draft = await get_draft(get_services(request).db, principal, report_id)
    return render(
        request,
        "report_edit.html",
        principal,
        status_code=status_code,
        draft=draft,
        form=form or _edit_form(draft.document),
        signature=draft.document.signature,
        problem=problem,
    )


@router.get("/can-bo/bao-cao/{report_id}/sua", response_class=HTMLResponse, include_in_schema=False)
async def report_edit_page(request: Request, principal: Cadre, report_id: ReportId) -> HTMLResponse:
    """Sửa trực tiếp nội dung bản dự thảo mới nhất (các phần, trích yếu, nơi nhận, người ký) trước khi tải về."""
    return await _edit_page(request, principal, report_id)


@router.post("/can-bo/bao-cao/{report_id}/sua", response_class=HTMLResponse, include_in_schema=False)
async def report_edit(request: Request, services: ServicesDep, principal: Cadre, report_id: ReportId) -> Response:
    """Lưu nội dung đã sửa thành phiên bản mới (chống CSRF); tệp .docx của phiên bản đó là đúng nội dung này."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form.get(csrf.FIELD))
    count = min(sum(1 for k in form if k.startswith("section_text_")), 20)
    titles = [form.get(f"section_title_{i}", "") for i in range(1, count + 1)]
    texts = [form.get(f"section_text_{i}", "") for i in range(1, count + 1)]
    shown: dict[str, Any] = {
        "summary": form.get("summary", ""),
        "place_date": form.get("place_date", ""),
        "intro": form.get("intro", ""),
        "sections": [(str(i), t, x) for i, (t, x) in enumerate(zip(titles, texts, strict=True), 1)],
        "recipients": form.get("recipients", ""),
        "signer": form.get("signer", ""),
    }
    try:
        edit = DraftEdit(
            summary=shown["summary"].strip(),
            place_date=shown["place_date"].strip(),
            intro=shown["intro"],
            sections=[SectionEdit(title=t.strip(), text=x) for t, x in zip(titles, texts, strict=True)],
            recipients=shown["recipients"].splitlines(),
            signer=shown["signer"].strip() or None,
        )
    except ValidationError:
        return await _edit_page(
            request, principal, report_id, shown, "Hãy điền trích yếu, địa danh, ngày tháng và tên mỗi phần.", 422
        )
    try:
        draft = await edit_report(services.db, principal, report_id, edit)
    except Invalid as exc:
        return await _edit_page(request, principal, report_id, shown, exc.message, 422)
    return RedirectResponse(draft.page_url, status_code=303)


# API


@router.get("/api/reports", response_model=list[ReportSummary])
async def api_list(request: Request, services: ServicesDep, principal: Cadre) -> list[ReportSummary]:
    """Các báo cáo trong phạm vi của cán bộ, mới nhất trước."""
    return await list_reports(services.db, principal)


@router.post("/api/reports", response_model=Draft, response_model_exclude=_SHOWN)
async def api_draft(request: Request, services: ServicesDep, principal: Cadre, body: ReportIn) -> Draft:
    """Soạn dự thảo báo cáo từ một câu yêu cầu; trả về Markdown, các số liệu kèm cách tính, địa chỉ tệp .docx."""
    return await draft_report(
        services.db,
        services.resolver,
        principal,
        body.request,
        unit_code=body.unit_code,
        writer=services.section_writer,
    )


@router.get("/api/reports/{report_id}", response_model=Draft, response_model_exclude=_SHOWN)
async def api_read(
    request: Request,
    services: ServicesDep,
    principal: Cadre,
    report_id: ReportId,
    version: Annotated[int | None, Query(ge=1, le=10000)] = None,
) -> Draft:
    """Một phiên bản của báo cáo (mặc định mới nhất) và danh sách các phiên bản."""
    return await get_draft(services.db, principal, report_id, version)


@router.post("/api/reports/{report_id}/revisions", response_model=Draft, response_model_exclude=_SHOWN)
async def api_revise(
    request: Request, services: ServicesDep, principal: Cadre, report_id: ReportId, body: RevisionIn
) -> Draft:
    """Sửa báo cáo bằng lời (“thêm phần kiến nghị”, “rút gọn phần 2”, “bỏ phần 3”…): một phiên bản mới."""
    return await revise_report(services.db, principal, report_id, body.prompt, writer=services.section_writer)


@router.get(
    "/api/reports/{report_id}/versions/{version}.docx",
    response_class=Response,
    responses={200: {"content": {DOCX: {}}}},
)
async def api_docx(
    request: Request,
    services: ServicesDep,
    principal: Cadre,
    report_id: ReportId,
    version: Annotated[int, Path(ge=1, le=10000)],
) -> Response:
    """Tệp .docx (thể thức Nghị định 30/2020/NĐ-CP) của một phiên bản."""
    filename, data = await version_docx(services.db, principal, report_id, version)
    return Response(data, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
