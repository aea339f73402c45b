"""What a petition asks for (:mod:`mattran.domain.petitions.requests`), with and without diacritics."""

from __future__ import annotations

import pytest

from mattran.domain.petitions.requests import ACTIONS, compared, requests
from mattran.domain.text import strip_marks

SAID = [
    ("Ngõ 15 dài mà chưa có cột đèn nào, đề nghị lắp thêm đèn chiếu sáng.", {"new"}),
    ("Đèn đường ngõ 15 hỏng cả tháng nay, tối om.", {"repair"}),
    ("Cây đèn đầu hẻm lúc chớp lúc tắt, nhờ sửa giúp.", {"repair"}),
    ("Mương thoát nước thôn 4 bị bồi lấp, đề nghị xã cho nạo vét trước mùa mưa.", {"clean"}),
    ("Đề nghị nâng cấp, mở rộng đường vào xóm Trại.", {"upgrade"}),
    ("Đề nghị dời điểm tập kết rác ra chỗ khác vì sát cổng nhà dân.", {"remove"}),
    ("Quán karaoke hát đến 1 giờ sáng, đề nghị phường xử lý.", {"handle"}),
    ("Nhà tôi là hộ nghèo mà 3 tháng nay chưa nhận trợ cấp, đề nghị xã chi trả.", {"grant"}),
    ("Xin hỏi thủ tục đăng ký khai sinh cho con cần những giấy tờ gì?", {"inform"}),
    ("Tiền ăn bán trú thu cao hơn quy định, đề nghị hoàn trả cho phụ huynh.", {"fee"}),
    ("Đề nghị giữ lại cây bàng trước nhà văn hóa, đừng chặt.", {"keep"}),
]


@pytest.mark.parametrize(("text", "asked"), SAID)
def test_the_request_is_read_with_and_without_diacritics(text: str, asked: set[str]) -> None:
    assert requests(text) == asked
    assert requests(strip_marks(text)) == asked  # typed without diacritics: the same request
    assert requests(strip_marks(text).upper()) == asked


def test_what_follows_the_ask_is_the_request_not_the_complaint_before_it() -> None:
    # the complaint says the road is broken; what is asked is a new concrete road
    assert requests("Đường đất lầy lội, hư hỏng nặng. Đề nghị xã làm đường bê tông.") == {"new"}
    assert requests("duong dat hu hong nang") == {"repair"}  # no ask: the state says it
    assert requests("den duong ko sang, xin sua dc ko") == {"repair"}  # teencode
    assert requests("Cảm ơn các bác đã quan tâm.") == frozenset()  # "cảm ơn" is no ban ("cấm")


def test_installing_a_light_is_not_repairing_one() -> None:
    install = requests("De nghi xa lap them den duong doan tu cau Ong Ve, doan nay chua co cot den nao.")
    repair = requests("Đèn đường đoạn cầu Ông Vẻ lắp năm ngoái giờ bật lên chập chờn rồi tắt, đề nghị sửa.")
    again = requests("den doan cau ong ve hong roi, toi om")
    assert compared(install, repair) == (0.0, 1.0, 0.0)  # requests apart
    assert compared(repair, again) == (1.0, 0.0, 1.0)  # the same request, other words
    assert compared(frozenset(), repair) == (0.0, 0.0, 0.0)  # one side unknown: neither same nor apart


def test_every_request_has_its_vietnamese_words() -> None:
    assert {a for _, asked in SAID for a in asked} == set(ACTIONS)
    assert all(words and words != strip_marks(words) for words in ACTIONS.values())
