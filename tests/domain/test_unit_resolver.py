"""The unit resolver: documented examples and the evaluation set (≥ 200 mentions)."""

from __future__ import annotations

import pytest

from evals.unit_resolver import THRESHOLDS, evaluate, load_cases
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.store.db import Database


@pytest.fixture(scope="module")
async def resolver(db: Database) -> UnitResolver:
    async with db.transaction(Scope.public()) as conn:
        return await load_resolver(conn)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("P. Ba Đình, HN", "00004"),
        ("phuong ba dinh, ha noi", "00004"),
        ("đặc khu Phú Quốc", "31078"),
        ("DK phu quoc, an giang", "31078"),
        ("TP.HCM", "79"),
        ("tp hcm", "79"),
        ("Trung ương", "TW"),
        ("UBND phường Hoàn Kiếm, Hà Nội", "00070"),
    ],
)
async def test_documented_examples(db: Database, resolver: UnitResolver, text: str, code: str) -> None:
    async with db.transaction(Scope.public()) as conn:
        result = await resolver.resolve(conn, text)
    assert result.status == "resolved", result.message
    assert [m.code for m in result.results] == [code]
    assert result.converted is False


async def test_old_addresses_are_converted_and_say_so(db: Database, resolver: UnitResolver) -> None:
    async with db.transaction(Scope.public()) as conn:
        tan_lap = await resolver.resolve(conn, "xa tan lap tinh phu tho")
        ben_nghe = await resolver.resolve(conn, "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
        ha_giang = await resolver.resolve(conn, "Hà Giang")
    assert tan_lap.status == "resolved" and tan_lap.converted
    assert tan_lap.results[0].converted_from == "Xã Tân Lập, Huyện Thanh Sơn, Tỉnh Phú Thọ"
    assert ben_nghe.results[0].name == "Phường Sài Gòn" and "đã được chuyển" in ben_nghe.message
    assert ha_giang.converted and ha_giang.results[0].name == "Tỉnh Tuyên Quang"


async def test_ambiguous_names_return_candidates_with_provinces(db: Database, resolver: UnitResolver) -> None:
    async with db.transaction(Scope.public()) as conn:
        phuong_1 = await resolver.resolve(conn, "phuong 1")
        tan_lap = await resolver.resolve(conn, "xã Tân Lập")
    assert phuong_1.status == "ambiguous" and len(phuong_1.results) > 10
    assert tan_lap.status == "ambiguous"
    assert {m.province_name for m in tan_lap.results} >= {"Tỉnh Lâm Đồng", "Tỉnh Quảng Trị", "Tỉnh Tây Ninh"}
    assert all(m.name == "Xã Tân Lập" for m in tan_lap.results)


async def test_a_former_district_without_its_province_gives_its_communes(db: Database, resolver: UnitResolver) -> None:
    """ "huyện Bảo Lạc" (no province written) is the former district: its communes, all in one province, each a
    candidate; not Xã Bảo Lạc alone. A name followed by "cũ" is a former unit's as well."""
    async with db.transaction(Scope.public()) as conn:
        bao_lac = await resolver.resolve(conn, "huyen bao lac")
    assert bao_lac.status == "ambiguous" and bao_lac.converted
    assert len(bao_lac.results) > 1 and {m.province_code for m in bao_lac.results} == {"04"}
    async with db.transaction(Scope.public()) as conn:
        son_vi = await resolver.resolve(conn, "xa son vi cu")  # "cũ": the former commune too, not Xã Sơn Vĩ alone
    assert son_vi.status == "ambiguous" and "08521" in {m.code for m in son_vi.results}


def test_units_named_without_their_type(resolver: UnitResolver) -> None:
    """Communes by their name alone (with its marks when the text has them; a longer name found hides the shorter
    one in it), provinces in the order written; a commune written with its marks is not the province of that name."""
    assert [u.code for u in resolver.named_alone("van mieu bao nhieu uy vien nu")] == ["08611"]
    assert "08377" not in {u.code for u in resolver.named_alone("Văn bản nào hướng dẫn?")}  # not Xã Vân Bán
    assert [u.code for u in resolver.named_alone("Tam Dương Bắc có mấy ủy viên")] == ["08872"]
    assert [u.code for u in resolver.named_alone("Ủy ban Yên Bài có phải hoãn đại hội không?")] == ["09706"]
    assert resolver.provinces_named("Ủy ban Yên Bài có phải hoãn đại hội không?") == []
    assert [u.code for u in resolver.provinces_named("Phú Thọ nhiều hơn Hà Nội bao nhiêu ủy viên nữ?")] == ["25", "01"]
    assert [u.code for u in resolver.provinces_named("TP.HCM có mấy ủy viên")] == ["79"]


async def test_typos_are_tolerated(db: Database, resolver: UnitResolver) -> None:
    async with db.transaction(Scope.public()) as conn:
        result = await resolver.resolve(conn, "phuong hoan kiemm, ha noi")
        province = await resolver.resolve(conn, "xa tan lap, tinh tay ninhh")
    assert [m.code for m in result.results] == ["00070"]
    assert province.status == "resolved" and province.results[0].province_name == "Tỉnh Tây Ninh"


async def test_evaluation_set_meets_its_thresholds(db: Database, resolver: UnitResolver) -> None:
    cases = load_cases()
    assert len(cases) >= 200
    assert sum(c.ambiguous for c in cases) >= 20
    async with db.transaction(Scope.public()) as conn:
        report = await evaluate(resolver, conn, cases)
    assert report.below_threshold() == {}, (report.metrics, THRESHOLDS, report.failures)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("thị trấn Hùng Sơn, huyện Lâm Thao cũ, cống thoát nước bị tắc", "08494"),
        ("thi tran hung son huyen lam thao cu, cong thoat nuoc bi tac", "08494"),
        ("xã An Cư", "30526"),  # "Cư" ends the name: no "cũ" to drop
        ("xa an cu, an giang", "30526"),
    ],
)
async def test_former_after_a_name_before_a_comma_reads_as_former(
    db: Database, resolver: UnitResolver, text: str, code: str
) -> None:
    """ "cũ" after a name ends it wherever the part ends, not only at the end of the text; a name ending in "Cư" keeps
    it."""
    async with db.transaction(Scope.public()) as conn:
        result = await resolver.resolve(conn, text)
    assert result.status == "resolved", result.message
    assert [m.code for m in result.results] == [code]


@pytest.mark.parametrize("text", ["Hà Tây cũ", "ha tay cu", "tỉnh Hà Tây"])
async def test_ha_tay_is_the_former_province_now_in_ha_noi(db: Database, resolver: UnitResolver, text: str) -> None:
    async with db.transaction(Scope.public()) as conn:
        result = await resolver.resolve(conn, text)
        commune = await resolver.resolve(conn, "xã Hà Tây, Hải Phòng")
    assert [m.code for m in result.results] == ["01"] and result.converted and "Hà Tây" in result.message
    assert [m.code for m in commune.results] == ["10846"]  # the commune of that name, with its type


@pytest.mark.parametrize("text", ["TP Vĩnh Yên, Vĩnh Phúc", "tp vinh yen, vinh phuc", "thanh pho vinh yen"])
async def test_a_former_city_is_its_communes_not_a_name_inside_its_type(
    db: Database, resolver: UnitResolver, text: str
) -> None:
    """ "thành phố Vĩnh Yên" holds no "Phổ Vinh": the former city's wards, with or without its province."""
    async with db.transaction(Scope.public()) as conn:
        result = await resolver.resolve(conn, text)
    assert result.status == "ambiguous" and {m.code for m in result.results} == {"08707", "08716"}


def test_provinces_are_found_by_the_words_written(resolver: UnitResolver) -> None:
    assert resolver.province_mentions("xã Xuân Lộc đi Thanh Sơn (Phú Thọ) hỏng") == ["phu tho"]
    assert resolver.province_mentions("tp Vinh Yen vinh phuc sau sap nhap") == ["vinh phuc"]
    assert resolver.province_mentions("phường Bắc Giang có đèn hỏng") == []
