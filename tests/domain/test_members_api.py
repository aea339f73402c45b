"""The members app through its API and pages on a running ``mattran up``: import, export, scope, statistics."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date
from typing import Any

import httpx2
import pytest

from mattran.auth.principal import Role
from mattran.domain import member_io
from mattran.domain.access import PermissionDenied
from mattran.domain.congress import CongressChange, congress_progress, update_congress
from mattran.domain.demo import synthetic_rows
from mattran.domain.member_stats import MemberFilters, count_members, member_stats
from mattran.domain.members import parse_day
from mattran.domain.units import load_resolver
from mattran.store.db import Database
from tests.support.checks import csrf_token, found
from tests.support.files import table_file
from tests.support.platform import Platform, bearer, owner_rows
from tests.support.principals import unit_cadre, van_mieu_cadre

BAO_HA, LAO_CAI_WARD = "02989", "02647"  # two communes of Lào Cai (15), a province without demo data
VAN_MIEU, VIET_TRI = "08611", "07900"  # Phú Thọ (25)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(platform: Platform, headers: dict[str, str], data: bytes, fmt: str, mode: str = "all") -> httpx2.Response:
    """POST /api/members/import."""
    return httpx2.post(
        f"{platform.base_url}/api/members/import",
        headers=headers,
        timeout=60,
        files={"file": (f"danh-sach.{fmt}", data, XLSX if fmt == "xlsx" else "text/csv")},
        data={"mode": mode, "consent": "true"},
    )


def exported(platform: Platform, headers: dict[str, str], fmt: str, unit: str | None = None) -> list[dict[str, Any]]:
    """GET /api/members/export, read back as column key → value per member."""
    params = {"format": fmt, **({"unit": unit} if unit else {})}
    response = httpx2.get(f"{platform.base_url}/api/members/export", params=params, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    sheet = member_io.read_table(response.content)
    columns, warnings = member_io.map_columns(sheet.headers)
    assert not warnings
    return [
        {k: member_io.clean_cell(cells[i]) if i < len(cells) else None for k, i in columns.items()}
        for _, cells in sheet.rows
    ]


@pytest.mark.parametrize(
    ("fmt", "unit_text", "code"),
    [("xlsx", "Xã Bảo Hà, Tỉnh Lào Cai", BAO_HA), ("csv", "phuong lao cai, lao cai", LAO_CAI_WARD)],
)
def test_import_then_export_gives_the_same_rows(platform: Platform, fmt: str, unit_text: str, code: str) -> None:
    headers = bearer(platform, "province_cadre", "15")
    rows = synthetic_rows(40, [unit_text], seed=f"vong-tron-{fmt}")
    report = upload(platform, headers, table_file(rows, fmt), fmt).json()
    assert report == {"mode": "all", "total": 40, "imported": 40, "skipped": 0, "errors": [], "warnings": []}

    back = exported(platform, headers, fmt, code)
    assert len(back) == 40
    by_name = {r["full_name"]: r for r in back}
    for row in rows:
        got = by_name[row["Họ và tên"]]
        assert (
            got["gender"],
            int(got["birth_year"]),
            got["ethnicity"],
            got["religion"],
            got["position"],
            got["organisation"],
            got["term"],
            got["sector"],
            parse_day(got["started_on"]),
            str(got["phone"]),
            got["email"],
        ) == (
            row["Giới tính"],
            row["Năm sinh"],
            row["Dân tộc"],
            row["Tôn giáo"],
            row["Chức vụ"],
            row["Tổ chức thành viên"],
            row["Nhiệm kỳ"],
            row["Thành phần đại diện"],
            parse_day(row["Ngày bắt đầu"]),
            row["Số điện thoại"],
            row["Email"],
        )
        assert got["unit_code"] == code and got["unit"].endswith("Tỉnh Lào Cai")
        assert got["national_id"] == "*********" + row["Số CCCD"][-3:]  # never the whole number

    # the exported file imports again as 40 duplicates: nothing changes
    again = upload(
        platform,
        headers,
        table_file([{member_io.HEADERS[k][0]: v for k, v in r.items()} for r in back], fmt),
        fmt,
        "skip",
    ).json()
    assert (again["imported"], again["skipped"]) == (0, 40)
    assert {e["message"] for e in again["errors"]} == {"Đã có trong cơ sở dữ liệu (cùng đơn vị, họ tên và năm sinh)."}
    assert owner_rows(platform, "select count(*) from members where unit_code = %s", code) == [(40,)]


_CHIENG_MUNG = "Xã Chiềng Mung, Sơn La"
BAD_FILE: list[dict[str, object]] = [
    {"Họ và tên": "Hoàng Văn Đúng", "Năm sinh": 1980, "Đơn vị": _CHIENG_MUNG, "Số CCCD": "014080123456"},
    {"Họ và tên": "Hoàng Văn Sai Năm", "Năm sinh": "31/02/1980", "Đơn vị": _CHIENG_MUNG, "Số CCCD": ""},
    {"Họ và tên": "Hoàng Văn Lạc", "Năm sinh": 1981, "Đơn vị": "Xã Không Có Thật, Sơn La", "Số CCCD": ""},
    {"Họ và tên": "Hoàng Văn Xa", "Năm sinh": 1982, "Đơn vị": "P. Ba Đình, HN", "Số CCCD": ""},
    {"Họ và tên": "hoang van dung", "Năm sinh": 1980, "Đơn vị": "xa chieng mung, son la", "Số CCCD": ""},
    {"Họ và tên": "Hoàng Văn Số", "Năm sinh": 1983, "Đơn vị": _CHIENG_MUNG, "Số CCCD": "014083"},
]
# the sector (thành phần đại diện) and the seat's start date, each refused with its own message
BAD_FILE = [{**r, "Thành phần đại diện": "", "Ngày bắt đầu": ""} for r in BAD_FILE] + [
    {
        "Họ và tên": "Lò Văn Dân",
        "Năm sinh": 1984,
        "Đơn vị": _CHIENG_MUNG,
        "Số CCCD": "",
        "Thành phần đại diện": "Dân tộc: Xyz",
        "Ngày bắt đầu": "",
    },
    {
        "Họ và tên": "Lò Văn Hội",
        "Năm sinh": 1985,
        "Đơn vị": _CHIENG_MUNG,
        "Số CCCD": "",
        "Thành phần đại diện": "Tổ chức thành viên",
        "Ngày bắt đầu": "",
    },
    {
        "Họ và tên": "Lò Văn Ngày",
        "Năm sinh": 1986,
        "Đơn vị": _CHIENG_MUNG,
        "Số CCCD": "",
        "Thành phần đại diện": "Doanh nhân",
        "Ngày bắt đầu": "31/04/2024",
    },
]
BAD_ERRORS = [
    (3, "Năm sinh", "Ngày sinh “31/02/1980” không tồn tại."),
    (4, "Đơn vị", "Không xác định được xã/phường trong “Xã Không Có Thật, Sơn La”; hãy ghi đúng tên hoặc mã đơn vị."),
    (5, "Đơn vị", "Đơn vị “P. Ba Đình, HN” (Phường Ba Đình) nằm ngoài phạm vi của bạn."),
    (6, "Họ và tên", "Trùng với dòng 2 (cùng đơn vị, họ tên và năm sinh)."),
    (7, "Số CCCD", "Số CCCD phải gồm đúng 12 chữ số."),
    (8, "Thành phần đại diện", "Dân tộc “Xyz” không có trong danh mục 54 dân tộc Việt Nam."),
    (9, "Thành phần đại diện", "Đại diện tổ chức thành viên nhưng chưa ghi tên tổ chức."),
    (10, "Ngày bắt đầu", "Ngày “31/04/2024” không tồn tại."),
]


def _son_la_count(platform: Platform) -> int:
    return owner_rows(platform, "select count(*) from members where unit_path <@ 'vn.14'")[0][0]


def test_row_errors_name_the_row_and_column_and_all_imports_nothing(platform: Platform) -> None:
    headers = bearer(platform, "province_cadre", "14")
    report = upload(platform, headers, table_file(BAD_FILE, "csv"), "csv", "all").json()
    assert [(e["row"], e["field"], e["message"]) for e in report["errors"]] == BAD_ERRORS
    assert (report["imported"], report["skipped"]) == (0, 9)
    assert _son_la_count(platform) == 0


def test_skip_imports_the_good_rows_and_a_second_run_finds_them(platform: Platform) -> None:
    headers = bearer(platform, "province_cadre", "14")
    data = table_file(BAD_FILE, "xlsx")
    report = upload(platform, headers, data, "xlsx", "skip").json()
    assert (report["imported"], report["skipped"]) == (1, 8)
    assert [e["row"] for e in report["errors"]] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert owner_rows(platform, "select full_name, birth_year from members where unit_path <@ 'vn.14'") == [
        ("Hoàng Văn Đúng", 1980)
    ]
    second = upload(platform, headers, data, "xlsx", "skip").json()
    assert second["imported"] == 0
    assert (2, "Họ và tên", "Đã có trong cơ sở dữ liệu (cùng đơn vị, họ tên và năm sinh).") in [
        (e["row"], e["field"], e["message"]) for e in second["errors"]
    ]
    assert _son_la_count(platform) == 1


def test_a_file_without_a_name_column_or_unreadable_is_refused(platform: Platform) -> None:
    headers = bearer(platform, "province_cadre", "14")
    report = upload(platform, headers, "Năm sinh\n1980\n".encode(), "csv").json()
    assert report["errors"] == [
        {"row": 1, "field": "Họ và tên", "message": "Thiếu cột “Họ và tên”: không nhập được dòng nào."}
    ]
    broken = upload(platform, headers, b"PK\x03\x04garbage", "xlsx")
    assert broken.status_code == 400 and broken.json()["detail"] == "Không đọc được tệp Excel (.xlsx)."


def test_personal_data_is_not_readable_in_the_database(platform: Platform) -> None:
    headers = bearer(platform, "commune_cadre", BAO_HA)
    member = {
        "unit_code": BAO_HA,
        "full_name": "Vàng Thị Bí Mật",
        "gender": "Nữ",
        "birth_year": 1990,
        "phone": "0987 654 321",
        "email": "bi.mat@example.com",
        "national_id": "015190654321",
    }
    created = httpx2.post(f"{platform.base_url}/api/members", headers=headers, json=member)
    assert created.status_code == 201, created.text
    assert (created.json()["phone"], created.json()["email"], created.json()["national_id"]) == (
        "0987654321",
        "bi.mat@example.com",
        "*********321",
    )
    [(whole, phone, email, hmac, last3)] = owner_rows(
        platform,
        "select m::text, phone_enc, email_enc, national_id_hmac, national_id_last3 from members m"
        " where full_name = 'Vàng Thị Bí Mật'",
    )
    for secret in ("0987654321", "987654321", "bi.mat", "015190654321"):
        assert secret not in whole
        assert secret.encode() not in bytes(phone) + bytes(email) + bytes(hmac)
    assert (len(bytes(hmac)), last3) == (32, "321")
    dump = owner_rows(platform, "select string_agg(m::text, ' ') from members m")[0][0]
    assert "0987654321" not in dump and "bi.mat@example.com" not in dump
    again = httpx2.post(f"{platform.base_url}/api/members", headers=headers, json=member)
    assert again.status_code == 409 and "đã có thành viên “Vàng Thị Bí Mật” sinh năm 1990" in again.json()["detail"]


def test_invalid_members_are_refused_field_by_field(platform: Platform) -> None:
    response = httpx2.post(
        f"{platform.base_url}/api/members",
        headers=bearer(platform, "commune_cadre", BAO_HA),
        json={
            "unit_code": BAO_HA,
            "full_name": "Sùng A Lỗi",
            "birth_year": 2015,
            "ethnicity": "Klingon",
            "national_id": "12",
        },
    )
    assert response.status_code == 422
    errors = response.json()["detail"]["errors"]
    assert set(errors) == {"birth_year", "ethnicity", "national_id"}
    assert errors["ethnicity"] == "Dân tộc “Klingon” không có trong danh mục 54 dân tộc Việt Nam."


@pytest.fixture(scope="module")
def viet_tri_member(platform: Platform) -> dict[str, Any]:
    """A member of Phường Việt Trì with contacts, added by the province cadre."""
    member = {
        "unit_code": VIET_TRI,
        "full_name": "Đinh Công Riêng Tư",
        "gender": "nam",
        "birth_year": 1971,
        "phone": "0911222333",
        "email": "rieng.tu@example.com",
        "national_id": "025071777888",
    }
    created = httpx2.post(
        f"{platform.base_url}/api/members", headers=bearer(platform, "province_cadre", "25"), json=member
    )
    assert created.status_code == 201, created.text
    return member


def test_a_commune_cadre_never_sees_another_communes_members(
    platform: Platform, viet_tri_member: dict[str, str]
) -> None:
    headers = bearer(platform, "commune_cadre", VAN_MIEU)
    base = platform.base_url
    listed = httpx2.get(f"{base}/api/members", headers=headers).json()
    assert listed and {m["unit_code"] for m in listed} == {VAN_MIEU}
    for path in (
        "/api/members",
        "/api/members/stats",
        "/api/members/export",
        "/api/members/count",
        "/can-bo/thanh-vien",
        "/can-bo/thanh-vien/thong-ke",
        "/can-bo",
    ):
        assert httpx2.get(f"{base}{path}", params={"unit": VIET_TRI}, headers=headers).status_code == 403, path
    leaks = ("Đinh Công Riêng Tư", "0911222333", "rieng.tu@", "025071777888")
    for fmt in ("csv", "xlsx"):
        rows = exported(platform, headers, fmt)
        assert {r["unit_code"] for r in rows} == {VAN_MIEU}
        assert not any(leak in str(r) for r in rows for leak in leaks)
    for path in ("/can-bo/thanh-vien", "/can-bo", "/can-bo/thanh-vien/thong-ke", "/"):
        page = httpx2.get(f"{base}{path}", headers={**headers, "Accept": "text/html"})
        assert page.status_code == 200 and not any(leak in page.text for leak in leaks), path
    stats = httpx2.get(f"{base}/api/members/stats", params={"by": "unit"}, headers=headers).json()
    assert [b["key"] for b in stats["buckets"]] == [VAN_MIEU]
    attempt = httpx2.post(f"{base}/api/members", headers=headers, json={**viet_tri_member, "full_name": "Kẻ Lạ"})
    assert attempt.status_code == 403
    report = upload(platform, headers, table_file([{"Họ và tên": "Kẻ Lạ", "Mã đơn vị": VIET_TRI}], "csv"), "csv").json()
    assert report["errors"] == [
        {"row": 2, "field": "Mã đơn vị", "message": "Đơn vị mã “07900” nằm ngoài phạm vi của bạn."}
    ]


def test_the_province_sees_its_communes_with_contacts_but_the_public_sees_nothing(
    platform: Platform, viet_tri_member: dict[str, str]
) -> None:
    listed = httpx2.get(
        f"{platform.base_url}/api/members",
        params={"unit": VIET_TRI, "q": "dinh cong rieng"},
        headers=bearer(platform, "province_cadre", "25"),
    ).json()
    assert [(m["full_name"], m["phone"], m["email"], m["national_id"]) for m in listed] == [
        ("Đinh Công Riêng Tư", "0911222333", "rieng.tu@example.com", "*********888")
    ]
    for who in (None, "citizen"):
        headers = {"Accept": "application/json"} if who is None else bearer(platform, who, None)
        assert httpx2.get(f"{platform.base_url}/api/members", headers=headers).status_code in (401, 403)
        assert httpx2.get(f"{platform.base_url}/api/members/export", headers=headers).status_code in (401, 403)


def _age_group(birth_year: int | None) -> str | None:
    if birth_year is None:
        return None
    age = date.today().year - birth_year
    return "<30" if age < 30 else "≥60" if age >= 60 else f"{age // 10 * 10}–{age // 10 * 10 + 9}"


def test_statistics_match_direct_counts(platform: Platform) -> None:
    rows = owner_rows(
        platform,
        "select m.gender, m.ethnicity, m.religion, m.birth_year, m.organisation, m.position,"
        " m.unit_path::text from members m where m.unit_path <@ 'vn.25'",
    )
    expected = {
        "gender": Counter(r[0] for r in rows),
        "ethnicity": Counter(r[1] for r in rows),
        "religion": Counter(r[2] for r in rows),
        "age": Counter(_age_group(r[3]) for r in rows),
        "organisation": Counter(r[4] for r in rows),
        "position": Counter(r[5] for r in rows),
        "unit": Counter(r[6].split(".")[min(2, len(r[6].split(".")) - 1)] for r in rows),
        "level": Counter(str(len(r[6].split(".")) - 1) for r in rows),
    }
    headers = bearer(platform, "province_cadre", "25")
    for by, counts in expected.items():
        stats = httpx2.get(f"{platform.base_url}/api/members/stats", params={"by": by}, headers=headers).json()
        assert stats["total"] == len(rows) > 50
        got = {b["key"]: b["count"] for b in stats["buckets"] if b["count"]}
        assert got == dict(counts), by
        assert sum(b["share"] for b in stats["buckets"]) == pytest.approx(1.0)
    women = sum(1 for r in rows if r[0] == "nu" and r[5] == "Ủy viên")
    count = httpx2.get(
        f"{platform.base_url}/api/members/count", headers=headers, params={"gender": "nữ", "position": "uỷ viên"}
    ).json()
    assert count == {"count": women} and women > 0
    commune = httpx2.get(
        f"{platform.base_url}/api/members/stats", params={"by": "gender", "unit": VAN_MIEU}, headers=headers
    ).json()
    assert commune["total"] == sum(1 for r in rows if r[6].endswith("." + VAN_MIEU))


def test_stats_page_shows_charts_and_vietnamese_numbers(platform: Platform) -> None:
    page = httpx2.get(
        f"{platform.base_url}/can-bo/thanh-vien/thong-ke",
        headers={**bearer(platform, "central_cadre", "TW"), "Accept": "text/html"},
    ).text
    total = owner_rows(platform, "select count(*) from members where ended_on is null")[0][0]
    assert found(r'<strong id="total">([\d.]+)</strong>', page) == f"{total:,}".replace(",", ".")
    assert page.count("<svg") == 8 and "<script" not in page
    for section in (
        "Theo giới tính",
        "Theo độ tuổi",
        "Theo dân tộc",
        "Theo tôn giáo",
        "Theo tổ chức thành viên",
        "Theo chức vụ",
        "Theo đơn vị",
        "Theo cấp",
    ):
        assert section in page
    assert re.search(r"\d+,\d%", page)  # decimal comma


def test_the_import_form_needs_its_csrf_token_and_shows_the_report(platform: Platform) -> None:
    headers = {**bearer(platform, "commune_cadre", LAO_CAI_WARD), "Accept": "text/html"}
    data = table_file(
        [{"Họ và tên": "Lù Văn Biểu Mẫu", "Năm sinh": 1988}, {"Họ và tên": "Lù Thị Sai", "Năm sinh": "năm ngoái"}],
        "csv",
    )
    with httpx2.Client(base_url=platform.base_url, headers=headers) as client:
        page = client.get("/can-bo/thanh-vien")
        token = csrf_token(page.text)
        files = {"file": ("ds.csv", data, "text/csv")}
        assert client.post("/can-bo/thanh-vien/nhap", files=files, data={"mode": "skip"}).status_code == 403
        shown = client.post(
            "/can-bo/thanh-vien/nhap", files=files, data={"mode": "skip", "csrf_token": token, "consent": "1"}
        )
    assert shown.status_code == 200
    assert "Đã nhập 1 thành viên trên 2 dòng; 1 dòng không được nhập." in " ".join(shown.text.split())
    assert "Năm sinh “năm ngoái” không hợp lệ" in shown.text
    assert owner_rows(platform, "select unit_code from members where full_name = 'Lù Văn Biểu Mẫu'") == [
        (LAO_CAI_WARD,)
    ]


VAN_MIEU_CADRE = van_mieu_cadre("thu-mien")


async def test_domain_functions_check_the_permission_themselves(platform: Platform, app_db: Database) -> None:
    async with app_db.transaction(VAN_MIEU_CADRE.scope()) as conn:
        for call in (
            count_members(conn, VAN_MIEU_CADRE, VIET_TRI),
            member_stats(conn, VAN_MIEU_CADRE, "25", "gender"),
            congress_progress(conn, VAN_MIEU_CADRE, "25"),
            update_congress(conn, VAN_MIEU_CADRE, VIET_TRI, CongressChange(notes="x")),
        ):
            with pytest.raises(PermissionDenied):
                await call
        women = await count_members(conn, VAN_MIEU_CADRE, None, MemberFilters(gender="Nữ"))
    assert (
        women
        == owner_rows(platform, "select count(*) from members where unit_code = %s and gender = 'nu'", VAN_MIEU)[0][0]
        > 0
    )


async def test_an_import_logs_no_personal_data(
    platform: Platform, app_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [
        {
            "Họ và tên": "Sầm Văn Nhật Ký",
            "Năm sinh": 1979,
            "Số điện thoại": "0977000111",
            "Email": "nhat.ky@example.com",
            "Số CCCD": "015079000111",
            "Đơn vị": "hai ba trung xyz",
        }
    ]
    cadre = unit_cadre("thu-log", Role.COMMUNE_CADRE, BAO_HA, f"vn.15.{BAO_HA}", "Xã Bảo Hà")
    caplog.set_level(logging.DEBUG)
    async with app_db.transaction(cadre.scope()) as conn:
        resolver = await load_resolver(conn)
        report = await member_io.import_members(
            conn, cadre, resolver, platform.protector(), member_io.read_table(table_file(rows, "csv")), "skip"
        )
    assert report.imported == 0 and report.errors[0].field == "Đơn vị"
    assert "member import by thu-log: 0 imported, 1 skipped" in caplog.text
    for secret in ("0977000111", "nhat.ky", "015079000111"):
        assert secret not in caplog.text and secret not in report.model_dump_json()
