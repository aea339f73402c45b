"""A report draft as a structured document (header, sections, recipients, signature) and its Markdown.

Section texts refer to figures by key (``{{petitions.received}}``); the values are put in from the gathered data
when the document is shown, so no number ever comes from the prose writer.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from mattran.domain.reports.figures import Figure, Gathered
from mattran.domain.reports.request import ReportError, ReportKind

# a figure's key may hold spaces and diacritics (``members.religion:Công giáo``)
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_BRACES = re.compile(r"\{\{|\}\}")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
APPENDIX_TITLE = "Phụ lục: nguồn số liệu"


class Block(BaseModel):
    """A paragraph, a bullet or a sub-heading of a section (text with figure placeholders)."""

    kind: Literal["p", "bullet", "heading"]
    text: str


class Section(BaseModel):
    """A numbered part of the body."""

    key: str
    title: str
    blocks: list[Block]


class Document(BaseModel):
    """A report draft laid out per Nghị định 30/2020/NĐ-CP, with the data it was written from."""

    kind: ReportKind
    request: str
    recipient: str | None = None
    issuer: list[str]
    number: str
    place_date: str
    summary: str
    intro: list[Block]
    sections: list[Section]
    recipients: list[str]
    signature: list[str]
    signer: str | None = None  # who signs (the standing board's chair on the committee roster), under the title
    data: Gathered

    def figures(self) -> dict[str, Figure]:
        """The figures by key."""
        return self.data.by_key()


class UnfilledPlaceholder(ReportError):
    """A placeholder that names no gathered figure, or braces left in the text: the draft is not made."""


def fill(text: str, figures: dict[str, Figure]) -> str:
    """The text with each ``{{key}}`` replaced by the figure's value as written (``1.234``, ``12,5%``); a key
    that names no figure, or braces left over, raise :class:`UnfilledPlaceholder` (never reach a document)."""

    def value(match: re.Match[str]) -> str:
        figure = figures.get(match.group(1))
        if figure is None:
            raise UnfilledPlaceholder(f"Bản dự thảo còn chỗ trống chưa điền số liệu “{match.group(1)}”.", "text")
        return figure.text

    filled = PLACEHOLDER.sub(value, text)
    if _BRACES.search(filled):
        raise UnfilledPlaceholder(f"Bản dự thảo còn chỗ trống chưa điền số liệu: “{text}”.", "text")
    return filled


def check_filled(document: Document) -> None:
    """Raise :class:`UnfilledPlaceholder` when any text of the draft has a placeholder that cannot be filled."""
    figures = document.figures()
    for block in [*document.intro, *(b for s in document.sections for b in s.blocks)]:
        fill(block.text, figures)
    for text in [document.summary, document.place_date, *document.recipients, *document.signature]:
        fill(text, {})
    for section in document.sections:
        fill(section.title, {})
    fill(document.signer or "", {})


def blocks_text(blocks: list[Block], figures: dict[str, Figure]) -> str:
    """Blocks as the text a cadre edits (figures put in): ``- `` a bullet, ``### `` a sub-heading, one a line;
    :func:`parse_blocks` reads it back."""
    return "\n".join({"bullet": "- ", "heading": "### "}.get(b.kind, "") + fill(b.text, figures) for b in blocks)


def numbered(document: Document) -> list[tuple[str, Section]]:
    """The sections with their numbers (I, II, …)."""
    return [(_ROMAN[i] if i < len(_ROMAN) else str(i + 1), s) for i, s in enumerate(document.sections)]


def parse_blocks(text: str) -> list[Block]:
    """Blocks from a writer's text: ``- `` starts a bullet, ``### `` a sub-heading, other lines are paragraphs."""
    blocks: list[Block] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(("- ", "* ", "• ")):
            blocks.append(Block(kind="bullet", text=line[2:].strip()))
        elif line.startswith("#"):
            blocks.append(Block(kind="heading", text=line.lstrip("#").strip()))
        else:
            blocks.append(Block(kind="p", text=line))
    return blocks


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _blocks_markdown(blocks: list[Block], figures: dict[str, Figure]) -> list[str]:
    lines: list[str] = []
    for b in blocks:
        text = fill(b.text, figures)
        lines += {"bullet": [f"- {text}"], "heading": ["", f"#### {text}", ""]}.get(b.kind, ["", text])
    return lines


def to_markdown(document: Document) -> str:
    """The draft as Markdown: header, body, recipients and signature, then the appendix of figure sources."""
    figures = document.figures()
    issuer = "  \n".join(f"**{line}**" for line in document.issuer)
    lines = [
        issuer,
        "",
        document.number,
        "",
        "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**  ",
        "**Độc lập - Tự do - Hạnh phúc**",
        "",
        f"*{document.place_date}*",
        "",
        "## BÁO CÁO",
        f"**{document.summary}**",
    ]
    lines += _blocks_markdown(document.intro, figures)
    for number, section in numbered(document):
        lines += ["", f"### {number}. {section.title.upper()}"]
        lines += _blocks_markdown(section.blocks, figures)
    last = len(document.recipients) - 1
    lines += ["", "**Nơi nhận:**"] + [f"- {r}{'' if i == last else ';'}" for i, r in enumerate(document.recipients)]
    lines += [""] + [f"**{line}**  " for line in document.signature]
    lines += ["", f"**{document.signer}**"] if document.signer else []
    lines += [
        "",
        f"### {APPENDIX_TITLE}",
        "",
        "| STT | Số liệu | Giá trị | Đếm gì | Đơn vị | Thời gian |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {i} | {_escape(f.label)} | {f.text} | {_escape(f.query.counted)} | {_escape(f.query.units)} |"
        f" {_escape(f.query.dates)} |"
        for i, f in enumerate(document.data.figures, 1)
    ]
    return "\n".join(lines).strip() + "\n"
