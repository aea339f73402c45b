"""Members without a database: field rules, header variants, file reading, personal-data protection, formats."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from mattran.domain import member_io, member_vocab
from mattran.domain.members import (
    FieldError,
    MemberView,
    NationalId,
    parse_birth_year,
    parse_national_id,
    parse_phone,
    parse_term,
    validate,
)
from mattran.domain.privacy import mask_email, mask_phone, personal_data
from mattran.domain.sectors import Sector, SectorError, parse_sector, sector_text
from mattran.settings import Settings
from web.formats import vn_number, vn_percent

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("1975", 1975),
        (1975, 1975),
        (1975.0, 1975),
        ("15/08/1975", 1975),
        ("1/2/1980", 1980),
        ("1975-08-15", 1975),
        (date(1990, 1, 1), 1990),
    ],
)
def test_birth_year_accepts_years_and_dates(value: object, year: int) -> None:
    assert parse_birth_year(value, TODAY) == year


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/1980", "không tồn tại"),
        ("19x5", "ghi năm (1975) hoặc ngày sinh"),
        ("1899", "phải từ 1900 đến 2008"),
        ("2015", "đủ 18 tuổi"),
    ],
)
def test_birth_year_refuses_impossible_values_in_vietnamese(value: str, message: str) -> None:
    with pytest.raises(FieldError, match=re.escape(message)):
        parse_birth_year(value, TODAY)


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        (912345678, "0912345678"),
        ("024-3825-7272", "02438257272"),
    ],
)
def test_phone_numbers_are_normalised(value: object, phone: str) -> None:
    assert parse_phone(value) == phone


@pytest.mark.parametrize("value", ["12345", "0012345678", "09123456789012", "abc"])
def test_bad_phone_numbers_are_refused(value: str) -> None:
    with pytest.raises(FieldError, match="Số điện thoại không hợp lệ"):
        parse_phone(value)


def test_national_id_checks_length_province_and_birth_year() -> None:
    assert parse_national_id("025 175 012 345", 1975) == NationalId("025175012345", "345")
    assert parse_national_id(25175012345, 1975).digits == "025175012345"  # a spreadsheet dropped the leading 0
    assert parse_national_id("025203012345", 2003).last3 == "345"  # 2: a man born in the 2000s
    with pytest.raises(FieldError, match="đúng 12 chữ số"):
        parse_national_id("0251750123")
    with pytest.raises(FieldError, match="mã tỉnh"):
        parse_national_id("099175012345")
    with pytest.raises(FieldError, match="không khớp với năm sinh"):
        parse_national_id("025175012345", 1976)


def test_a_masked_national_id_from_an_export_keeps_only_the_last_digits() -> None:
    assert parse_national_id("*********345") == NationalId(None, "345")
    assert "025175012345" not in repr(parse_national_id("025175012345"))


def test_term_is_five_years_with_an_en_dash() -> None:
    assert parse_term("nhiệm kỳ 2024 - 2029") == "2024–2029"
    with pytest.raises(FieldError, match="5 năm"):
        parse_term("2024-2030")


def test_vocabularies_accept_common_spellings() -> None:
    assert member_vocab.canonical_ethnicity("H'Mông") == "Mông"
    assert member_vocab.canonical_ethnicity("ede") == "Ê Đê"
    assert member_vocab.canonical_ethnicity("Klingon") is None
    assert len(member_vocab.ETHNICITIES) == len(set(member_vocab.ETHNICITIES)) == 54
    assert member_vocab.canonical_position("UV BTT") == "Ủy viên Ban Thường trực"
    assert member_vocab.canonical_position("Uỷ viên") == "Ủy viên"  # old-style tone placement
    assert member_vocab.canonical_organisation("Hội LHPN") == "Hội Liên hiệp Phụ nữ"
    assert member_vocab.canonical_organisation("Hội Chữ thập đỏ") == "Hội Chữ thập đỏ"
    assert member_vocab.canonical_religion("Thiên Chúa giáo") == "Công giáo"
    assert member_vocab.gender_code("NỮ") == "nu"


def test_validate_reports_every_bad_field_at_once() -> None:
    draft, errors = validate("08611", {"full_name": "  ", "gender": "x", "birth_year": "abc", "email": "a@b"})
    assert draft is None
    assert set(errors) == {"full_name", "gender", "birth_year", "email"}
    assert errors["gender"] == "Giới tính “x” không hợp lệ: ghi Nam, Nữ hoặc Khác."


def test_headers_are_matched_without_diacritics_and_with_variants() -> None:
    columns, warnings = member_io.map_columns(
        ["STT", "HO TEN", "gioi tinh", "Ngày tháng năm sinh", "SĐT", "Số CCCD (12 số)", "Mã ĐVHC", "Quê quán", "Họ tên"]
    )
    assert columns == {"full_name": 1, "gender": 2, "birth_year": 3, "phone": 4, "national_id": 5, "unit_code": 6}
    assert [w.message for w in warnings] == [
        "Không nhận ra cột “Quê quán”; cột này được bỏ qua.",
        "Cột “Họ tên” trùng với cột “HO TEN”; cột này được bỏ qua.",
    ]


def _cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: letters with circumflex, breve or horn whole, tone marks apart."""
    out = []
    for char in text:
        base, *marks = unicodedata.normalize("NFD", char)
        tones = "".join(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tones))
        out.append((letter + tones).encode("cp1258"))
    return b"".join(out)


def test_csv_with_semicolons_and_windows_1258_is_read() -> None:
    text = "Họ và tên;Năm sinh\r\nNguyễn Văn A;1970\r\n;\r\nTrần Thị B;1980\r\n"
    for data in (text.encode("utf-8-sig"), _cp1258(text)):
        sheet = member_io.read_table(data)
        assert sheet.headers == ["Họ và tên", "Năm sinh"]
        assert sheet.rows == [(2, ["Nguyễn Văn A", "1970"]), (4, ["Trần Thị B", "1980"])]  # row numbers as in Excel


def test_xlsx_keeps_numbers_dates_and_row_numbers() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Ngày sinh", "Số điện thoại"])
    sheet.append([])
    sheet.append(["Nguyễn Văn A", date(1970, 5, 1), 912345678])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = member_io.read_table(buffer.getvalue())
    assert table.rows[0][0] == 3
    assert parse_birth_year(table.rows[0][1][1], TODAY) == 1970
    assert parse_phone(table.rows[0][1][2]) == "0912345678"


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook ``data`` with its first sheet's XML changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            target.writestr(name, change(part) if name == "xl/worksheets/sheet1.xml" else part)
    return out.getvalue()


def test_xlsx_date_cells_and_numbers_typed_as_text_read_as_typed() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    headers = ["Họ và tên", "Ngày sinh", "Ngày bắt đầu", "Nhiệm kỳ", "Số điện thoại", "Số CCCD"]
    for column, header in enumerate(headers, start=2):  # the table starts at B3, as some templates do
        sheet.cell(row=3, column=column, value=header)
    data = ["Lò Thị Mai", date(1985, 3, 9), datetime(2024, 7, 13), "2024–2029", "0912345678", "001185012345"]
    for column, value in enumerate(data, start=2):
        sheet.cell(row=5, column=column, value=value)
    table = member_io.read_table(_saved(workbook))
    assert [number for number, _ in table.rows] == [5]  # the row number Excel shows
    columns, _ = member_io.map_columns(table.headers)
    cells = table.rows[0][1]
    assert isinstance(cells[columns["started_on"]], datetime)  # a date cell is a date, not a serial number
    assert (cells[columns["phone"]], cells[columns["national_id"]]) == ("0912345678", "001185012345")  # zeros kept
    values = {key: member_io.clean_cell(cells[i]) for key, i in columns.items()}
    draft, errors = validate("08611", values)
    assert errors == {} and draft is not None
    assert (draft.birth_year, draft.started_on, draft.term) == (1985, date(2024, 7, 13), "2024–2029")
    assert (draft.phone, draft.national_id and draft.national_id.digits) == ("0912345678", "001185012345")
    number_sheet = Workbook()
    assert number_sheet.active is not None
    number_sheet.active.append(["Họ và tên", "Năm sinh", "Số điện thoại", "Số CCCD", "Nhiệm kỳ"])
    number_sheet.active.append(["Lò Văn Xa", 1990, 912345678, 1190012345, 2024.5])
    row = member_io.read_table(_saved(number_sheet)).rows[0][1]
    assert row[1:] == [1990, 912345678, 1190012345, 2024.5] and type(row[1]) is int  # whole numbers as int


def test_xlsx_too_wide_is_refused_and_cells_without_positions_still_read() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Năm sinh"])
    sheet.append(["Lò Văn Xa", 1990])
    sheet.cell(row=1000, column=16_384, value="x")  # 16.384 columns × 1.000 rows: a block of 16 million cells
    with pytest.raises(member_io.UnreadableFile, match=r"quá 10\.000\.000 ô"):
        member_io.read_table(_saved(workbook))
    plain = Workbook()
    assert plain.active is not None
    for row in (["Họ và tên", "Năm sinh"], ["Lò Văn Xa", 1990]):
        plain.active.append(row)
    unpositioned = _with_sheet(_saved(plain), lambda xml: re.sub(rb' r="[A-Z]*\d+"', b"", xml))
    assert b' r="' not in zipfile.ZipFile(io.BytesIO(unpositioned)).read("xl/worksheets/sheet1.xml")
    assert member_io.read_table(unpositioned).rows == [(2, ["Lò Văn Xa", 1990])]


def test_unreadable_files_are_refused_in_vietnamese() -> None:
    with pytest.raises(member_io.UnreadableFile, match="Excel"):
        member_io.read_table(b"PK\x03\x04 not really a zip")
    with pytest.raises(member_io.UnreadableFile, match="không có dữ liệu"):
        member_io.read_table(b"\n\n")


def test_exported_text_never_runs_as_a_formula_and_reads_back_unchanged() -> None:
    formula = '=HYPERLINK("http://example.com","Bấm vào đây")'
    given = {"id": 1, "unit_code": "08611", "unit_name": "Xã Văn Miếu, Tỉnh Phú Thọ", "full_name": "Nguyễn Văn A"}
    given |= {"gender": "nam", "birth_year": 1970, "organisation": formula, "national_id": "*********345"}
    member = MemberView.model_validate(dict.fromkeys(MemberView.model_fields) | given)  # the other fields empty
    xlsx = member_io.to_xlsx(member_io.export_rows([member]))
    cell = load_workbook(io.BytesIO(xlsx)).worksheets[0]["G2"]
    assert (cell.value, cell.data_type) == (formula, "s")
    csv_text = member_io.to_csv(member_io.export_rows([member])).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    for data in (xlsx, csv_text.encode()):
        sheet = member_io.read_table(data)
        columns, _ = member_io.map_columns(sheet.headers)
        assert member_io.clean_cell(sheet.rows[0][1][columns["organisation"]]) == formula


def test_contacts_are_encrypted_bound_to_their_field_and_the_key(tmp_path: Path) -> None:
    protector = personal_data(Settings(data_dir=tmp_path / "a"))
    blob = protector.encrypt("phone", "0912345678")
    assert blob is not None and b"0912345678" not in blob and blob.startswith(protector.prefix)  # carries its key id
    assert protector.encrypt("phone", "0912345678") != blob  # a random nonce each time
    assert protector.decrypt("phone", blob) == "0912345678"
    assert protector.decrypt("email", blob) is None  # moved to another column: refused
    other = personal_data(Settings(data_dir=tmp_path / "b"))
    assert other.decrypt("phone", blob) is None
    assert protector.national_id_hash("025175012345") == protector.national_id_hash("025175012345")
    assert protector.national_id_hash("025175012345") != other.national_id_hash("025175012345")
    # rotation: the old key moved to keys/retired/ still reads, a new one is created for new values
    keys = tmp_path / "a" / "keys"
    (keys / "retired").mkdir()
    (keys / "personal-data.key").rename(keys / "retired" / "personal-data.key")
    rotated = personal_data(Settings(data_dir=tmp_path / "a"))
    assert rotated.key_id != protector.key_id and rotated.decrypt("phone", blob) == "0912345678"


def test_personal_data_is_masked_in_representations_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    draft, _ = validate(
        "08611",
        {
            "full_name": "Nguyễn Văn A",
            "phone": "0912345678",
            "email": "nguyen.a@example.com",
            "national_id": "025175012345",
            "birth_year": 1975,
        },
    )
    logging.getLogger("test").warning("draft %r", draft)
    assert "0912345678" not in caplog.text and "nguyen.a@" not in caplog.text and "025175012345" not in caplog.text
    assert mask_phone("0912345678") == "091****678"
    assert mask_email("nguyen.a@example.com") == "n***@example.com"


def test_vietnamese_number_formats() -> None:
    assert vn_number(1234) == "1.234"
    assert vn_number(1234567) == "1.234.567"
    assert vn_percent(0.125) == "12,5%"
    assert vn_percent(0.5) == "50%"
    assert vn_percent(1 / 3) == "33,3%"


@pytest.mark.parametrize(
    ("typed", "kind", "detail"),
    [
        ("Tôn giáo: Thiên Chúa giáo", Sector.RELIGION, "Công giáo"),
        ("ton giao phat giao", Sector.RELIGION, "Phật giáo"),
        ("Cao Đài", Sector.RELIGION, "Cao Đài"),
        ("Dân tộc: H'Mông", Sector.ETHNICITY, "Mông"),
        ("Khmer", Sector.ETHNICITY, "Khmer"),
        ("doanh nhan", Sector.BUSINESS, None),
        ("Kiều bào", Sector.OVERSEAS, None),
        ("CÁ NHÂN TIÊU BIỂU", Sector.INDIVIDUAL, None),
        ("Khác: Trí thức", Sector.OTHER, "Trí thức"),
        ("organisation", Sector.ORGANISATION, None),
    ],
)
def test_a_sector_is_read_as_cadres_write_it_and_written_back_the_same(
    typed: str, kind: Sector, detail: str | None
) -> None:
    assert parse_sector(typed) == (kind, detail)
    assert parse_sector(sector_text(kind, detail) or "") == (kind, detail)  # what an export writes imports back


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Hội đồng hương", "Thành phần đại diện “Hội đồng hương” không hợp lệ"),
        ("Không", "Thành phần đại diện “Không” không hợp lệ"),
        ("Dân tộc: Xyz", "Dân tộc “Xyz” không có trong danh mục 54 dân tộc Việt Nam."),
    ],
)
def test_an_unknown_sector_is_refused_in_vietnamese(typed: str, message: str) -> None:
    with pytest.raises(SectorError, match=re.escape(message)):
        parse_sector(typed)


def test_a_seat_represents_its_organisation_unless_another_sector_is_given() -> None:
    draft, errors = validate("08611", {"full_name": "Hà Văn Hội", "organisation": "hnd"})
    assert not errors and draft is not None and (draft.sector, draft.sector_detail) == ("organisation", None)
    draft, errors = validate("08611", {"full_name": "Hà Văn Đạo", "organisation": "hnd", "sector": "Công giáo"})
    assert not errors and draft is not None and (draft.sector, draft.sector_detail) == ("religion", "Công giáo")
    assert validate("08611", {"full_name": "Hà Văn Trống", "sector": "Tổ chức thành viên"})[1] == {
        "sector": "Đại diện tổ chức thành viên nhưng chưa ghi tên tổ chức."
    }
    draft, errors = validate("08611", {"full_name": "Hà Văn Ngày", "started_on": "15/06/2024"})
    assert draft is not None and draft.started_on == date(2024, 6, 15)
    assert validate("08611", {"full_name": "Hà Văn Sai", "started_on": "2024-02-30"})[1] == {
        "started_on": "Ngày “2024-02-30” không tồn tại."
    }
