"""What the library says about laws that were replaced or amended after the text it holds was promulgated."""

from __future__ import annotations

from mattran.domain.text import fold

ORIGINAL_TEXT = (
    "Đây là văn bản gốc khi ban hành, chưa gồm các sửa đổi, bổ sung sau đó (nếu có). "
    "Hãy đối chiếu văn bản hợp nhất hiện hành trước khi áp dụng."
)

# Folded title prefix → what happened to the law since.
_CHANGES = {
    "luat dat dai 2013": "Luật Đất đai 2013 đã được thay thế bởi Luật Đất đai 2024 (số 31/2024/QH15), "
    "có hiệu lực từ ngày 01/8/2024.",
    "luat bao hiem xa hoi 2014": "Luật Bảo hiểm xã hội 2014 đã được thay thế bởi Luật Bảo hiểm xã hội 2024 "
    "(số 41/2024/QH15), có hiệu lực từ ngày 01/7/2025.",
    "luat to chuc chinh quyen dia phuong 2015": "Luật Tổ chức chính quyền địa phương 2015 đã được thay thế bởi "
    "Luật Tổ chức chính quyền địa phương năm 2025 (chính quyền địa "
    "phương hai cấp từ ngày 01/7/2025).",
    "hien phap 2013": "Hiến pháp 2013 đã được sửa đổi, bổ sung một số điều năm 2025 (Nghị quyết của Quốc hội "
    "ngày 16/6/2025), trong đó có các điều về Mặt trận Tổ quốc Việt Nam và chính quyền địa phương.",
    "luat mat tran to quoc viet nam 2015": "Luật Mặt trận Tổ quốc Việt Nam 2015 đã được sửa đổi, bổ sung năm 2025 "
    "khi sắp xếp các tổ chức chính trị - xã hội vào Mặt trận.",
}


def notice_for(title: str, legal: bool = True) -> str | None:
    """The notice shown with a law: replaced or amended since, or at least that it is the original text."""
    key = fold(title)
    for prefix, change in _CHANGES.items():
        if key.startswith(prefix):
            return f"{change} {ORIGINAL_TEXT}"
    return ORIGINAL_TEXT if legal else None
