"""Folding typed text: diacritics dropped through one translation table, the same as by each character's category;
a typed place parsed once and the parse reused."""

from __future__ import annotations

import unicodedata

import pytest

from mattran.domain.text import fold, strip_marks
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.store.db import Database


def _by_category(text: str) -> str:
    """The definition: đ/Đ to d/D, then every non-spacing mark (Mn) of the decomposed text dropped."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


@pytest.mark.parametrize(
    "text",
    [
        "Đặc khu Phú Quốc",
        unicodedata.normalize("NFD", "Phường Hoàn Kiếm, Hà Nội"),  # typed decomposed
        "ỨNG HÒA — Ưu tiên ở đây",
        "Ångström, façade, naïve, Ελληνικά ά, हिन्दी",  # marks of other scripts (Mn outside U+0300–U+036F)
        "x\u0303\u0323 e\u0301\u0301",  # stacked marks
        "plain ascii 123",
        "",
    ],
)
def test_marks_are_dropped_as_by_each_characters_category(text: str) -> None:
    assert strip_marks(text) == _by_category(text)
    assert strip_marks(text) == strip_marks(text)  # the table filled by the first call gives the same


def test_fold_is_lower_case_words_without_marks() -> None:
    assert fold("  Xã  Tân-Lập, tỉnh PHÚ THỌ! ") == "xa tan lap tinh phu tho"


@pytest.fixture(scope="module")
async def resolver(db: Database) -> UnitResolver:
    async with db.transaction(Scope.public()) as conn:
        return await load_resolver(conn)


async def test_a_typed_place_is_parsed_once_and_resolves_the_same_each_time(
    db: Database, resolver: UnitResolver
) -> None:
    async with db.transaction(Scope.public()) as conn:
        first = await resolver.resolve(conn, "phuong hoan kiem, ha noi")
        again = await resolver.resolve(conn, "phuong hoan kiem, ha noi")
        other = await resolver.resolve(conn, "P. Ba Đình, HN")
    assert first == again and first.status == "resolved" and first.results[0].code == "00070"
    assert other.results[0].code == "00004"
    assert resolver._parse("phuong hoan kiem, ha noi") is resolver._parse("phuong hoan kiem, ha noi")
