"""The draft as a .docx laid out per Nghị định 30/2020/NĐ-CP (python-docx).

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 (13 in the header block, 12 for the
national title, the recipients and the appendix table); issuing body top left, national title and motto
(underlined) top right, number and symbol, place and date, document type and summary centred, body justified,
recipients bottom left, signature block bottom right; page numbers at the top centre from page 2; the appendix of
figure sources on its own page.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml.etree import SubElement

from mattran.domain.reports.document import APPENDIX_TITLE, Block, Document, fill, numbered

FONT = "Times New Roman"
BODY_PT, HEADER_PT, SMALL_PT = 14, 13, 12
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def _base(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    normal.paragraph_format.space_before, normal.paragraph_format.space_after = Pt(0), Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field (the page number) in ``paragraph``."""
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    SubElement(run._r, qn("w:fldChar")).set(qn("w:fldCharType"), "begin")
    instruction = SubElement(run._r, qn("w:instrText"))
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = "PAGE"
    SubElement(run._r, qn("w:fldChar")).set(qn("w:fldCharType"), "end")


def _line(
    container: DocxDocument | _Cell,
    text: str,
    *,
    size: int = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    after: int = 0,
    paragraph: Paragraph | None = None,
) -> Paragraph:
    p = paragraph or container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.first_line_indent = Cm(0)
    run = p.add_run(text)
    run.font.size, run.bold, run.italic, run.underline = Pt(size), bold, italic, underline
    return p


def _rule(container: DocxDocument | _Cell, indent_cm: float) -> None:
    """The short horizontal line under the issuing body and the summary."""
    p = container.add_paragraph()
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(indent_cm)
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.line_spacing = Pt(2)
    bottom = SubElement(SubElement(p._p.get_or_add_pPr(), qn("w:pBdr")), qn("w:bottom"))
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(name), value)


def _two_columns(doc: DocxDocument, rows: int, widths: tuple[float, float]) -> list[tuple[_Cell, _Cell]]:
    table = doc.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    cells = []
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
        cells.append((row.cells[0], row.cells[1]))
    return cells


def _header(doc: DocxDocument, document: Document) -> None:
    (issuer, national), (number, place) = _two_columns(doc, 2, (6.0, 10.5))
    first = issuer.paragraphs[0]
    for i, text in enumerate(document.issuer):
        _line(issuer, text, size=HEADER_PT, bold=i > 0, paragraph=first if i == 0 else None)
    _rule(issuer, 1.8)
    _line(national, NATIONAL_TITLE, size=SMALL_PT, bold=True, paragraph=national.paragraphs[0])
    _line(national, MOTTO, size=BODY_PT, bold=True, underline=True)
    _line(number, document.number, size=HEADER_PT, paragraph=number.paragraphs[0])
    _line(place, document.place_date, size=BODY_PT, italic=True, paragraph=place.paragraphs[0])


def _body_paragraph(doc: DocxDocument, block: Block, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Cm(1.27)
    run = p.add_run(f"- {text}" if block.kind == "bullet" else text)
    run.bold = block.kind == "heading"


def _closing(doc: DocxDocument, document: Document) -> None:
    [(recipients, signature)] = _two_columns(doc, 1, (8.0, 8.5))
    _line(
        recipients,
        "Nơi nhận:",
        size=SMALL_PT,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        paragraph=recipients.paragraphs[0],
    )
    for i, name in enumerate(document.recipients):
        last = i == len(document.recipients) - 1
        _line(recipients, f"- {name}{'' if last else ';'}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = signature.paragraphs[0]
    for i, text in enumerate(document.signature):
        _line(signature, text, bold=True, paragraph=first if i == 0 else None)
    for _ in range(4):
        signature.add_paragraph()
    if document.signer:
        _line(signature, document.signer, bold=True)


def _appendix(doc: DocxDocument, document: Document) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    title, _, rest = APPENDIX_TITLE.partition(": ")
    _line(doc, title, bold=True)
    _line(doc, rest.upper(), bold=True)
    _line(doc, f"(Kèm theo Báo cáo {document.number.removeprefix('Số: ')})", italic=True, after=12)
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (1.1, 4.4, 2.2, 8.8)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for cell, text, width in zip(
        table.rows[0].cells, ("STT", "Số liệu", "Giá trị", "Nguồn và cách tính"), widths, strict=True
    ):
        cell.width = Cm(width)
        _line(cell, text, size=SMALL_PT, bold=True, paragraph=cell.paragraphs[0])
    for i, f in enumerate(document.data.figures, 1):
        source = f"{f.query.counted}. Đơn vị: {f.query.units}. Thời gian: {f.query.dates}."
        for cell, text, width, align in zip(
            table.add_row().cells,
            (str(i), f.label, f.text, source),
            widths,
            (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT),
            strict=True,
        ):
            cell.width = Cm(width)
            _line(cell, text, size=SMALL_PT, align=align, paragraph=cell.paragraphs[0])


def build_docx(document: Document) -> bytes:
    """The .docx bytes of a draft."""
    doc = new_docx()
    _base(doc)
    _header(doc, document)
    _line(doc, "BÁO CÁO", bold=True, after=0).paragraph_format.space_before = Pt(18)
    _line(doc, document.summary, bold=True)
    _rule(doc, 6.5)
    figures = document.figures()
    for block in document.intro:
        _body_paragraph(doc, block, fill(block.text, figures))
    for number, section in numbered(document):
        _body_paragraph(doc, Block(kind="heading", text=""), f"{number}. {section.title.upper()}")
        for block in section.blocks:
            _body_paragraph(doc, block, fill(block.text, figures))
    _closing(doc, document)
    _appendix(doc, document)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
