"""Category suggestion, masking of personal data, tracking codes and due dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mattran.domain.masking import mask_personal_data
from mattran.domain.petition_text import add_working_days, suggest_category
from mattran.domain.receipts import public_code


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Đường liên thôn xuống cấp, nhiều ổ gà, mưa là ngập", "ha_tang"),
        ("Hàng xóm lấn chiếm đất, tranh chấp ranh giới thửa đất", "dat_dai"),
        ("Xưởng gỗ xả khói bụi và tiếng ồn cả đêm, ô nhiễm", "moi_truong"),
        ("Gia đình tôi thuộc hộ nghèo nhưng chưa được nhận trợ cấp", "an_sinh"),
        ("Trạm y tế xã thiếu thuốc, khám bệnh phải chờ lâu", "y_te"),
        ("Nhà trường thu học phí cao hơn quy định", "giao_duc"),
        ("Thanh niên tụ tập đua xe, gây rối trật tự ban đêm", "an_ninh"),
        ("Cán bộ một cửa chậm giải quyết hồ sơ, nhũng nhiễu", "hanh_chinh"),
        ("duong lang bi xuong cap nhieu o ga", "ha_tang"),
        ("Xin cảm ơn Mặt trận đã quan tâm", "khac"),
    ],
)
def test_category_suggestion(text: str, category: str) -> None:
    assert suggest_category(text) == category


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Gọi 0912 345 678 nhé", "Gọi [số điện thoại đã ẩn] nhé"),
        ("SĐT: 0912.345.678.", "SĐT: [số điện thoại đã ẩn]."),
        ("+84 912345678", "[số điện thoại đã ẩn]"),
        ("email: nguyen.van.a+pakn@gmail.com", "email: [email đã ẩn]"),
        ("CCCD 001099012345.", "CCCD [số giấy tờ đã ẩn]."),
        ("CMND số 123456789", "CMND số [số giấy tờ đã ẩn]"),
        ("Hỗ trợ 10.000.000 đồng cho 123 hộ năm 2025", "Hỗ trợ 10.000.000 đồng cho 123 hộ năm 2025"),
        ("Số nhà 12, ngõ 34", "[địa chỉ đã ẩn]"),
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_tracking_code_and_working_days() -> None:
    friday = datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert public_code(123, friday.year) == "PAKN-2026-000123"
    assert add_working_days(friday, 1) == datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday
    assert add_working_days(friday, 10) == datetime(2026, 12, 4, 9, tzinfo=UTC)
