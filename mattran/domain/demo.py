"""Synthetic demo data: committee members and congresses of a few provinces, clearly marked as such.

Every name ends with "(dữ liệu mẫu)", e-mail addresses are at ``example.com``; the same data comes out on
every machine (seeded per unit) and loading twice changes nothing: rows already there (even edited since)
are left alone. ``mattran up`` loads it when
``MATTRAN_DEMO_DATA`` is on (the default in development).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from mattran.auth.principal import Principal
from mattran.domain.access import system_principal
from mattran.domain.admin_map import CENTRAL_CODE
from mattran.domain.congress import CongressChange, Document, Status, update_congress
from mattran.domain.members import MemberDraft, validate
from mattran.domain.privacy import PersonalData
from mattran.domain.unit import Level, Unit
from mattran.store import committees as committees_store
from mattran.store import congress as congress_store
from mattran.store import demo as demo_store
from mattran.store import members as members_store
from mattran.store import units as units_store
from mattran.store.db import Conn

VERSION = "demo-v2"  # v2: residential-area work committees
MARK = "(dữ liệu mẫu)"
TERM = "2024–2029"
# Provinces with members (the listed communes plus a few drawn by seed) and congresses for every unit.
PROVINCES: dict[str, tuple[list[str], int]] = {
    "25": (["08611", "07900"], 6),  # Phú Thọ: Xã Văn Miếu, Phường Việt Trì
    "01": ([], 6),  # Hà Nội
    "46": ([], 4),  # Huế
    "31": ([], 4),  # Hải Phòng
}
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Đinh"]
_MIDDLE = {"nam": ["Văn", "Đức", "Minh", "Quang", "Hữu"], "nu": ["Thị", "Thu", "Ngọc", "Thanh", "Minh"]}
_GIVEN = {
    "nam": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hùng",
        "Khánh",
        "Long",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Trung",
        "Tuấn",
        "Việt",
    ],
    "nu": [
        "Anh",
        "Chi",
        "Dung",
        "Hà",
        "Hạnh",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Nga",
        "Ngọc",
        "Phương",
        "Thảo",
        "Trang",
        "Yến",
    ],
}
_ORGANISATIONS = [
    "Công đoàn",
    "Hội Nông dân",
    "Đoàn TNCS Hồ Chí Minh",
    "Hội Liên hiệp Phụ nữ",
    "Hội Cựu chiến binh",
    "Hội Chữ thập đỏ",
    "Hội Người cao tuổi",
    "Hội Khuyến học",
    "Ban công tác Mặt trận khu dân cư",
]
_ETHNICITIES = {
    "25": [("Kinh", 70), ("Mường", 20), ("Dao", 5), ("Tày", 5)],
    "46": [("Kinh", 85), ("Tà Ôi", 10), ("Cơ Tu", 5)],
}
_RELIGIONS = [("Không", 80), ("Phật giáo", 12), ("Công giáo", 6), ("Tin Lành", 2)]


_SECTORS = [
    ("Tổ chức thành viên", 70),
    ("Tôn giáo: Phật giáo", 5),
    ("Tôn giáo: Công giáo", 4),
    ("Dân tộc: Mường", 4),
    ("Cá nhân tiêu biểu", 9),
    ("Doanh nhân", 6),
    ("Người Việt Nam ở nước ngoài", 2),
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _name(rng: random.Random, gender: str) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])} {MARK}"


def members_of(unit: Unit) -> list[MemberDraft]:
    """The synthetic committee of one unit (deterministic: seeded by the unit's code)."""
    rng = random.Random(f"mattran-demo-members-{unit.code}")
    size, vices = {Level.CENTRAL: (15, 3), Level.PROVINCE: (12, 3), Level.COMMUNE: (9, 2)}[unit.level]
    positions = ["Chủ tịch"] + ["Phó Chủ tịch"] * vices + ["Ủy viên Ban Thường trực"] * 2
    positions += ["Ủy viên"] * (size - len(positions))
    drafts: dict[tuple[str, str, int | None], MemberDraft] = {}
    for i, position in enumerate(positions, 1):
        gender = "nu" if rng.random() < 0.42 else "nam"
        year = rng.randint(1962, 2001)
        province = unit.province_code or "01"
        values = {
            "full_name": _name(rng, gender),
            "gender": gender,
            "birth_year": year,
            "ethnicity": _pick(rng, _ETHNICITIES.get(province, [("Kinh", 92), ("Mường", 4), ("Tày", 4)])),
            "religion": _pick(rng, _RELIGIONS),
            "position": position,
            "organisation": None if position == "Chủ tịch" else _ORGANISATIONS[(i + rng.randint(0, 8)) % 9],
            "term": TERM,
            "phone": f"0900{rng.randint(0, 999999):06d}",
            "email": f"thanhvien.{unit.code.lower()}.{i}@example.com",
            "national_id": f"0{int(province):02d}{(year // 100 - 19) * 2 + (gender == 'nu')}{year % 100:02d}"
            f"9{rng.randint(0, 99999):05d}",
        }
        draft, errors = validate(unit.code, values)
        assert draft is not None, errors
        drafts.setdefault(draft.key, draft)
    return list(drafts.values())


_AREAS = ("Thôn", "Tổ dân phố", "Bản", "Ấp", "Khu phố")
_AREA_NAMES = ("Đông", "Tây", "Nam", "Bắc", "Trung", "Tân Lập", "Hòa Bình", "Đoàn Kết", "Quyết Tiến", "Thống Nhất")


def work_committees_of(unit: Unit) -> list[dict[str, Any]]:
    """The synthetic residential-area work committees of one commune (deterministic; the last one without a head)."""
    rng = random.Random(f"mattran-demo-work-{unit.code}")
    kind = rng.choice(_AREAS)
    names = rng.sample(_AREA_NAMES, 4)
    committees = []
    for i, name in enumerate(names):
        gender = rng.choice(("nam", "nu"))
        committees.append(
            {
                "area": f"{kind} {name} {MARK}",
                "head_name": _name(rng, gender) if i < len(names) - 1 else None,
                "member_names": [_name(rng, rng.choice(("nam", "nu"))) for _ in range(rng.randint(3, 6))],
                "households": rng.randint(60, 450),
            }
        )
    return committees


def congress_of(unit: Unit) -> CongressChange:
    """The synthetic congress of one unit for :data:`TERM` (deterministic: seeded by the unit's code)."""
    rng = random.Random(f"mattran-demo-congress-{unit.code}")
    level = unit.level
    if level == Level.CENTRAL:
        planned, status = date(2024, 10, 16), Status.COMPLETED
    else:
        start, spread = (date(2024, 8, 15), 45) if level == Level.PROVINCE else (date(2024, 4, 1), 120)
        planned = start + timedelta(days=rng.randint(0, spread))
        roll = rng.random()
        status = (
            Status.COMPLETED
            if roll < 0.68
            else Status.HELD
            if roll < 0.8
            else Status.PREPARING
            if roll < 0.92
            else Status.NOT_STARTED
        )
    delegates = {Level.CENTRAL: 1000, Level.PROVINCE: rng.randint(250, 350), Level.COMMUNE: rng.randint(90, 150)}[level]
    values: dict[str, Any] = {
        "term": TERM,
        "status": status,
        "delegates_planned": delegates,
        "planned_date": planned if status != Status.NOT_STARTED or rng.random() < 0.5 else None,
        "notes": f"Dữ liệu mẫu, không phải số liệu thật {MARK}.",
    }
    if status in (Status.HELD, Status.COMPLETED):
        values.update(
            held_date=planned
            + timedelta(days=0 if rng.random() < 0.8 or level == Level.CENTRAL else rng.randint(3, 30)),
            delegates_attending=delegates - rng.randint(0, 8),
            committee_size={
                Level.CENTRAL: 300,
                Level.PROVINCE: rng.randint(60, 90),
                Level.COMMUNE: rng.randint(25, 45),
            }[level],
            chair_name=_name(rng, rng.choice(["nam", "nu"])),
            vice_chairs=[_name(rng, rng.choice(["nam", "nu"])) for _ in range(2)],
            documents=[
                Document(title=f"Báo cáo chính trị trình Đại hội {MARK}"),
                Document(title=f"Danh sách ủy viên Ủy ban khóa mới {MARK}"),
            ],
        )
    return CongressChange(**values)


async def _units(conn: Conn) -> tuple[list[Unit], list[Unit]]:
    """(units given members, units given a congress)."""
    with_members = [await units_store.unit_by_code(conn, CENTRAL_CODE)]
    with_congress = list(with_members)
    for code, (listed, extra) in PROVINCES.items():
        province = await units_store.unit_by_code(conn, code)
        communes = await units_store.child_units(conn, code)
        rng = random.Random(f"mattran-demo-communes-{code}")
        drawn = rng.sample(sorted(c.code for c in communes if c.code not in listed), extra)
        with_members += [province, *(c for c in communes if c.code in {*listed, *drawn})]
        with_congress += [province, *communes]
    return [u for u in with_members if u], [u for u in with_congress if u]


async def load_async(owner_url: str, protector: PersonalData, say: Callable[[str], None] = lambda _m: None) -> bool:
    """Load the demo data once (as the store's owner, in one transaction); True when written now."""
    async with demo_store.owner_transaction(owner_url) as conn:
        await demo_store.lock(conn)
        if await demo_store.loaded_version(conn) == VERSION:
            return False
        say("Nạp dữ liệu mẫu: thành viên và đại hội của một số tỉnh (MATTRAN_DEMO_DATA)…")
        await demo_store.whole_country(conn)
        central = await units_store.unit_by_code(conn, CENTRAL_CODE)
        assert central is not None
        actor: Principal = system_principal(central, name=f"Hệ thống {MARK}")
        with_members, with_congress = await _units(conn)
        drafts = [d for unit in with_members for d in members_of(unit)]
        existing = {
            MemberDraft(r["unit_code"], r["full_name"], birth_year=r["birth_year"]).key
            for r in await members_store.member_keys(conn, sorted({d.unit_code for d in drafts}))
        }
        await members_store.insert_members(conn, [d.stored(protector) for d in drafts if d.key not in existing])
        for unit in with_members:
            if unit.level == Level.COMMUNE:
                await committees_store.insert_synthetic_work(conn, unit.code, work_committees_of(unit))
        recorded = await congress_store.recorded_units(conn, TERM)
        for unit in with_congress:
            if unit.code not in recorded:  # never overwrite what cadres have recorded since
                await update_congress(conn, actor, unit.code, congress_of(unit))
        await demo_store.mark_loaded(conn, VERSION)
    return True


def load(owner_url: str, protector: PersonalData, say: Callable[[str], None] = lambda _m: None) -> bool:
    """:func:`load_async` for synchronous callers (start-up, CLI, tests)."""
    return asyncio.run(load_async(owner_url, protector, say))


def synthetic_rows(count: int, units: list[str], seed: str = "mattran-synthetic") -> list[dict[str, Any]]:
    """``count`` synthetic members for an import file, by Vietnamese column header, spread over ``units``.

    Names carry a running number and the demo mark, so rows never repeat inside one call.
    """
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        gender = "nu" if rng.random() < 0.45 else "nam"
        year = rng.randint(1962, 2001)
        rows.append(
            {
                "Họ và tên": _name(rng, gender).replace(MARK, f"{i + 1:05d} {MARK}"),
                "Giới tính": {"nam": "Nam", "nu": "Nữ"}[gender],
                "Năm sinh": year,
                "Dân tộc": _pick(rng, [("Kinh", 85), ("Mường", 8), ("Tày", 4), ("Thái", 3)]),
                "Tôn giáo": _pick(rng, _RELIGIONS),
                "Chức vụ": _pick(
                    rng, [("Chủ tịch", 3), ("Phó Chủ tịch", 8), ("Ủy viên Ban Thường trực", 14), ("Ủy viên", 75)]
                ),
                "Tổ chức thành viên": rng.choice(_ORGANISATIONS),
                "Thành phần đại diện": _pick(rng, _SECTORS),
                "Đơn vị": units[i % len(units)],
                "Nhiệm kỳ": TERM,
                "Ngày bắt đầu": f"{rng.randint(1, 28):02d}/{rng.randint(4, 9):02d}/{TERM[:4]}",
                "Số điện thoại": f"0900{rng.randint(0, 999999):06d}",
                "Email": f"thanhvien.{i + 1}@example.com",
                "Số CCCD": f"025{(year // 100 - 19) * 2 + (gender == 'nu')}{year % 100:02d}"
                f"9{rng.randint(0, 99999):05d}",
            }
        )
    return rows
