"""Revising a draft by prompt, offline: “thêm phần kiến nghị”, “rút gọn phần 2”, “bỏ phần 3”, “đổi kỳ báo cáo
sang quý II/2026”, “cập nhật số liệu”, “thêm nơi nhận: Sở Tư pháp”, “đổi trích yếu thành …”; several at once when
separated by “;” or “,”."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel

from mattran.domain.reports.document import Block, Document, Section
from mattran.domain.reports.request import Period, ReportError, find_period
from mattran.domain.text import fold, nfc, strip_marks

HELP = (
    "Tôi hiểu các yêu cầu sửa: “thêm phần kiến nghị” (đánh giá, hạn chế, phương hướng), “rút gọn phần 2” (hoặc “rút "
    "gọn”), “bỏ phần 3”, “đổi kỳ báo cáo sang quý II/2026”, “cập nhật số liệu”, “thêm nơi nhận: …”, "
    "“đổi trích yếu thành …”."
)
_SPLIT = re.compile(r"\s*(?:[;,]|\bva\b)\s*(?=(?:them|bo sung|bo|xoa|rut gon|doi|thay|sua|cap nhat|lam moi)\b)")
_NUMBER = r"(\d{1,2}|[ivx]{1,4})\b"
_ADD = re.compile(
    r"\b(?:them|bo sung|viet them)\b.*\b(kien nghi|de xuat|danh gia|phuong huong|nhiem vu|han che|ton tai)\b"
)
_REMOVE = re.compile(rf"\b(?:bo|xoa|loai bo|loai)\s+(?:di\s+)?(?:phan|muc)\s+(?:thu\s+)?{_NUMBER}")
_SHORTEN = re.compile(
    rf"\b(?:rut gon|viet gon|ngan gon|tom tat|gon lai)\b"
    rf"(?:.*?\b(?:phan|muc)\s+(?:thu\s+)?{_NUMBER})?"
)
_RECIPIENT = re.compile(r"\bthem\s+noi nhan\b\s*:?\s*")
_SUMMARY = re.compile(r"\b(?:doi|sua|thay)\s+(?:trich yeu|tieu de|ten bao cao)\s+(?:thanh|la|bang)\s*:?\s*")
_REFRESH = re.compile(r"\b(?:cap nhat|lam moi|lay lai)\s+(?:so lieu|du lieu)\b")
_PERIOD = re.compile(
    r"\b(?:doi|chuyen|thay|sua|lam lai|lap lai)\b.*"
    r"\b(?:ky|thoi gian|giai doan|quy|thang|nam|tu ngay)\b"
)
_ADDED = {
    "kien nghi": "kien_nghi",
    "de xuat": "kien_nghi",
    "danh gia": "danh_gia",
    "phuong huong": "phuong_huong",
    "nhiem vu": "phuong_huong",
    "han che": "han_che",
    "ton tai": "han_che",
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[A-ZĐÀ-Ỹ])")
_BULLETS_KEPT = 3
_CLOSING = {"danh_gia": 1, "han_che": 2, "phuong_huong": 3, "kien_nghi": 4}  # closing sections, in order


class Revision(BaseModel):
    """What a prompt asks: sections to add, remove (1-based numbers) or shorten (0: all), other edits, and
    whether the figures must be gathered again (for ``period`` or as they are now)."""

    add: list[str] = []
    remove: list[int] = []
    shorten: list[int] = []
    recipients: list[str] = []
    summary: str | None = None
    regather: bool = False
    period: Period | None = None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _ROMAN[text]


def parse_revision(prompt: str, today: date) -> Revision:
    """The edits a revision prompt asks for (refused with :data:`HELP` when none is understood)."""
    source = nfc(prompt).strip()
    lowered = strip_marks(source).lower()
    starts = [0] + [m.end() for m in _SPLIT.finditer(lowered)]
    revision = Revision()
    for start, end in zip(starts, [*starts[1:], len(source)], strict=True):
        part, low = source[start:end].strip(" ,;."), lowered[start:end].strip(" ,;.")
        folded = fold(part)
        if found := _RECIPIENT.search(low):
            revision.recipients.append(part[found.end() :].strip())
        elif found := _SUMMARY.search(low):
            revision.summary = part[found.end() :].strip(' “”"')
        elif found := _REMOVE.search(folded):
            revision.remove.append(_number(found.group(1)))
        elif found := _SHORTEN.search(folded):
            revision.shorten.append(_number(found.group(1)) if found.group(1) else 0)
        elif found := _ADD.search(folded):
            revision.add.append(_ADDED[found.group(1)])
        elif _REFRESH.search(folded):
            revision.regather = True
        elif _PERIOD.search(folded) and (period := find_period(part, today)):
            revision.regather, revision.period = True, period
        else:
            raise ReportError(f"Chưa hiểu yêu cầu sửa “{part}”. {HELP}")
    if not any(
        (revision.add, revision.remove, revision.shorten, revision.recipients, revision.summary, revision.regather)
    ):
        raise ReportError(HELP)
    return revision


def _shorter(section: Section) -> Section:
    """Each paragraph cut to its first sentence, each list to its first items."""
    blocks: list[Block] = []
    run = 0
    for block in section.blocks:
        run = run + 1 if block.kind == "bullet" else 0
        if block.kind == "bullet" and run > _BULLETS_KEPT:
            continue
        text = _SENTENCE_END.split(block.text, maxsplit=1)[0] if block.kind == "p" else block.text
        blocks.append(Block(kind=block.kind, text=text))
    return Section(key=section.key, title=section.title, blocks=blocks)


def apply_edits(document: Document, revision: Revision, added: dict[str, Section]) -> Document:
    """The document with the revision's edits (``added``: the new sections, already written, by key)."""
    count = len(document.sections)
    for number in (*revision.remove, *(n for n in revision.shorten if n)):
        if not 1 <= number <= count:
            raise ReportError(f"Báo cáo chỉ có {count} phần (I–{count}): không có phần {number}.")
    sections = [
        (_shorter(s) if (0 in revision.shorten or i in revision.shorten) else s)
        for i, s in enumerate(document.sections, 1)
        if i not in revision.remove
    ]
    present = {s.key for s in sections}
    for key in revision.add:
        if key in present:
            raise ReportError(f"Báo cáo đã có phần “{added[key].title}”.")
        later = [i for i, s in enumerate(sections) if _CLOSING.get(s.key, 0) > _CLOSING[key]]
        sections.insert(later[0] if later else len(sections), added[key])
        present.add(key)
    if not sections:
        raise ReportError("Không thể bỏ hết các phần của báo cáo.")
    recipients = document.recipients[:-1] + [r.rstrip(";.") for r in revision.recipients] + document.recipients[-1:]
    return document.model_copy(
        update={"sections": sections, "recipients": recipients, "summary": revision.summary or document.summary}
    )
