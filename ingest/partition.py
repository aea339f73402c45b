"""Read a document (PDF, DOCX, HTML, Markdown, text) into titled blocks of NFC text, with unstructured.

Everything runs offline: unstructured's English spaCy model (which it would download) is replaced by a blank
multilingual pipeline with a sentencizer, and scanned PDF pages are read by tesseract (``vie``).
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mattran.domain.archives import ArchiveTooLarge, check_unpacked

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".pdf", ".docx", ".html", ".htm", ".txt", ".md"})

_LANGUAGES = ["vie"]
_OCR_DPI = 300
_SKIPPED_CATEGORIES = frozenset({"Header", "Footer", "PageBreak", "PageNumber", "Image"})
_HEADING_END = re.compile(r"[.,;:!?…]$")  # a plain-text "title" ending so is a sentence, not a heading
_FINAL_PUNCT = re.compile(r"[.;:!?…]$")
_PAGE_NUMBER = re.compile(r"^\d{1,4}$")
_OPENS_UNIT = re.compile(
    r"^(?:Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Điều|ĐIỀU)\s+(?:\d|[IVXLCDM]+\b|thứ|THỨ)"
    r"|^\d+\.\s|^[a-zđ]\)\s"
)
_FULL_LINE_CHARS = 8  # a line ending this many characters from the right margin or closer was wrapped
_NOT_A_NAME = re.compile(r"^(PHẦN|CHƯƠNG|MỤC|ĐIỀU)\s|^LỜI (NÓI|MỞ) ĐẦU$")
_DOC_TYPES = {
    "LUẬT": "Luật",
    "BỘ LUẬT": "Bộ luật",
    "HIẾN PHÁP": "Hiến pháp",
    "PHÁP LỆNH": "Pháp lệnh",
    "NGHỊ QUYẾT": "Nghị quyết",
    "NGHỊ ĐỊNH": "Nghị định",
    "THÔNG TƯ": "Thông tư",
    "QUYẾT ĐỊNH": "Quyết định",
    "CHỈ THỊ": "Chỉ thị",
}
_HEADER_LINES = 15
_DATE_YEAR = re.compile(r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+(\d{4})", re.IGNORECASE)
_NUMBER_YEAR = re.compile(r"^(?:Luật\s+)?số:?\s*\d+/(\d{4})/", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """One element of a document: a heading-like line, or body text (paragraph, list item, table row)."""

    kind: Literal["title", "text"]
    text: str
    level: int = 0  # heading depth for titles when the format tells it (1 = top), 0 otherwise


@dataclass(frozen=True)
class ParsedDocument:
    """A document's title and its blocks, in reading order."""

    title: str
    blocks: list[Block]


class PartitionError(Exception):
    """A document could not be read; the message (Vietnamese) names the file and the reason."""


def nfc(text: str) -> str:
    """Unicode NFC form of ``text``, stripped."""
    return unicodedata.normalize("NFC", text).strip()


def read_document(path: Path) -> ParsedDocument:
    """Parse ``path`` into a titled list of blocks; raise PartitionError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise PartitionError(
            f"Không hỗ trợ định dạng “{suffix or '(không có đuôi)'}” của tệp “{path.name}”; chỉ nhận {supported}."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PartitionError(f"Không mở được tệp “{path.name}”: {exc.strerror or exc}.") from exc
    if not data.strip():
        raise PartitionError(f"Tệp “{path.name}” rỗng, không có nội dung để đọc.")
    _check_content(path, suffix, data)
    blocks = _read_blocks(path, suffix)
    if not blocks:
        raise PartitionError(
            f"Không đọc được nội dung nào từ tệp “{path.name}” (tệp không rỗng): "
            "có thể tệp bị hỏng hoặc chỉ chứa hình ảnh không nhận dạng được chữ."
        )
    return ParsedDocument(title=_title(path, blocks), blocks=blocks)


def text_lines(blocks: Sequence[Block]) -> list[str]:
    """The non-empty lines of the blocks' texts, in order (a block may hold soft line breaks)."""
    return [line for block in blocks for line in (part.strip() for part in block.text.split("\n")) if line]


def legal_title(texts: Sequence[str]) -> tuple[str, int] | None:
    """Title of a legal text from its header ("LUẬT" / "KHIẾU NẠI" → "Luật Khiếu nại 2011") and the index of
    the first line after the title lines; None when the header has no document-type line."""
    head = list(texts[:_HEADER_LINES])
    start = next((i for i, line in enumerate(head) if line in _DOC_TYPES), None)
    if start is None:
        return None
    kind = _DOC_TYPES[head[start]]
    end = start + 1
    while end < len(texts) and _is_upper(texts[end]) and not _NOT_A_NAME.match(texts[end]):
        end += 1
    name = " ".join(" ".join(texts[start + 1 : end]).split())
    parts = [kind] if kind == "Hiến pháp" else [kind, _cased_name(kind, name, texts[end : end + 6])]
    year = _year(head)
    return " ".join(p for p in (*parts, year) if p), end


def _cased_name(kind: str, upper_name: str, preamble: Sequence[str]) -> str:
    """The name as the preamble writes it ("ban hành Luật khiếu nại" → "Khiếu nại"), else in sentence case."""
    issued = re.compile(rf"ban hành {kind}\s+(.+?)[.,;]?$", re.IGNORECASE)
    for line in preamble:
        match = issued.search(line)
        if match and match.group(1).casefold() == upper_name.casefold():
            name = match.group(1)
            return name[:1].upper() + name[1:]
    return upper_name[:1] + upper_name[1:].lower()


def _year(head: Sequence[str]) -> str | None:
    for pattern in (_DATE_YEAR, _NUMBER_YEAR):
        for line in head:
            if match := pattern.search(line):
                return match.group(1)
    return None


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


def _title(path: Path, blocks: list[Block]) -> str:
    legal = legal_title(text_lines(blocks))
    if legal:
        return legal[0]
    first = next((b.text for b in blocks if b.kind == "title"), None)
    if first:
        return first
    stem = " ".join(re.split(r"[-_\s]+", path.stem)).strip()
    return nfc(stem[:1].upper() + stem[1:]) or path.name


def _check_content(path: Path, suffix: str, data: bytes) -> None:
    """Cheap check that the content matches the suffix (magic numbers, zip members, no binary in text)."""
    if suffix == ".pdf":
        if b"%PDF-" not in data[:1024]:
            raise PartitionError(f"Tệp “{path.name}” không phải PDF hợp lệ (thiếu phần đầu %PDF).")
    elif suffix == ".docx":
        if not zipfile.is_zipfile(path):
            raise PartitionError(f"Tệp “{path.name}” không phải DOCX hợp lệ (không phải gói Office Open XML).")
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise PartitionError(f"Tệp “{path.name}” không phải DOCX hợp lệ (thiếu word/document.xml).")
        try:
            check_unpacked(path)
        except ArchiveTooLarge as exc:
            raise PartitionError(f"Tệp “{path.name}” bị từ chối: {exc}.") from exc
    elif data.startswith((b"%PDF-", b"PK\x03\x04", b"MZ")) or (
        b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):  # UTF-16 has a BOM
        raise PartitionError(f"Tệp “{path.name}” không phải văn bản thuần (nội dung nhị phân).")


def _read_blocks(path: Path, suffix: str) -> list[Block]:
    partitioners = _partitioners()
    try:
        if suffix == ".pdf":
            elements = partitioners["text"](text=_pdf_text(path), paragraph_grouper=False, languages=_LANGUAGES)
        else:
            key = {".htm": "html", ".html": "html", ".md": "md", ".docx": "docx", ".txt": "text"}[suffix]
            elements = partitioners[key](filename=str(path), languages=_LANGUAGES)
    except PartitionError:
        raise
    except Exception as exc:  # a parser's own failure on a malformed file
        raise PartitionError(f"Không đọc được tệp “{path.name}”: tệp bị hỏng hoặc sai định dạng ({exc}).") from exc
    return _blocks(elements, trust_titles=suffix in {".docx", ".html", ".htm", ".md"})


def _blocks(elements: list[Any], trust_titles: bool) -> list[Block]:
    """Blocks from unstructured elements; titles guessed from plain text must also look like headings."""
    blocks: list[Block] = []
    for element in elements:
        category = element.category
        if category in _SKIPPED_CATEGORIES:
            continue
        if category == "Table":
            blocks.extend(Block("text", row) for row in _table_rows(element))
            continue
        text = nfc(element.text or "")
        if not text:
            continue
        if category == "Title" and (trust_titles or not _HEADING_END.search(text)):
            depth = element.metadata.category_depth
            blocks.append(Block("title", text, (depth or 0) + 1 if trust_titles else 1))
        else:
            blocks.append(Block("text", text))
    return blocks


def _table_rows(element: Any) -> list[str]:
    """A table as one text line per row, cells separated by " | "."""
    html = element.metadata.text_as_html
    if not html:
        text = nfc(element.text or "")
        return [text] if text else []
    from lxml import html as lxml_html

    rows = []
    for row in lxml_html.fromstring(html).iter("tr"):
        cells = [nfc(" ".join(cell.text_content().split())) for cell in row.iter("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


@functools.cache
def _partitioners() -> dict[str, Callable[..., list[Any]]]:
    """unstructured's partitioners, imported once after giving it an offline sentence tokenizer."""
    import spacy
    import unstructured.nlp.tokenize as tokenize

    @functools.cache
    def blank_pipeline() -> spacy.language.Language:
        nlp = spacy.blank("xx")
        nlp.add_pipe("sentencizer")
        return nlp

    tokenize._get_nlp = blank_pipeline  # instead of downloading en_core_web_sm on first use
    from unstructured.partition.docx import partition_docx
    from unstructured.partition.html import partition_html
    from unstructured.partition.md import partition_md
    from unstructured.partition.text import partition_text

    return {"docx": partition_docx, "html": partition_html, "md": partition_md, "text": partition_text}


def _pdf_text(path: Path) -> str:
    """The PDF's text layer, one paragraph a line; pages without one are read by OCR."""
    from pdfminer.high_level import extract_pages

    try:
        pages = [_page_lines(page) for page in extract_pages(str(path))]
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise PartitionError(
            f"Tệp PDF “{path.name}” bị hỏng hoặc không đọc được ({type(exc).__name__}: {exc})."
        ) from exc
    empty = [number for number, lines in enumerate(pages) if not lines]
    for number, text in (_ocr_pages(path, empty) if empty else {}).items():
        pages[number] = [(" ".join(line.split()), False) for line in text.splitlines()]
    return _paragraphs([line for lines in pages for line in lines])  # a paragraph may run over a page


def _page_lines(page: Any) -> list[tuple[str, bool]]:
    """(text, reaches the right margin) for each text line of a pdfminer page, in reading order."""
    from pdfminer.layout import LTTextLine

    def walk(item: Any) -> Iterator[Any]:
        if isinstance(item, LTTextLine):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from walk(child)

    lines = [(" ".join(line.get_text().split()), line) for line in walk(page)]
    lines = [(text, line) for text, line in lines if text]
    if not lines:
        return []
    right = max(line.x1 for _, line in lines)
    return [(text, right - line.x1 < _FULL_LINE_CHARS * line.width / len(text)) for text, line in lines]


def _ocr_pages(path: Path, numbers: list[int]) -> dict[int, str]:
    """Text of the given pages (0-based) by tesseract in Vietnamese."""
    import pypdfium2
    import unstructured_pytesseract as tesseract

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise PartitionError(f"Tệp PDF “{path.name}” bị hỏng, không dựng được trang để nhận dạng chữ ({exc}).") from exc
    try:
        if "vie" not in tesseract.get_languages():
            raise PartitionError(
                f"Không nhận dạng được chữ trong PDF scan “{path.name}”: tesseract chưa có dữ "
                "liệu tiếng Việt (cài gói tesseract-ocr-vie)."
            )
        texts = {}
        for number in numbers:
            image = document[number].render(scale=_OCR_DPI / 72).to_pil()
            texts[number] = tesseract.image_to_string(image, lang="vie")
        return texts
    except tesseract.TesseractNotFoundError as exc:
        raise PartitionError(
            f"Không nhận dạng được chữ trong PDF scan “{path.name}”: chưa cài tesseract "
            "(cài gói tesseract-ocr và tesseract-ocr-vie)."
        ) from exc
    finally:
        document.close()


def _paragraphs(lines: list[tuple[str, bool]]) -> str:
    """Rejoin lines broken by the page layout, one paragraph per output line: a line continues the previous one
    when that one reached the right margin, or has no final punctuation while this one starts in lower case;
    never when this one opens an article, clause or point. Page numbers are dropped."""
    paragraphs: list[str] = []
    previous_full = False
    for line, full in lines:
        if not line or _PAGE_NUMBER.match(line):
            continue
        open_end = bool(paragraphs) and not _FINAL_PUNCT.search(paragraphs[-1])
        if open_end and not _OPENS_UNIT.match(line) and (previous_full or line[0].islower()):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
        previous_full = full
    return "\n".join(paragraphs)
