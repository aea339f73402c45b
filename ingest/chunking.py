"""Split a parsed document into citable chunks that follow its structure.

Legal texts (lines "Điều N.") are cut along Phần / Chương / Mục / Điều, one chunk per article, a long article at
its clauses (Khoản "1.", "2.") and a long clause at its points (Điểm "a)") or sentences. Other documents are cut
at their headings and packed by paragraph up to ``max_chars``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.partition import ParsedDocument, legal_title, text_lines

# Bump when chunking changes (what a chunk holds, its heading or anchor): chunks made by another version are chunked
# again from their source file, in the background after an upgrade, and by ``mattran ingest``.
CHUNKER_VERSION = "2026.12-1"

_ARTICLE = re.compile(r"^Điều\s+(\d+)\s*(?:[.:]\s*(.*))?$", re.IGNORECASE)
_PART = re.compile(r"^Phần\s+(thứ\s+[^\s.:]+|[IVXLCDM]+|\d+)\s*[.:\-–]?\s*(.*)$", re.IGNORECASE)
_CHAPTER = re.compile(r"^Chương\s+([IVXLCDM]+|\d+)\s*[.:\-–]?\s*(.*)$", re.IGNORECASE)
_SECTION = re.compile(r"^Mục\s+(\d+|[IVXLCDM]+)\s*[.:\-–]?\s*(.*)$", re.IGNORECASE)
_CLAUSE = re.compile(r"^(\d+)\.\s")
_CLOSING = re.compile(
    r"^(?:(?:Bộ luật|Luật|Hiến pháp|Pháp lệnh|Nghị quyết|Nghị định|Thông tư|Quyết định) này "
    r"(?:đã )?được\b.*\bthông qua|Nơi nhận\b)",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^[-–—_=.*\s]+$|^CỘNG HO?À XÃ HỘI CHỦ NGHĨA VIỆT NAM|^Độc lập\s*[-–]\s*Tự do"
    r"|, ngày \d{1,2} tháng \d{1,2} năm \d{4}\.?$|^(?:Luật\s+)?Số:",
    re.IGNORECASE,
)
_NAME_END = re.compile(r"[.,;]$")
_SPLITTERS = (re.compile(r"(?<=[.!?…])\s+"), re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))
_MIN_ARTICLES = 2
_LEVELS = ("part", "chapter", "section")  # a new heading closes those at its level and below
_PREAMBLE = "Phần mở đầu"
_CLOSING_LABEL = "Phần kết"


@dataclass(frozen=True)
class Chunk:
    """A citable piece of a document: heading path, stable anchor, body text, and the article number if any."""

    heading: tuple[str, ...]
    anchor: str
    text: str
    article: int | None


@dataclass
class _Section:
    heading: tuple[str, ...]
    anchor: str
    article: int | None = None
    lines: list[str] = field(default_factory=list)


def chunk_document(doc: ParsedDocument, max_chars: int = 1200) -> list[Chunk]:
    """Chunks of ``doc``: per article for legal texts, per heading section otherwise; texts ≤ ``max_chars``."""
    lines = text_lines(doc.blocks)
    if sum(1 for line in lines if _ARTICLE.match(line)) >= _MIN_ARTICLES:
        chunks = _legal_chunks(doc.title, lines, max_chars)
    else:
        chunks = _plain_chunks(doc, max_chars)
    return _unique_anchors(chunks)


def heading_text(chunk: Chunk) -> str:
    """The chunk's heading path as one citation label ("Luật Khiếu nại 2011 > Chương III. … > Điều 28. …")."""
    return " > ".join(chunk.heading)


def slugify(text: str, limit: int = 60) -> str:
    """URL-safe ASCII slug of Vietnamese text ("Điều 28" → "dieu-28"), cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "muc"


def _legal_chunks(title: str, lines: list[str], max_chars: int) -> list[Chunk]:
    header = legal_title(lines)
    start = header[1] if header else 0
    sections = [_Section((title, _PREAMBLE), slugify(_PREAMBLE))]
    path: dict[str, str] = {}  # "part" / "chapter" / "section" → its label
    index = start
    while index < len(lines):
        line = lines[index]
        index += 1
        if article := _ARTICLE.match(line):
            number, name = int(article.group(1)), (article.group(2) or "").strip()
            label = f"Điều {number}. {name}" if name else f"Điều {number}"
            sections.append(_Section((title, *path.values(), label), f"dieu-{number}", number))
        elif structure := _structure(line):
            level, label = structure
            while index < len(lines) and _is_name_line(lines[index]):  # the name, maybe over several lines
                separator = " " if _has_name(label) else ". "
                label, index = f"{label}{separator}{lines[index]}", index + 1
            for lower in _LEVELS[_LEVELS.index(level) :]:
                path.pop(lower, None)
            path[level] = label
            sections.append(_Section((title, *path.values()), slugify(label)))
        elif _CLOSING.match(line) and sections[-1].heading[-1] != _CLOSING_LABEL:
            sections.append(_Section((title, _CLOSING_LABEL), slugify(_CLOSING_LABEL), lines=[line]))
        elif sections[-1].article is not None or not _BOILERPLATE.search(line):
            sections[-1].lines.append(line)
    chunks: list[Chunk] = []
    for section in sections:
        if section.article is not None:
            chunks.extend(_article_chunks(section, max_chars))
        elif section.lines:
            chunks.extend(_numbered(section.heading, section.anchor, _pack(section.lines, max_chars), None))
    return chunks


def _structure(line: str) -> tuple[str, str] | None:
    """("part" | "chapter" | "section", normalised label) when ``line`` is a Phần / Chương / Mục heading."""
    for level, pattern, word in zip(_LEVELS, (_PART, _CHAPTER, _SECTION), ("Phần", "Chương", "Mục"), strict=True):
        if match := pattern.match(line):
            number, name = match.group(1), match.group(2).strip()
            if _NAME_END.search(name):  # a sentence that starts with "Chương II …", not a heading
                return None
            number = number.lower() if number.lower().startswith("thứ") else number.upper()
            return level, f"{word} {number}. {name}" if name else f"{word} {number}"
    return None


def _has_name(label: str) -> bool:
    return ". " in label


def _is_name_line(line: str) -> bool:
    """A heading's name on the lines after "Chương III": capitals, not itself a heading or an article."""
    return (
        any(ch.isalpha() for ch in line)
        and line == line.upper()
        and not _ARTICLE.match(line)
        and _structure(line) is None
    )


def _article_chunks(section: _Section, max_chars: int) -> list[Chunk]:
    """One chunk for the article, or clause packs ("Khoản 2–4") when it is longer than ``max_chars``."""
    number, heading, anchor = section.article, section.heading, section.anchor
    text = "\n".join(section.lines) or heading[-1]
    if len(text) <= max_chars:
        return [Chunk(heading, anchor, text, number)]
    chunks: list[Chunk] = []
    for pack in _pack_clauses(_clauses(section.lines), max_chars):
        numbers = [clause_number for clause_number, _ in pack if clause_number is not None]
        label = "" if not numbers else f"Khoản {numbers[0]}" + (f"–{numbers[-1]}" if len(numbers) > 1 else "")
        pack_heading = (*heading, label) if label else heading
        pack_anchor = f"{anchor}-{slugify(label)}" if label else anchor
        texts = _pack([line for _, clause_lines in pack for line in clause_lines], max_chars)
        chunks.extend(_numbered(pack_heading, pack_anchor, texts, number))
    return chunks


def _clauses(lines: list[str]) -> list[tuple[int | None, list[str]]]:
    """Clauses (Khoản) of an article's body, numbered 1, 2, … in order; lines before clause 1 go with it."""
    clauses: list[tuple[int | None, list[str]]] = [(None, [])]
    for line in lines:
        match = _CLAUSE.match(line)
        expected = (clauses[-1][0] or 0) + 1
        if match and int(match.group(1)) == expected:
            if clauses[-1][0] is None:
                clauses[-1] = (expected, [*clauses[-1][1], line])
            else:
                clauses.append((expected, [line]))
        else:
            clauses[-1][1].append(line)
    return clauses


def _pack_clauses(
    clauses: list[tuple[int | None, list[str]]], max_chars: int
) -> list[list[tuple[int | None, list[str]]]]:
    """Consecutive clauses grouped while their text fits in ``max_chars``; a longer clause stands alone."""
    packs: list[list[tuple[int | None, list[str]]]] = []
    size = 0
    for clause in clauses:
        length = len("\n".join(clause[1]))
        if packs and size + 1 + length <= max_chars:
            packs[-1].append(clause)
            size += 1 + length
        else:
            packs.append([clause])
            size = length
    return packs


def _numbered(heading: tuple[str, ...], anchor: str, texts: list[str], article: int | None) -> list[Chunk]:
    """Chunks for consecutive pieces of one unit: anchors get "-doan-N" when there are several."""
    if len(texts) == 1:
        return [Chunk(heading, anchor, texts[0], article)]
    return [Chunk(heading, f"{anchor}-doan-{i}", text, article) for i, text in enumerate(texts, 1)]


def _plain_chunks(doc: ParsedDocument, max_chars: int) -> list[Chunk]:
    """Sections under the heading path built from title blocks (deeper levels nest), packed by paragraph."""
    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    skipped_title = False

    def flush() -> None:
        heading = (doc.title, *(text for _, text in stack))
        base = slugify(stack[-1][1] if stack else doc.title)
        for text in _pack(paragraphs, max_chars):
            chunks.append(Chunk(heading, f"{base}-{len(chunks) + 1}", text, None))
        paragraphs.clear()

    for block in doc.blocks:
        if block.kind == "text":
            paragraphs.append(block.text)
            continue
        if not skipped_title and not chunks and not paragraphs and not stack and block.text == doc.title:
            skipped_title = True
            continue
        flush()
        level = max(block.level, 1)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, block.text))
    flush()
    return chunks


def _pack(paragraphs: list[str], max_chars: int) -> list[str]:
    """Paragraphs joined by "\\n" into texts of at most ``max_chars``; a longer paragraph is cut at sentences."""
    return _join((piece for paragraph in paragraphs for piece in _split(paragraph, max_chars)), "\n", max_chars)


def _split(text: str, max_chars: int, level: int = 0) -> list[str]:
    """``text`` cut at sentence ends, then at ; or :, then commas, then spaces, into pieces ≤ ``max_chars``."""
    if len(text) <= max_chars:
        return [text]
    if level == len(_SPLITTERS):
        return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]
    parts = _SPLITTERS[level].split(text)
    return _join((piece for part in parts for piece in _split(part, max_chars, level + 1)), " ", max_chars)


def _join(pieces: Iterable[str], separator: str, max_chars: int) -> list[str]:
    """Consecutive pieces joined by ``separator`` into texts of at most ``max_chars`` (a longer piece alone)."""
    texts: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(separator) + len(piece) <= max_chars:
            current = f"{current}{separator}{piece}"
        else:
            if current:
                texts.append(current)
            current = piece
    if current:
        texts.append(current)
    return texts


def _unique_anchors(chunks: list[Chunk]) -> list[Chunk]:
    """Make anchors unique within the document by suffixing repeats ("-2", "-3")."""
    seen: dict[str, int] = {}
    unique: list[Chunk] = []
    for chunk in chunks:
        count = seen.get(chunk.anchor, 0) + 1
        seen[chunk.anchor] = count
        if count > 1:
            chunk = Chunk(chunk.heading, f"{chunk.anchor}-{count}", chunk.text, chunk.article)
        unique.append(chunk)
    return unique
