"""Malformed and hostile uploads to the running platform: petition attachments, member imports, library documents.

Truncated PDFs, real zip bombs (2 GiB of zeros in ≈2 MB) dressed as .xlsx and .docx, programs renamed .pdf or .png,
empty files, bodies far over the limit: each is refused quickly with a 4xx and a Vietnamese message about the file,
and nothing is stored. A file name that climbs out of its folder is refused for an attachment; the library keeps
only its last part.
"""

from __future__ import annotations

import html
import io
import re
import socket
import struct
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx2
import psycopg
import pytest
from fpdf import FPDF

from mattran.domain import member_io
from tests.support.files import xlsx
from tests.support.platform import Platform

CADRE = {"sub": "hostile-tinh", "name": "Cán bộ tỉnh (tệp độc hại)", "roles": ["province_cadre"], "unit": "91"}
ADMIN = {"sub": "hostile-admin", "name": "Quản trị (tệp độc hại)", "roles": ["admin"], "unit": "TW"}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8  # a Windows program
BOMB_BYTES = 2 * 1024**3  # what the zip bombs expand to


def text_pdf() -> bytes:
    """A small, complete PDF with a few lines of text."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for i in range(1, 30):
        pdf.multi_cell(
            0, 7, f"Dieu {i}. Noi dung thu nghiem so {i} cua van ban kiem tra tep hong.", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


PDF = text_pdf()
TRUNCATED_PDF = PDF[: len(PDF) // 2]


def _deflated(data: bytes) -> bytes:
    """Raw deflate blocks for ``data`` that decode alone (a full flush), so that they can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _bomb_member(head: bytes, tail: bytes, size: int) -> tuple[bytes, int, int]:
    """``head`` + ``size`` bytes of "0" + ``tail``, compressed ≈1000:1: (deflate stream, CRC-32, size)."""
    block = b"0" * (1024 * 1024)
    piece, crc = _deflated(block), zlib.crc32(head)
    for _ in range(size // len(block)):
        crc = zlib.crc32(block, crc)
    stream = _deflated(head) + piece * (size // len(block)) + _deflated(tail) + b"\x03\x00"  # final empty block
    return stream, zlib.crc32(tail, crc), len(head) + size // len(block) * len(block) + len(tail)


def zip_with(members: dict[str, bytes], bomb: str, head: bytes, tail: bytes) -> bytes:
    """A zip of ``members`` whose member ``bomb`` is a real, consistent bomb (sizes and CRC true)."""
    entries = []
    for name, data in members.items():
        if name == bomb:
            entries.append((name, *_bomb_member(head, tail, BOMB_BYTES)))
        else:
            entries.append((name, zlib.compress(data, 9)[2:-4], zlib.crc32(data), len(data)))
    out, directory = io.BytesIO(), io.BytesIO()
    for name, stream, crc, size in entries:
        encoded, offset = name.encode(), out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), size, len(encoded), 0))
        out.write(encoded + stream)
        directory.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(stream),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    out.write(directory.getvalue())
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory.getvalue()), start, 0)
    )
    return out.getvalue()


def members_of(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xlsx_bomb() -> bytes:
    """A workbook whose one cell holds 2 GiB of zeros (≈2 MB on the wire)."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    return zip_with(
        members_of(xlsx([["Họ và tên"]])),
        "xl/worksheets/sheet1.xml",
        sheet,
        b"</t></is></c></row></sheetData></worksheet>",
    )


def docx_bomb() -> bytes:
    """A .docx whose body is one paragraph of 2 GiB of zeros."""
    types = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
    )
    return zip_with(
        {"[Content_Types].xml": types, "_rels/.rels": rels, "word/document.xml": b""},
        "word/document.xml",
        head,
        b"</w:t></w:r></w:p></w:body></w:document>",
    )


def counts(platform: Platform) -> tuple[int, ...]:
    """Rows that an accepted upload would add."""
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute(
            "select (select count(*) from petitions), (select count(*) from petition_attachments),"
            " (select count(*) from members), (select count(*) from library_documents)"
        ).fetchone()
    assert row is not None
    return tuple(row)


@pytest.fixture
def stores_nothing(platform: Platform) -> Iterator[None]:
    """The test's uploads leave every table as it was."""
    before = counts(platform)
    yield
    assert counts(platform) == before


def declared_huge(platform: Platform, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST a multipart body declared as 1 GiB but send only its first bytes: the answer must come anyway."""
    url = urlsplit(platform.base_url)
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {url.netloc}",
        "Content-Type: multipart/form-data; boundary=b",
        f"Content-Length: {1024**3}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    start = b'--b\r\nContent-Disposition: form-data; name="file"; filename="lon.xlsx"\r\n\r\n' + b"0" * 1024
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + start)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1].decode(errors="replace")


# -- petition attachments (the public form) --


def form_fields(client: httpx2.Client, platform: Platform) -> dict[str, str]:
    form = client.get(f"{platform.base_url}/phan-anh").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form[:500]
    return {
        "csrf_token": token.group(1),
        "title": "Cống thoát nước bị vỡ",
        "unit_text": "P. Ba Đình, HN",
        "content": "Cống thoát nước trước số nhà 5 bị vỡ, nước bẩn tràn ra đường.",
    }


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("bien-ban.pdf", TRUNCATED_PDF, "application/pdf", "Tệp “bien-ban.pdf” là PDF không đầy đủ"),
        ("bien-ban.pdf", EXE, "application/pdf", "Tệp “bien-ban.pdf” không phải ảnh (JPEG, PNG, WebP) hoặc PDF."),
        ("anh.png", EXE, "image/png", "Tệp “anh.png” không phải ảnh (JPEG, PNG, WebP) hoặc PDF."),
        ("trong.pdf", b"", "application/pdf", "Tệp “trong.pdf” rỗng."),
        ("../../etc/passwd.pdf", PDF, "application/pdf", "Tên tệp “../../etc/passwd.pdf” không hợp lệ"),
        ("..\\..\\Windows\\win.ini.pdf", PDF, "application/pdf", "không kèm thư mục"),
    ],
    ids=["truncated-pdf", "exe-as-pdf", "exe-as-png", "empty", "path-traversal", "windows-path"],
)
def test_hostile_attachments_are_refused_next_to_the_field(
    platform: Platform, stores_nothing: None, name: str, data: bytes, content_type: str, message: str
) -> None:
    with httpx2.Client(timeout=60) as client:
        r = client.post(
            f"{platform.base_url}/phan-anh",
            data=form_fields(client, platform),
            files=[("attachments", (name, data, content_type))],
        )
    assert r.status_code == 422
    error = re.search(r'<p class="error" id="attachments-error" role="alert">([^<]*)</p>', r.text)
    assert error and message in html.unescape(error.group(1))
    assert "Cống thoát nước trước số nhà 5" in r.text  # what was typed is kept


def test_a_petition_body_declared_far_over_the_limit_is_refused_before_it_is_read(
    platform: Platform, stores_nothing: None
) -> None:
    started = time.monotonic()
    status, body = declared_huge(platform, "/phan-anh", {"Accept": "text/html"})
    assert status == 413 and "Dữ liệu gửi lên quá lớn" in html.unescape(body)
    assert time.monotonic() - started < 10


# -- member imports (API and page) --


def _import(platform: Platform, name: str, data: bytes) -> httpx2.Response:
    return httpx2.post(
        f"{platform.base_url}/api/members/import",
        timeout=60,
        headers={"Authorization": f"Bearer {platform.mint(CADRE)}"},
        files={"file": (name, data, "application/octet-stream")},
        data={"mode": "skip"},
    )


LONG_CELL = "Họ và tên,Năm sinh\r\n" + "A" * 200_000 + ",1980\r\n"


def _far_row_workbook() -> bytes:
    """A workbook whose second row claims to be row 1,000,000,000 (readers fill the gap with empty rows)."""
    package = members_of(xlsx([["Họ và tên"], ["Lò Văn Xa"]]))
    package["xl/worksheets/sheet1.xml"] = (
        package["xl/worksheets/sheet1.xml"]
        .replace(b'r="2"', b'r="1000000000"')
        .replace(b'r="A2"', b'r="A1000000000"')
        .replace(b'ref="A1:A2"', b'ref="A1:A1000000000"')
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("danh-sach.xlsx", xlsx_bomb, "giải nén quá lớn"),
        ("danh-sach.xlsx", lambda: xlsx([["Họ và tên"], ["Lò Văn Xa"]])[:700], "Không đọc được tệp Excel (.xlsx)."),
        ("danh-sach.xlsx", lambda: EXE, "không phải bảng dữ liệu"),
        ("danh-sach.csv", lambda: EXE, "không phải bảng dữ liệu"),
        ("danh-sach.csv", lambda: b"", "Tệp không có dữ liệu"),
        ("danh-sach.csv", lambda: LONG_CELL.encode(), "có ô quá dài"),
        ("danh-sach.xlsx", _far_row_workbook, "quá 1.048.576 dòng"),
    ],
    ids=["zip-bomb", "truncated-xlsx", "exe-as-xlsx", "exe-as-csv", "empty", "long-cell", "row-a-billion"],
)
def test_hostile_member_files_are_refused_quickly(
    platform: Platform, stores_nothing: None, name: str, build: Callable[[], bytes], message: str
) -> None:
    payload = build()
    started = time.monotonic()
    r = _import(platform, name, payload)
    assert r.status_code == 400, r.text
    assert message in r.json()["detail"]
    assert time.monotonic() - started < 20  # nothing expanded or walked to its claimed size


def test_a_member_import_declared_far_over_the_limit_is_refused_before_it_is_read(
    platform: Platform, stores_nothing: None
) -> None:
    status, body = declared_huge(platform, "/api/members/import", {"Authorization": f"Bearer {platform.mint(CADRE)}"})
    assert status == 413 and "quá lớn" in body


def test_the_import_page_shows_a_hostile_file_name_as_text(platform: Platform, stores_nothing: None) -> None:
    headers = {"Authorization": f"Bearer {platform.mint(CADRE)}", "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, timeout=60) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/can-bo/thanh-vien").text)
        assert token
        r = client.post(
            "/can-bo/thanh-vien/nhap",
            data={"mode": "skip", "csrf_token": token.group(1)},
            files={"file": ("../../<b>danh-sach</b>.xlsx", xlsx_bomb())},
        )
    assert r.status_code == 400 and "giải nén quá lớn" in r.text
    assert "<b>danh-sach</b>" not in r.text and "&lt;b&gt;danh-sach&lt;/b&gt;" in r.text


def test_a_utf16_csv_from_excel_is_read() -> None:
    sheet = member_io.read_table("Họ và tên\tNăm sinh\r\nLò Thị Mai\t1985\r\n".encode("utf-16"))
    assert sheet.headers == ["Họ và tên", "Năm sinh"] and sheet.rows == [(2, ["Lò Thị Mai", "1985"])]


# -- library uploads (administrators) --


@pytest.fixture
def admin(platform: Platform) -> Iterator[httpx2.Client]:
    headers = {"Authorization": f"Bearer {platform.mint(ADMIN)}", "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, timeout=120) as client:
        yield client


def _upload(client: httpx2.Client, name: str, data: bytes) -> httpx2.Response:
    form = client.get("/thu-vien/them")
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    return client.post(
        "/thu-vien/them", data={"csrf_token": token.group(1), "access": "public"}, files={"file": (name, data)}
    )


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("luat.pdf", lambda: TRUNCATED_PDF, "bị hỏng"),
        ("luat.pdf", lambda: EXE, "không phải PDF hợp lệ"),
        ("anh.png", lambda: EXE, "Không hỗ trợ định dạng “.png”"),
        ("trong.txt", lambda: b"", "rỗng"),
        ("van-ban.docx", docx_bomb, "giải nén quá lớn"),
    ],
    ids=["truncated-pdf", "exe-as-pdf", "exe-as-png", "empty", "docx-zip-bomb"],
)
def test_hostile_library_uploads_are_refused_next_to_the_field(
    admin: httpx2.Client, stores_nothing: None, name: str, build: Callable[[], bytes], message: str
) -> None:
    payload = build()
    started = time.monotonic()
    r = _upload(admin, name, payload)
    assert r.status_code == 422, r.text[:2000]
    error = re.search(r'<p class="error" id="file-error" role="alert">([^<]*)</p>', r.text)
    assert error and name in html.unescape(error.group(1)) and message in html.unescape(error.group(1))
    assert time.monotonic() - started < 60


def test_a_library_file_name_cannot_climb_out_of_its_folder(platform: Platform, admin: httpx2.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    text = f"Thông báo lịch tiếp công dân {tag}\n\nBan Thường trực tiếp công dân vào thứ Năm hằng tuần.\n"
    r = _upload(admin, "../../../etc/passwd.txt", text.encode())
    assert r.status_code == 303, r.text[:2000]
    document = re.fullmatch(r"/thu-vien/(\d+)\?da_them=1", r.headers["location"])
    assert document
    stored = httpx2.get(
        f"{platform.base_url}/api/library/documents/{document.group(1)}",
        headers={"Authorization": f"Bearer {platform.mint(ADMIN)}"},
    ).json()
    assert re.fullmatch(r"upload:[0-9a-f]{12}/passwd\.txt", stored["source"])
