"""The personal-data detector: every form of number and e-mail the review found, names, house addresses and
birth years (with and without diacritics), the petitioner's own contacts, and what must never be masked."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest

from mattran.domain.masking import PersonalKind, find_personal_data, mask_personal_data


def found(text: str, known: tuple[str, ...] = ()) -> list[tuple[str, PersonalKind]]:
    return [(text[f.start : f.end], f.kind) for f in find_personal_data(text, known)]


P, ID, E, B = PersonalKind.PHONE, PersonalKind.ID_NUMBER, PersonalKind.EMAIL, PersonalKind.BANK_ACCOUNT
N, A, S = PersonalKind.PERSON, PersonalKind.ADDRESS, PersonalKind.BIRTH


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Gọi em số (+84) 912 345 678 nhé", "(+84) 912 345 678", P),
        ("SĐT 0912.345.678 ạ", "0912.345.678", P),
        ("máy bàn 024 3825 1234", "024 3825 1234", P),
        ("gọi (0236) 382 1234 giờ hành chính", "(0236) 382 1234", P),
        ("Liên hệ +84-98-765-4321", "+84-98-765-4321", P),
        ("Từ nước ngoài gọi 0084 912 345 678", "0084 912 345 678", P),
        ("CCCD 001 085 012 345 cấp năm 2021", "001 085 012 345", ID),
        ("căn cước 0010 8501 2345", "0010 8501 2345", ID),
        ("CMND 012345678", "012345678", ID),
        ("CMND số 285.123.456 do công an tỉnh cấp", "285.123.456", ID),
        ("hộ chiếu B1234567 bị giữ", "B1234567", ID),
        ("email lethimai (a) gmail.com", "lethimai (a) gmail.com", E),
        ("gửi ten[at]gmail[dot]com", "ten[at]gmail[dot]com", E),
        ("thư: hoa.tran a còng gmail chấm com", "hoa.tran a còng gmail chấm com", E),
        ("STK 1234567890123 Agribank", "1234567890123", B),
        ("số tài khoản 0011004123456 tại Vietcombank", "0011004123456", B),
        ("tk 0451000123456 VCB", "0451000123456", B),
        ("thẻ ATM 9704 1234 5678 9012 bị nuốt", "9704 1234 5678 9012", B),
        ("chuyển nhầm vào 19036012345678", "19036012345678", B),
        ("Mẹ tôi sinh năm 1940, chưa có trợ cấp", "sinh năm 1940", S),
        ("Ông Trần Văn Bảy SN 1958 là thương binh", "SN 1958", S),
        ("Bà Lê Thị Mai ở quê", "Lê Thị Mai", N),
        ("Chủ tịch UBND xã là ông Phạm Văn Đức", "Phạm Văn Đức", N),
        ("Cán bộ địa chính Nguyễn Hữu Thắng đòi tiền", "Nguyễn Hữu Thắng", N),
        ("anh Tuấn hàng xóm lấn đất", "Tuấn", N),
        ("Nhà tôi ở số 12 ngõ 45 phố Trần Phú, phường Hà Đông", "số 12 ngõ 45 phố Trần Phú", A),
        ("gia đình sống ở thửa đất số 123, tờ bản đồ số 8, xã Hòa Bình", "thửa đất số 123, tờ bản đồ số 8", A),
        ("trú tại 45/12 đường Lê Văn Sỹ, phường 13", "45/12 đường Lê Văn Sỹ", A),
        ("Nhà tôi số 12 Lý Thường Kiệt bị nứt", "số 12 Lý Thường Kiệt", A),
        ("Địa chỉ: số 234 ấp Mỹ Hòa 2, xã Tân Xuân", "số 234 ấp Mỹ Hòa 2", A),
        ("sdt0912345678 gọi sau 5 giờ", "0912345678", P),
        ("Mẹ tôi sinh năm 58, chưa có lương hưu", "sinh năm 58", S),
        ("Anh Nguyễn Văn Bình (1975) là hàng xóm", "1975", S),
        ("Cô giáo Lan chủ nhiệm lớp 5A", "Lan", N),
        ("Vợ tôi là Hà, làm công nhân", "Hà", N),
        ("Bà Nguyễn thị Mai bán hàng", "Nguyễn thị Mai", N),
        ("So toi: 0868-456-789, gap Hung.", "Hung", N),
        ("toi la nguyen thi hanh, o xom 3", "nguyen thi hanh", N),
        ("ong tran van phong chu tich xa", "tran van phong", N),
        ("ba do thi hoa ban hang", "do thi hoa", N),
        ("Gọi cho tôi số 0 9 1 2 3 4 5 6 7 8 nhé", "0 9 1 2 3 4 5 6 7 8", P),
        ("so tai khoan 0011004123456 ngan hang ngoai thuong", "0011004123456", B),
    ],
)
def test_every_form_is_found(text: str, value: str, kind: PersonalKind) -> None:
    assert (value, kind) in found(text)


def test_numbers_joined_with_a_slash_are_two_phones() -> None:
    assert found("Gọi 0912345678/0987654321") == [("0912345678", P), ("0987654321", P)]


def test_text_without_diacritics() -> None:
    text = "toi la nguyen van nam, sdt 0912 345 678, nha o so 12 ngo 45 pho hue, sn 1975"
    assert found(text) == [("nguyen van nam", N), ("0912 345 678", P), ("so 12 ngo 45 pho hue", A), ("sn 1975", S)]
    assert (
        mask_personal_data("ho ten: tran thi hoa, cccd 001185012345")
        == "ho ten: [họ tên đã ẩn], cccd [số giấy tờ đã ẩn]"
    )


def test_the_petitioners_own_contacts_match_without_diacritics_and_in_any_grouping() -> None:
    known = ("Nguyễn Thị Hạnh", "0912345678", "hanh.nguyen@example.vn")
    text = "nguyen thi hanh goi 0912 345 678 hoac +84 912.345.678, thu HANH.NGUYEN@example.vn"
    assert found(text, known) == [
        ("nguyen thi hanh", N),
        ("0912 345 678", P),
        ("+84 912.345.678", P),
        ("HANH.NGUYEN@example.vn", E),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Xã Hòa Bình, Tỉnh Phú Thọ có 45 hộ dân chưa có nước sạch.",
        "Đường Lê Lợi bị ngập mỗi khi mưa lớn.",
        "Trường THCS Nguyễn Du xuống cấp, mái tôn dột.",
        "Đề nghị Chủ tịch UBND xã trả lời đơn theo Điều 12 Luật Tiếp công dân.",
        "Theo khoản 2 Điều 5 Luật Đất đai 2013 và Nghị định 13/2023/NĐ-CP.",
        "Quyết định số 1234/QĐ-UBND ngày 20/5/2023 chưa được niêm yết.",
        "Quốc lộ 1A và tuyến ĐT.741 có nhiều ổ gà.",
        "Ngày 12/3/2024 lũ làm thiệt hại 150.000.000 đồng, 120 m2 đất bị sạt.",
        "Gọi 1022 hoặc 113 đều không ai nghe.",
        "Năm 2019 xã đã hứa làm đường, đến năm 2024 vẫn chưa làm.",
        "Tiền đền bù 1.250.000.000 đồng quá thấp.",
        "Tượng đài Bác Hồ ở Thành phố Hồ Chí Minh bị bong sơn.",
        "Ở Hà Nội, Hà Giang, Cao Bằng có đường Nguyễn Văn Linh.",
        "duong le loi bi ngap, truong thcs nguyen du xuong cap, chi phi sua chua lon",
        "cong trinh dang thi cong gay on, luong huu chua ve, em la sinh vien",
        "cu tri phan anh anh huong cua lu, co quan chuc nang chua den",
        "Thông báo số 12 Ban Thường trực gửi các xã; Công văn số 123 UBND huyện.",
        "Đoàn Thanh niên xã và Hội Cựu chiến binh tổ chức dọn vệ sinh ở Hồ Gươm.",
        "Tổng đài 1900 1234 và số 19001234 không trả lời; mã hồ sơ PAKN-2026-000123.",
        "Số tiền 100.000.000 được chuyển ngày 12.03.2024.",
        "Đèn đường ngõ 5 phố Đội Cấn bị hỏng cả tháng nay.",
    ],
)
def test_what_must_not_be_masked(text: str) -> None:
    assert find_personal_data(text) == []


def test_decomposed_diacritics_are_read_and_the_spans_are_the_texts_own() -> None:
    text = unicodedata.normalize("NFD", "Bà Lê Thị Mai ở số 12 ngõ 45 phố Trần Phú, SĐT 0912 345 678.")
    assert [(text[f.start : f.end], f.kind) for f in find_personal_data(text)] == [
        (unicodedata.normalize("NFD", "Lê Thị Mai"), N),
        (unicodedata.normalize("NFD", "số 12 ngõ 45 phố Trần Phú"), A),
        ("0912 345 678", P),
    ]


def test_the_named_entity_model_loads_once_from_many_threads() -> None:
    texts = [f"Ông Nguyễn Văn Tám số {i} gọi 0912 345 67{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(mask_personal_data, texts))
    assert all(r.startswith("Ông [họ tên đã ẩn]") and "[số điện thoại đã ẩn]" in r for r in results)


def test_a_receipt_is_a_reference_not_personal_data() -> None:
    text = "Phản ánh PAKN-2026-000006-45GB0H của tôi (SĐT 0912 345 678) đã trả lời chưa? Mã cũ pakn 2026 000123."
    masked = mask_personal_data(text)
    assert "PAKN-2026-000006-45GB0H" in masked and "pakn 2026 000123" in masked
    assert "0912 345 678" not in masked


@pytest.mark.parametrize("text", ["ông Chủ Tịch Xã", "Kính gửi Phó Chủ tịch", "nhờ Bí Thư Chi Bộ"])
def test_a_title_ending_the_message_is_kept_and_does_not_crash(text: str) -> None:
    """A capitalised run that is only a title, at the very end of the text, holds no name."""
    assert mask_personal_data(text) == text
