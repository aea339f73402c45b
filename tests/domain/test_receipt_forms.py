"""The one tolerant parser of tracking codes (``mattran.domain.receipts.parse``) that every door uses: each way a
citizen writes a code, and the Vietnamese message for what is not one (issue 18)."""

from __future__ import annotations

import pytest

from mattran.domain.receipts import Receipt, not_found, parse

NUMBER = Receipt(2026, 1)
FULL = Receipt(2026, 123, "7KQ4XZ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAKN-2026-000001", NUMBER),
        ("pakn 2026 000001", NUMBER),
        ("PAKN2026000001", NUMBER),
        ("PAKN–2026–000001", NUMBER),  # en dash, as phone keyboards write it
        ("PAKN—2026—000001", NUMBER),  # em dash
        ("PAKN.2026.000001", NUMBER),
        ("pakn-2026-1", NUMBER),
        ("PAKN 2026-000001 hôm qua", NUMBER),
        ("PAKN\u00ad2026\u200b000001", NUMBER),  # a soft hyphen and a zero-width space pasted from a message
        ("PAKN-2026-000123-7KQ4XZ", FULL),
        ("pakn 2026 000123 7kq4xz", FULL),
        ("PAKN20260001237KQ4XZ", FULL),
        ("pakn–2026–000123–7kq4xz", FULL),
        ("PAKN.2026.000123.7KQ4XZ", FULL),
        ("".join(chr(ord(c) + 0xFEE0) for c in "PAKN-2026-000123-7KQ4XZ"), FULL),  # full-width characters
        ("mã của tôi là PAKN-2026-000123-7KQ4XZ, cảm ơn", FULL),
        ("PAKN-2026-000123-7KQ4XZ\n", FULL),
        ("PAKM-2026-000123-7KQ4XZ", FULL),  # a slip of the finger in the prefix
        ("PAKN-2026-000123-0KQ4XZ", Receipt(2026, 123, "0KQ4XZ")),
        ("PAKN-2026-000123-7kq4xo", Receipt(2026, 123, "7KQ4X0")),  # O typed for zero
        ("", None),
        ("abc", None),
        ("2026-000123", None),
        ("PAKN-26-1", None),
        ("PAKN-2026-", None),
        ("xin chào", None),
    ],
)
def test_every_form_of_a_code_parses_to_one_receipt(text: str, expected: Receipt | None) -> None:
    assert parse(text) == expected


def test_a_receipt_is_written_one_way() -> None:
    assert str(FULL) == "PAKN-2026-000123-7KQ4XZ" and str(NUMBER) == "PAKN-2026-000001"
    assert all(str(parse(str(r))) == str(r) for r in (FULL, NUMBER))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("abc", "“abc” không phải mã tra cứu: mã tra cứu có dạng PAKN-2026-000123-7KQ4XZ."),
        ("pakn 2026 1", "Cần mã tra cứu đầy đủ, gồm cả 6 ký tự cuối (ví dụ PAKN-2026-000001-7KQ4XZ)"),
        ("pakn 2026 000123 7kq4xz", "Không tìm thấy phản ánh mã “PAKN-2026-000123-7KQ4XZ”."),
    ],
)
def test_what_opens_nothing_is_told_in_vietnamese(text: str, says: str) -> None:
    assert not_found(text).startswith(says)
