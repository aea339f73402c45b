"""Report documents in the tests: a commune and its gathered figures, and a .docx read back (python-docx)."""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document as open_docx

from mattran.domain.reports.figures import Figure, FigureQuery, Gathered
from mattran.domain.reports.request import Period, ReportKind
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Level, Unit

AS_OF = datetime(2026, 12, 6, 9, 0, tzinfo=VIETNAM)
VAN_MIEU = Unit(
    code="08611",
    name="Xã Văn Miếu",
    short_name="Văn Miếu",
    type="Xã",
    level=Level.COMMUNE,
    parent_code="25",
    province_code="25",
    path="vn.25.08611",
    latitude=None,
    longitude=None,
    area_km2=None,
    province_name="Tỉnh Phú Thọ",
)


def figure(key: str, label: str, value: float, share: bool = False, counted: str | None = None) -> Figure:
    """A figure of Văn Miếu's, counting ``counted`` (its label unless told)."""
    return Figure(
        key=key,
        label=label,
        value=value,
        share=share,
        query=FigureQuery(counted=counted or label, units="Văn Miếu", dates="x"),
    )


def gathered(kind: ReportKind, figures: list[Figure]) -> Gathered:
    """Văn Miếu's ``figures`` for a report of ``kind`` on the year 2026 (a congress report's in the 2024–2029 term)."""
    return Gathered(
        kind=kind,
        unit_code=VAN_MIEU.code,
        unit_name=VAN_MIEU.name,
        unit_level=VAN_MIEU.level,
        period=Period(start=date(2026, 1, 1), end=date(2026, 12, 6), label="năm 2026"),
        as_of=AS_OF,
        figures=figures,
        term="2024–2029" if kind == ReportKind.CONGRESS else None,
    )


def docx_paragraphs(data: bytes) -> str:
    """The body's paragraphs of a .docx, one a line (those in its tables left out)."""
    return "\n".join(p.text for p in open_docx(io.BytesIO(data)).paragraphs)


def docx_text(data: bytes) -> str:
    """Every paragraph of a .docx, those in its tables included (the signature sits in one)."""
    doc = open_docx(io.BytesIO(data))
    cells = [p.text for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    return "\n".join([p.text for p in doc.paragraphs] + cells)
