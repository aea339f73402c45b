"""Library ingest, parsing and chunking half: every format through unstructured, OCR of a scanned PDF by
tesseract, errors in Vietnamese, and the corpus of laws cut into one citable unit per article."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ingest.chunking import Chunk, chunk_document, heading_text
from ingest.partition import SUPPORTED_SUFFIXES, Block, ParsedDocument, PartitionError, read_document
from tests.support.paths import INGEST_FIXTURES, ROOT

if TYPE_CHECKING:
    from fpdf import FPDF

FIXTURES = INGEST_FIXTURES
LAWS = ROOT.parent / "shared" / "corpus" / "laws"
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
LAW_TITLES = {
    "Hien-phap-2013.txt": "Hiến pháp 2013",
    "Luat-Bao-hiem-xa-hoi-2014-259700.txt": "Luật Bảo hiểm xã hội 2014",
    "Luat-Bau-cu-dai-bieu-Quoc-hoi-va-dai-bieu-Hoi-dong-nhan-dan-2015-282376.txt": (
        "Luật Bầu cử đại biểu Quốc hội và đại biểu Hội đồng nhân dân 2015"
    ),
    "Luat-Mat-tran-to-quoc-Viet-Nam-2015-282378.txt": "Luật Mặt trận Tổ quốc Việt Nam 2015",
    "Luat-To-cao-336713.txt": "Luật Tố cáo 2018",
    "Luat-dat-dai-2013-215836.txt": "Luật Đất đai 2013",
    "Luat-hoat-dong-giam-sat-cua-Quoc-hoi-va-Hoi-dong-nhan-dan-2015-298366.txt": (
        "Luật Hoạt động giám sát của Quốc hội và Hội đồng nhân dân 2015"
    ),
    "Luat-khieu-nai-2011-132446.txt": "Luật Khiếu nại 2011",
    "Luat-tiep-can-thong-tin-2016-280116.txt": "Luật Tiếp cận thông tin 2016",
    "Luat-tiep-cong-dan-2013-215839.txt": "Luật Tiếp công dân 2013",
    "Luat-to-chuc-chinh-quyen-dia-phuong-2015-282380.txt": "Luật Tổ chức chính quyền địa phương 2015",
}


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


@pytest.fixture(scope="module")
def laws() -> dict[str, tuple[ParsedDocument, list[Chunk]]]:
    if not LAWS.is_dir():
        pytest.skip(f"không có kho văn bản luật {LAWS}")
    parsed = {}
    for path in sorted(LAWS.glob("*.txt")):
        doc = read_document(path)
        parsed[path.name] = (doc, chunk_document(doc))
    return parsed


@pytest.fixture(scope="module")
def font() -> str:
    found = next((f for f in FONTS if Path(f).is_file()), None)
    if found is None:
        pytest.skip("không có phông chữ TrueType có dấu tiếng Việt để dựng PDF mẫu")
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ingest")


@pytest.fixture(scope="module")
def docx_file(generated: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Hướng dẫn tiếp công dân", level=0)
    document.add_heading("Chuẩn bị", level=1)
    document.add_paragraph("Cán bộ tiếp công dân kiểm tra giấy tờ tùy thân của người đến khiếu nại, tố cáo.")
    document.add_paragraph("Mang theo đơn và giấy tờ liên quan", style="List Bullet")
    document.add_heading("Địa điểm", level=2)
    document.add_paragraph("Trụ sở tiếp công dân của Ủy ban nhân dân xã.")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate((("Ngày", "Giờ"), ("Thứ Hai", "7 giờ 30"))):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    path = generated / "huong-dan-tiep-cong-dan.docx"
    document.save(str(path))
    return path


def _pdf(font: str, size: int) -> FPDF:
    """A PDF with one page, written in ``font`` (registered as “Viet”) at ``size``."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("Viet", fname=font)
    pdf.set_font("Viet", size=size)
    return pdf


def _save(pdf: FPDF, path: Path) -> Path:
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def text_pdf(generated: Path, font: str) -> Path:
    pdf = _pdf(font, size=18)
    pdf.multi_cell(0, 10, "Quy trình giải quyết phản ánh", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Viet", size=11)
    pdf.multi_cell(
        0,
        7,
        "Mỗi phản ánh được cấp một mã theo dõi. Cán bộ Mặt trận tiếp nhận, phân loại và chuyển "
        "đến cơ quan có thẩm quyền trong thời hạn năm ngày làm việc, kể từ ngày nhận được đơn.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return _save(pdf, generated / "quy-trinh.pdf")


@pytest.fixture(scope="module")
def law_pdf(generated: Path, font: str) -> Path:
    pdf = _pdf(font, size=11)
    for line in (FIXTURES / "luat-mau.txt").read_text(encoding="utf-8").splitlines():
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")  # long lines wrap, justified
    return _save(pdf, generated / "luat-mau.pdf")


@pytest.fixture(scope="module")
def scanned_pdf(generated: Path, font: str) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    lines = (
        "Đơn khiếu nại về việc thu hồi đất",
        "Kính gửi: Ủy ban nhân dân xã Văn Miếu.",
        "Tôi đề nghị được giải quyết quyền lợi hợp pháp.",
    )
    image = Image.new("L", (1700, 400), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((60, 60 + 100 * row), line, font=ImageFont.truetype(font, 44), fill=0)
    path = generated / "don-scan.pdf"
    image.save(path, resolution=200)
    return path


@pytest.fixture(scope="module")
def corrupt_pdf(generated: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (200, 100), 255).save(buffer, format="PDF")
    path = generated / "hong.pdf"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


# -- the corpus of laws --


def test_law_titles_come_from_the_documents(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    assert {name: doc.title for name, (doc, _) in laws.items()} == LAW_TITLES


def test_every_article_of_every_law_is_one_unit(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    for name, (_, chunks) in laws.items():
        expected = {int(n) for n in re.findall(r"^Điều (\d+)", (LAWS / name).read_text(encoding="utf-8"), re.M)}
        runs = [article for article, _ in itertools.groupby(c.article for c in chunks if c.article is not None)]
        assert set(runs) == expected, name
        assert len(runs) == len(expected), f"{name}: một điều bị cắt rời ở hai nơi"


def test_article_chunks_carry_chapter_and_article(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    for name, (doc, chunks) in laws.items():
        assert len({c.anchor for c in chunks}) == len(chunks), name
        for chunk in chunks:
            assert chunk.text and len(chunk.text) <= 1200 and is_nfc(chunk.text), chunk.anchor
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", chunk.anchor), chunk.anchor
            assert chunk.heading[0] == doc.title
            if chunk.article is None:
                continue
            article_labels = [h for h in chunk.heading if re.fullmatch(rf"Điều {chunk.article}(\. .+)?", h)]
            assert len(article_labels) == 1, (name, chunk.heading)
            assert any(h.startswith("Chương ") for h in chunk.heading), (name, chunk.heading)
            assert not chunk.text.startswith(f"Điều {chunk.article}."), (name, chunk.anchor)


def test_khieu_nai_article_28(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    _, chunks = laws["Luat-khieu-nai-2011-132446.txt"]
    [chunk] = [c for c in chunks if c.article == 28]
    assert chunk.heading == (
        "Luật Khiếu nại 2011",
        "Chương 3. GIẢI QUYẾT KHIẾU NẠI",
        "Mục 2. TRÌNH TỰ, THỦ TỤC GIẢI QUYẾT KHIẾU NẠI LẦN ĐẦU",
        "Điều 28. Thời hạn giải quyết khiếu nại lần đầu",
    )
    assert chunk.anchor == "dieu-28"
    assert heading_text(chunk).startswith("Luật Khiếu nại 2011 > Chương 3. GIẢI QUYẾT KHIẾU NẠI > Mục 2.")
    assert chunk.text.startswith("Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày")


def test_long_articles_are_split_at_clauses(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    _, chunks = laws["Luat-dat-dai-2013-215836.txt"]
    article_3 = [c for c in chunks if c.article == 3]
    assert [c.heading[-1] for c in article_3][:2] == ["Khoản 1–6", "Khoản 7–11"]
    assert all(c.heading[-2] == "Điều 3. Giải thích từ ngữ" for c in article_3)
    assert article_3[1].text.startswith("7. ")


def test_preamble_kept_boilerplate_dropped_closing_last(laws: dict[str, tuple[ParsedDocument, list[Chunk]]]) -> None:
    constitution = laws["Hien-phap-2013.txt"][1]
    assert constitution[0].heading == ("Hiến pháp 2013", "Phần mở đầu")
    assert constitution[0].text.startswith("LỜI NÓI ĐẦU\nTrải qua mấy nghìn năm lịch sử")
    for name, (doc, chunks) in laws.items():
        assert not any("Độc lập - Tự do" in c.text or "Luật số:" in c.text for c in chunks), name
        assert chunks[-1].heading == (doc.title, "Phần kết") and "thông qua" in chunks[-1].text, name
        if name != "Hien-phap-2013.txt":
            assert chunks[0].text.startswith("Căn cứ Hiến pháp"), name


# -- the chunker on a small law of our own --


def test_small_law_structure_and_clause_split() -> None:
    doc = read_document(FIXTURES / "luat-mau.txt")
    assert doc.title == "Luật Thử nghiệm chia đoạn 2024"
    chunks = chunk_document(doc, max_chars=300)
    assert all(len(c.text) <= 300 for c in chunks)
    assert [c.article for c in chunks] == [None, 1, 2, 2, 2, 2, 3, 4, None]
    chapter = ("Luật Thử nghiệm chia đoạn 2024", "Chương I. NHỮNG QUY ĐỊNH CHUNG")
    assert chunks[1].heading == (*chapter, "Điều 1. Phạm vi điều chỉnh")
    article_2 = [c for c in chunks if c.article == 2]
    assert {c.heading[:-1] for c in article_2} == {(*chapter, "Điều 2. Quyền và nghĩa vụ của người phản ánh")}
    assert [c.heading[-1] for c in article_2] == ["Khoản 1", "Khoản 1", "Khoản 1", "Khoản 2–3"]
    assert [c.anchor for c in article_2] == [
        "dieu-2-khoan-1-doan-1",
        "dieu-2-khoan-1-doan-2",
        "dieu-2-khoan-1-doan-3",
        "dieu-2-khoan-2-3",
    ]
    assert article_2[0].text.startswith("1. Người phản ánh có các quyền sau đây:\na) ")
    assert article_2[1].text.startswith("b) ") and article_2[3].text.startswith("2. ")
    assert chunks[6].heading == (*chapter, "Mục 1. TIẾP NHẬN PHẢN ÁNH", "Điều 3. Thời hạn thụ lý")
    assert chunks[7].heading[1] == "Chương II. ĐIỀU KHOẢN THI HÀNH"
    assert chunks[8].text.endswith("CHỦ TỊCH QUỐC HỘI\nTrần Thanh Mẫn")
    whole = chunk_document(doc)
    assert [c.anchor for c in whole if c.article == 2] == ["dieu-2"]


def test_law_as_pdf_keeps_its_structure(law_pdf: Path) -> None:
    from_pdf = chunk_document(read_document(law_pdf), max_chars=300)
    from_text = chunk_document(read_document(FIXTURES / "luat-mau.txt"), max_chars=300)
    assert [(c.heading, c.anchor, c.text, c.article) for c in from_pdf] == [
        (c.heading, c.anchor, c.text, c.article) for c in from_text
    ]


def test_plain_text_is_packed_by_paragraph_and_sentence() -> None:
    sentence = "Cán bộ Mặt trận tiếp nhận phản ánh của người dân và trả lời trong thời hạn luật định."
    doc = ParsedDocument(
        "Sổ tay",
        [
            Block("title", "Sổ tay", 1),
            Block("text", "Mở đầu ngắn."),
            Block("title", "Phần một", 2),
            Block("text", " ".join([sentence] * 8)),
            Block("title", "Chi tiết", 3),
            Block("text", sentence),
            Block("title", "Phần hai", 2),
            Block("text", sentence),
        ],
    )
    chunks = chunk_document(doc, max_chars=200)
    assert [c.heading for c in chunks] == [("Sổ tay",)] + [("Sổ tay", "Phần một")] * 4 + [
        ("Sổ tay", "Phần một", "Chi tiết"),
        ("Sổ tay", "Phần hai"),
    ]
    assert all(len(c.text) <= 200 and c.text.endswith(".") for c in chunks)
    assert len({c.anchor for c in chunks}) == len(chunks)
    assert chunks[1].anchor == "phan-mot-2"


# -- every supported format --


@pytest.mark.parametrize(
    ("source", "title", "heading", "snippet"),
    [
        (
            "huong-dan-gui-phan-anh.md",
            "Hướng dẫn gửi phản ánh, kiến nghị",
            ("Hướng dẫn gửi phản ánh, kiến nghị", "Bước 1. Chuẩn bị hồ sơ", "Lưu ý khi chuẩn bị"),
            "Không gửi bản gốc",
        ),
        (
            "hoi-dap-tiep-can-thong-tin.html",
            "Hỏi đáp về quyền tiếp cận thông tin",
            ("Hỏi đáp về quyền tiếp cận thông tin", "Chi phí"),
            "Xem tại chỗ | Miễn phí",
        ),
        (
            "thong-bao-tiep-cong-dan.txt",
            "Thông báo lịch tiếp công dân",
            ("Thông báo lịch tiếp công dân", "Địa điểm tiếp"),
            "Trụ sở Ủy ban Mặt trận Tổ quốc xã",
        ),
        (
            "docx_file",
            "Hướng dẫn tiếp công dân",
            ("Hướng dẫn tiếp công dân", "Chuẩn bị", "Địa điểm"),
            "Thứ Hai | 7 giờ 30",
        ),
        (
            "text_pdf",
            "Quy trình giải quyết phản ánh",
            ("Quy trình giải quyết phản ánh",),
            "trong thời hạn năm ngày làm việc, kể từ ngày nhận được đơn.",
        ),
    ],
)
def test_each_format_parses_into_nfc_blocks_and_headings(
    request: pytest.FixtureRequest, source: str, title: str, heading: tuple[str, ...], snippet: str
) -> None:
    path = FIXTURES / source if "." in source else request.getfixturevalue(source)
    doc = read_document(path)
    assert doc.title == title
    assert doc.blocks and all(b.text and b.text == b.text.strip() and is_nfc(b.text) for b in doc.blocks)
    chunks = chunk_document(doc)
    assert heading in [c.heading for c in chunks]
    assert any(snippet in c.text for c in chunks)
    assert all(c.article is None and is_nfc(c.text) for c in chunks)


def test_scanned_pdf_is_read_by_ocr(scanned_pdf: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("chưa cài tesseract (scripts/setup cài khi chạy với quyền root)")
    doc = read_document(scanned_pdf)
    text = "\n".join(b.text for b in doc.blocks)
    assert is_nfc(text)
    for words in ("khiếu nại", "thu hồi đất", "Ủy ban nhân dân", "quyền lợi hợp pháp"):
        assert words in text, text


def test_unreadable_files_raise_partition_error(tmp_path: Path, corrupt_pdf: Path) -> None:
    cases = {
        "rong.txt": (b"", "rỗng"),
        "trang.md": (b" \n\t\n", "rỗng"),
        "chuong-trinh.exe": (b"MZ\x90\x00", "Không hỗ trợ"),
        "goi.zip": (b"PK\x03\x04", "Không hỗ trợ"),
        "gia.pdf": ("Không phải PDF".encode(), "không phải PDF"),
        "gia.docx": ("Không phải DOCX".encode(), "không phải DOCX"),
        "nhi-phan.txt": (b"\x00\x01\x02abc", "nhị phân"),
        "chi-co-script.html": (b"<html><body><script>var x = 1;</script></body></html>", "Không đọc được nội dung nào"),
    }
    paths = {tmp_path / name: reason for name, (_, reason) in cases.items()}
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    paths[corrupt_pdf] = "bị hỏng"
    for path, reason in paths.items():
        with pytest.raises(PartitionError) as caught:
            read_document(path)
        assert reason in str(caught.value) and path.name in str(caught.value)


def test_supported_suffixes() -> None:
    assert {".pdf", ".docx", ".html", ".htm", ".txt", ".md"} == SUPPORTED_SUFFIXES
