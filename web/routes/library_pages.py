"""Library pages: questions answered with citations, documents open at a cited passage, uploads by administrators.

Every page works without JavaScript and on a phone; access is the library service's (an internal document the
caller may not read is a plain 404, its title never shown).
"""

from __future__ import annotations

import asyncio
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path as FilePath
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from ingest.partition import PartitionError
from ingest.pipeline import parse_file
from mattran.auth.principal import Principal
from mattran.domain.library import LibraryService, content_hash
from mattran.domain.permissions import Operation, is_allowed
from web import csrf
from web.auth import CurrentPrincipal, requires
from web.deps import ServicesDep, get_services
from web.render import render

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[Principal, requires(Operation.LIBRARY_MANAGE)]
DocumentId = Annotated[int, Path(ge=1, le=2**63 - 1)]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_FORM_OVERHEAD = 64 * 1024  # the other fields and multipart boundaries around the file
PAGE_SIZE = 50
ANSWER_PASSAGES = 5
Kind = Literal["law", "guide", "document"]
Access = Literal["public", "internal"]
KIND_LABELS: dict[Kind, str] = {"law": "Văn bản pháp luật", "guide": "Hướng dẫn", "document": "Tài liệu"}
ACCESS_LABELS: dict[Access, str] = {"public": "Công khai", "internal": "Nội bộ"}
_NAMES: dict[str, Any] = {"kinds": KIND_LABELS, "accesses": ACCESS_LABELS}  # for every page of the library
NOT_FOUND = "Không tìm thấy tài liệu này trong thư viện."
TOO_BIG = "Tệp quá lớn: tối đa 20 MB."


T = TypeVar("T", bound=str)


def chosen(options: Iterable[T], value: str) -> T | None:
    """The option a form's field names (None when it names none of them)."""
    return next((option for option in options if option == value), None)


def _library(request: Request) -> LibraryService:
    return get_services(request).library


def marked(text: str, sentences: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each with whether it is one of ``sentences`` (to be highlighted)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for sentence in sentences:
        start = text.find(sentence, at) if sentence else -1
        if start < 0:
            continue
        pieces += [(text[at:start], False), (sentence, True)]
        at = start + len(sentence)
    pieces.append((text[at:], False))
    return [piece for piece in pieces if piece[0]]


def within(heading: str, title: str) -> str:
    """The heading path below the document's title ("Chương I. … > Điều 3. …")."""
    parts = heading.split(" > ")
    return " > ".join(parts[1:] if parts[0] == title else parts)


def source_label(source: str) -> str:
    """Where a document came from, as readers see it: its web address, or its file's name."""
    return source if source.startswith(("http://", "https://")) else source.rsplit("/", 1)[-1]


def upload_name(filename: str) -> str:
    """A browser's file name made safe for a temporary folder: no folders, NFC, at most 120 characters."""
    name = unicodedata.normalize("NFC", PurePosixPath(filename.replace("\\", "/")).name).strip()
    if name in ("", ".", ".."):
        return "tai-lieu"
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    return stem[: 120 - len(suffix)] + suffix if len(name) > 120 else name


@router.get("/thu-vien", response_class=HTMLResponse)
async def library_home(
    request: Request,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=500)] = None,
    trang: Annotated[int, Query(ge=1, le=100_000)] = 1,
    da_xoa: bool = False,
) -> HTMLResponse:
    """Thư viện: hỏi đáp có trích dẫn và danh sách tài liệu người xem được đọc."""
    library = _library(request)
    answer = await library.answer(principal, q, k=ANSWER_PASSAGES) if q and q.strip() else None
    passages = [
        (p, within(p.hit.heading, p.hit.title), marked(p.hit.text, p.sentences))
        for p in (answer.passages if answer else [])
    ]
    counts = await library.counts(principal)
    documents = await library.documents(principal, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE)
    return render(
        request,
        "library.html",
        principal,
        q=q or "",
        answer=answer,
        passages=passages,
        documents=documents,
        counts=counts,
        updating=get_services(request).library_upgrade.progress.notice(),
        page=trang,
        pages=max(1, -(-counts["documents"] // PAGE_SIZE)),
        **_NAMES,
        deleted=da_xoa,
        manage=is_allowed(principal, Operation.LIBRARY_MANAGE),
    )


def _upload_page(
    request: Request, principal: Principal, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    code = values.get("unit_code", "")
    unit = get_services(request).resolver.units.get(code) if code else None
    return render(
        request,
        "library_upload.html",
        principal,
        status_code=status_code,
        values=values,
        errors=errors,
        unit=unit,
        **_NAMES,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.get("/thu-vien/them", response_class=HTMLResponse)
async def upload_form(request: Request, principal: AdminPage) -> HTMLResponse:
    """Biểu mẫu thêm tài liệu (quản trị viên)."""
    return _upload_page(request, principal, {"access": "public", "unit_code": "", "kind": ""}, {})


@router.post("/thu-vien/them", response_class=HTMLResponse)
async def upload(request: Request, services: ServicesDep, principal: AdminPage) -> Response:
    """Nhận tệp, đọc và chia đoạn, lưu vào thư viện; lỗi hiện ngay cạnh ô (không lưu gì)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
        return _upload_page(
            request, principal, {"access": "public", "unit_code": "", "kind": ""}, {"file": TOO_BIG}, status_code=413
        )
    form = await request.form(max_files=1, max_fields=10)
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    csrf.verify(request, fields.get(csrf.FIELD))
    values = {
        "access": fields.get("access", "public"),
        "unit_code": fields.get("unit_code", ""),
        "kind": fields.get("kind", ""),
    }
    access, kind = chosen(ACCESS_LABELS, values["access"]), chosen(KIND_LABELS, values["kind"])
    errors: dict[str, str] = {}
    if access is None:
        errors["access"] = "Vui lòng chọn công khai hoặc nội bộ."
    if values["kind"] and kind is None:
        errors["kind"] = "Loại tài liệu không hợp lệ."
    if values["unit_code"] and values["unit_code"] not in services.resolver.units:
        errors["unit_code"] = f"Không tìm thấy đơn vị có mã “{values['unit_code']}”."
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = "Vui lòng chọn tệp PDF, DOCX, HTML, TXT hoặc Markdown."
        return _upload_page(request, principal, values, errors, status_code=422)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return _upload_page(request, principal, values, {**errors, "file": TOO_BIG}, status_code=413)
    if errors or access is None:  # no access chosen is an error already
        return _upload_page(request, principal, values, errors, status_code=422)
    name = upload_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="mattran-upload-") as folder:
        path = FilePath(folder) / name
        await asyncio.to_thread(path.write_bytes, content)
        try:
            parsed = await asyncio.to_thread(parse_file, path, content, access, values["unit_code"] or None, kind)
        except PartitionError as exc:
            return _upload_page(request, principal, values, {"file": str(exc)}, status_code=422)
    document = parsed.document.model_copy(update={"source": f"upload:{content_hash(content)[:12]}/{name}"})
    document_id = await _library(request).save(principal, document, parsed.chunks)
    return RedirectResponse(f"/thu-vien/{document_id}?da_them=1", status_code=303)


async def _readable(request: Request, principal: Principal, document_id: int) -> dict[str, Any]:
    """The document with its chunks, or a 404 (also when the caller may not read it)."""
    found = await _library(request).document(principal, document_id)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    return found


@router.get("/thu-vien/{document_id}", response_class=HTMLResponse)
async def document_page(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, document_id: DocumentId, da_them: bool = False
) -> HTMLResponse:
    """Một tài liệu: mục lục và từng đoạn có neo (#dieu-3) để mở đúng đoạn được trích dẫn."""
    found = await _readable(request, principal, document_id)
    sections: list[tuple[dict[str, Any], str | None]] = []  # each chunk with its heading, when it starts one
    contents: list[tuple[str, str, int]] = []  # anchor, title and depth of each heading
    previous: str | None = None
    for chunk in found["chunks"]:
        heading = within(chunk["heading"], found["title"])
        shown = heading if heading != previous else None  # the further parts of an article share its heading
        sections.append((chunk, shown))
        if shown:
            contents.append((chunk["anchor"], heading.rsplit(" > ", 1)[-1], heading.count(" > ")))
        previous = heading
    unit = services.resolver.units.get(found["unit_code"]) if found["unit_code"] else None
    return render(
        request,
        "library_document.html",
        principal,
        document=found,
        sections=sections,
        contents=contents,
        unit=unit,
        source=source_label(found["source"]),
        **_NAMES,
        added=da_them,
        manage=is_allowed(principal, Operation.LIBRARY_MANAGE),
    )


@router.get("/thu-vien/{document_id}/xoa", response_class=HTMLResponse)
async def delete_confirm(request: Request, principal: AdminPage, document_id: DocumentId) -> HTMLResponse:
    """Xác nhận xóa một tài liệu (quản trị viên)."""
    found = await _readable(request, principal, document_id)
    return render(request, "library_delete.html", principal, document=found)


@router.post("/thu-vien/{document_id}/xoa")
async def delete_document(
    request: Request, principal: AdminPage, document_id: DocumentId, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    """Xóa tài liệu và mọi đoạn của nó."""
    csrf.verify(request, csrf_token)
    deleted = await _library(request).delete(principal, [document_id])
    if not deleted:
        raise HTTPException(404, NOT_FOUND)
    return RedirectResponse("/thu-vien?da_xoa=1", status_code=303)
