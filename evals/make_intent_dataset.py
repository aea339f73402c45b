"""Build the router's training and development sets (``intents.train.jsonl``, ``intents.dev.jsonl``) from their
hand-written sources (``intents.train.src``, ``intents.dev.src``), deterministically and offline.

Source format: ``#`` starts a comment line; ``@ <intent> <roles>`` opens a block (roles: ``citizen``, ``commune``,
``province``, ``central``, or ``cadre`` for the three cadre levels, comma-separated); every other line is one
message, perhaps after ``%province,central%`` (only these of the block's roles may send it).

Placeholders, filled from the ``vietnamadminunits`` map: ``{commune}`` a current commune or ward (a fifth of the
time a pre-2025 commune instead), ``{province}`` a current province, ``{old_commune}`` a pre-2025
commune with its district (the slot is the current unit that replaced it), ``{old_district}`` a pre-2025 district
and ``{old_province}`` a pre-2025 province (the slot is the current province), ``{sub}`` a unit in the cadre's
scope below their own (``{subprov}`` a province, for the central cadre), ``{other}`` a unit outside it (an update
there is refused), ``{self}`` the cadre's own unit by name, ``{own}`` by a pronoun ("xã mình"), ``{code}`` a
tracking code written one of many ways;
fillers ``{date}``, ``{period}``, ``{n}`` (delegates), ``{m}`` (members), ``{name}`` (``{man}``, ``{woman}``). A
unit placeholder written ``{commune!}`` is the slot where a message names two units (the addressee of a petition);
otherwise the first unit named is.

Each source line is expanded into several items (other fills, other roles) and a share of them is augmented: a
polite opening and closing (long messages), teen-code and abbreviations, typos (dropped, doubled, swapped letters,
telex leftovers), English words, all diacritics stripped. Usage: ``python evals/make_intent_dataset.py`` rewrites
both sets, identically on every run.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mattran.domain.text import strip_marks

DATASETS = Path(__file__).resolve().parent / "datasets"
SEED = "intents-2026"
INTENTS = {
    "file_petition": "file_petition",
    "get_petition_status": "get_petition_status",
    "find_unit": "find_unit",
    "search_library": "search_library",
    "query_members": "query_members",
    "get_congress_progress": "get_congress_progress",
    "update_congress": "update_congress",
    "draft_report": "draft_report",
    "help": None,
    "out_of_scope": None,
    "manipulation": None,
}
CADRE_INTENTS = {"query_members", "get_congress_progress", "update_congress", "draft_report"}
OWN_UNIT_INTENTS = CADRE_INTENTS | {"get_petition_status"}
"""Intents whose unit slot is the cadre's own unit when the message names none."""
ROLES = ("citizen", "commune_cadre", "province_cadre", "central_cadre")
_ROLE_WORDS = {role.split("_")[0]: role for role in ROLES}  # "commune" → "commune_cadre"
PER_INTENT = {"train": 500, "dev": 62}
DEMO_COMMUNES = ("08611", "07900")
CADRE_PROVINCES = ("25", "01", "46", "31")


# ---------------------------------------------------------------------------------------------------- the map
@dataclass(frozen=True)
class Unit:
    """A current unit: its code, full name (``Xã Văn Miếu``), short name and province."""

    code: str
    name: str
    short: str
    kind: str
    province: str


@dataclass(frozen=True)
class OldUnit:
    """A pre-2025 unit as people still write it, with the current unit that replaced it."""

    text: str
    new_code: str


@dataclass
class UnitMap:
    """The parts of the map the generator fills placeholders from."""

    provinces: dict[str, Unit]
    communes: dict[str, Unit]
    by_province: dict[str, list[Unit]]
    ambiguous: set[str]
    old_communes: list[OldUnit]
    old_districts: list[OldUnit]
    old_provinces: list[OldUnit]


def _lower_type(full: str, short: str) -> str:
    return full[: len(full) - len(short)].strip().lower()


@cache
def unit_map() -> UnitMap:
    """Current units and a deterministic sample of pre-2025 ones converted by the package's own converter."""
    from vietnamadminunits import convert_address
    from vietnamadminunits.database import get_data

    rows = get_data(
        fields=["province", "provinceShort", "provinceCode", "ward", "wardShort", "wardType", "wardCode"],
        table="admin_units",
    )
    provinces: dict[str, Unit] = {}
    communes: dict[str, Unit] = {}
    for r in sorted(rows, key=lambda r: r["wardCode"]):
        code = r["provinceCode"]
        kind = "thành phố" if r["province"].startswith("Thành phố") else "tỉnh"
        provinces.setdefault(code, Unit(code, r["province"], r["provinceShort"], kind, code))
        communes[r["wardCode"]] = Unit(r["wardCode"], r["ward"], r["wardShort"], r["wardType"].lower(), code)
    by_province: dict[str, list[Unit]] = {}
    for unit in communes.values():
        by_province.setdefault(unit.province, []).append(unit)
    names = Counter(u.short for u in communes.values())
    legacy = get_data(
        fields=["province", "provinceCode", "district", "districtType", "ward", "wardType", "wardCode"],
        table="admin_units_legacy",
    )
    old_communes: list[OldUnit] = []
    district_votes: dict[tuple[str, str], Counter[str]] = {}
    province_votes: dict[str, Counter[str]] = {}
    for i, r in enumerate(sorted(legacy, key=lambda r: r["wardCode"] or "")):
        if not r["ward"] or not (r["provinceCode"] in ("25", "26", "17", "01", "46", "31", "30") or i % 9 == 0):
            continue
        new = convert_address(f"{r['ward']}, {r['district']}, {r['province']}").ward_code
        if new not in communes:
            continue
        new_province = communes[new].province
        district_votes.setdefault((r["district"], r["province"]), Counter())[new_province] += 1
        province_votes.setdefault(r["province"], Counter())[new_province] += 1
        ward = r["ward"][0].lower() + r["ward"][1:]
        district = r["district"][0].lower() + r["district"][1:]
        old_communes.append(OldUnit(f"{ward}, {district}", new))
    current_names = {p.name for p in provinces.values()}
    old_provinces = [
        OldUnit(name, votes.most_common(1)[0][0])
        for name, votes in sorted(province_votes.items())
        if name not in current_names and len(votes) == 1
    ]
    old_districts = [
        OldUnit(district[0].lower() + district[1:], votes.most_common(1)[0][0])
        for (district, _), votes in sorted(district_votes.items())
        if len(votes) == 1 and not district.startswith("Quận")
    ]
    ambiguous = {u.code for u in communes.values() if names[u.short] > 1}
    return UnitMap(provinces, communes, by_province, ambiguous, old_communes, old_districts, old_provinces)


# ---------------------------------------------------------------------------------------------------- sources
@dataclass
class Source:
    """One hand-written message of a source file, with the intent and roles of its block."""

    intent: str
    roles: tuple[str, ...]
    text: str
    line: int


_ONLY = re.compile(r"%([a-z,]+)%\s*")  # a line for some of the block's roles only: "%province,central% …"


def read_source(path: Path) -> list[Source]:
    """The messages of a source file, in order."""
    sources: list[Source] = []
    intent, roles = "", tuple[str, ...]()
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = unicodedata.normalize("NFC", raw.strip())
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            _, intent, spec = line.split()
            assert intent in INTENTS, (path, n, intent)
            words = spec.replace("cadre", "commune,province,central").split(",")
            roles = tuple(_ROLE_WORDS[w] for w in words)
            continue
        assert intent, (path, n)
        only = _ONLY.match(line)
        if only:
            line = line[only.end() :]
            limit = {_ROLE_WORDS[w] for w in only.group(1).split(",")}
            sources.append(Source(intent, tuple(role for role in roles if role in limit), line, n))
        else:
            sources.append(Source(intent, roles, line, n))
    return sources


# ---------------------------------------------------------------------------------------------------- filling
_DATES = (
    "14/5",
    "ngày 20/6",
    "ngày 3/7/2026",
    "15/8",
    "ngày 28 tháng 6",
    "sáng 12/9",
    "ngày 1/10",
    "25/7",
    "ngày 9/8/2026",
    "sáng ngày 16/6",
    "chủ nhật 21/9",
    "ngày 5 tháng 10",
)  # as people write them
_PEOPLE = {  # chairs named in congress news, by the gender the source asks for
    "man": ("Nguyễn Văn Hùng", "Lê Văn Thành", "Hoàng Minh Đức", "Đỗ Quang Vinh", "Đinh Công Sơn", "Lò Văn Tuấn"),
    "woman": ("Trần Thị Mai", "Phạm Thị Hoa", "Bùi Thị Lan", "Vũ Thị Hằng", "Hà Thị Nga", "Nông Thị Huyền"),
}
_PERIODS = (
    "quý 2",
    "quý III/2026",
    "6 tháng đầu năm",
    "tháng 5",
    "tháng này",
    "năm 2026",
    "tháng trước",
    "quý này",
    "từ đầu năm đến nay",
    "tuần qua",
    "9 tháng",
    "quý 1 năm 2026",
    "tháng 7/2026",
)
_OWN = {
    "commune_cadre": ("{kind} mình", "{kind} mình", "{kind} ta", "{kind} nhà", "bên mình", "chỗ mình", "đơn vị mình"),
    "province_cadre": ("tỉnh mình", "tỉnh ta", "tỉnh nhà", "bên mình", "địa phương mình", "đơn vị mình"),
    "central_cadre": ("cả nước", "toàn quốc", "các tỉnh", "toàn hệ thống", "cả nước mình"),
}


@dataclass
class Fill:
    """What one placeholder became: its text, and the unit or tracking code it carries."""

    text: str
    unit: str | None = None
    code: str | None = None
    old: bool = False
    other: bool = False
    outside: bool = False


def _place(rng: random.Random, unit: Unit, m: UnitMap, with_province: float = 0.5) -> str:
    province = m.provinces[unit.province]
    style = rng.random()
    name = f"{unit.kind} {unit.short}" if style < 0.8 else unit.short
    if unit.code in m.ambiguous or rng.random() < with_province:
        sep = rng.choice((", ", " ", " - ", ", ", " thuộc "))
        pname = province.short if rng.random() < 0.6 else f"{province.kind} {province.short}"
        name = f"{name}{sep}{pname}"
    return name if unit.code not in m.ambiguous or style < 0.8 else f"{unit.kind} {name}"


def _province_text(rng: random.Random, unit: Unit) -> str:
    abbreviated = f"{'TP' if unit.kind == 'thành phố' else 'tỉnh'} {unit.short}"
    return rng.choice((f"{unit.kind} {unit.short}", unit.short, f"{unit.kind} {unit.short}", abbreviated))


def tracking_code(rng: random.Random) -> tuple[str, str]:
    """A tracking code written one of the ways people write it, and its canonical slot."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    year = rng.choice((2025, 2026, 2026, 2026))
    number = rng.choice((rng.randint(1, 999), rng.randint(1, 9999), rng.randint(1, 200000)))
    secret = [rng.choice(alphabet) for _ in range(6)]
    secret[rng.randrange(6)] = rng.choice(alphabet[:10])
    sec = "".join(secret) if rng.random() < 0.6 else None
    pad = f"{number:06d}"
    canonical = f"PAKN-{year}-{pad}" + (f"-{sec}" if sec else "")
    style = rng.randrange(8)
    sep = {0: "-", 1: " ", 2: "", 3: "–", 4: "-", 5: " - ", 6: ".", 7: "-"}[style]
    parts = ["PAKN", str(year), pad] + ([sec] if sec else [])
    text = sep.join(parts) if style != 2 else "".join(parts[:3]) + (f" {sec}" if sec else "")
    if style in (1, 4, 6) or rng.random() < 0.3:
        text = text.lower()
    if style == 7 and rng.random() < 0.5:
        text = f"mã {text}"
    return text, canonical


@dataclass
class Cadre:
    """Who sends an item: role and own unit."""

    role: str
    unit: str | None


def pick_sender(rng: random.Random, role: str, m: UnitMap) -> Cadre:
    if role == "citizen":
        return Cadre(role, None)
    if role == "central_cadre":
        return Cadre(role, "TW")
    if role == "province_cadre":
        return Cadre(role, rng.choice(CADRE_PROVINCES) if rng.random() < 0.85 else rng.choice(sorted(m.provinces)))
    if rng.random() < 0.5:
        return Cadre(role, rng.choice(DEMO_COMMUNES))
    pool = m.by_province[rng.choice(CADRE_PROVINCES)] if rng.random() < 0.85 else list(m.communes.values())
    return Cadre(role, rng.choice(pool).code)


def feasible(role: str, names: set[str]) -> bool:
    """Whether a sender of ``role`` can say a message with these placeholders."""
    if role == "citizen" and names & {"sub", "subprov", "other", "self", "own"}:
        return False
    if role != "central_cadre" and "subprov" in names:
        return False
    if role == "commune_cadre" and "sub" in names:
        return False
    return not (role == "central_cadre" and "other" in names)


def fill(rng: random.Random, name: str, sender: Cadre, m: UnitMap, used: set[str]) -> Fill:
    """The text (and slot) of one placeholder."""
    if name == "code":
        text, canonical = tracking_code(rng)
        return Fill(text, code=canonical)
    if name == "date":
        return Fill(rng.choice(_DATES))
    if name == "period":
        return Fill(rng.choice(_PERIODS))
    if name == "n":
        return Fill(str(rng.randint(40, 260)))
    if name == "m":
        return Fill(str(rng.randint(15, 75)))
    if name in ("name", "man", "woman"):
        return Fill(rng.choice(_PEOPLE.get(name, _PEOPLE["man"] + _PEOPLE["woman"])))
    if name == "commune" and rng.random() < 0.2:
        return fill(rng, "old_commune", sender, m, used)
    if name == "commune":
        unit = rng.choice(list(m.communes.values()))
        return Fill(_place(rng, unit, m), unit.code)
    if name == "province":
        unit = m.provinces[rng.choice(sorted(m.provinces))]
        return Fill(_province_text(rng, unit), unit.code)
    if name == "old_commune":
        old = rng.choice(m.old_communes)
        text = old.text + rng.choice(("", "", " cũ", " (cũ)", ""))
        return Fill(text, old.new_code, old=True)
    if name == "old_district":
        old = rng.choice(m.old_districts)
        return Fill(old.text + rng.choice(("", " cũ", "")), old.new_code, old=True)
    if name == "old_province":
        old = rng.choice(m.old_provinces)
        text = rng.choice((old.text, old.text.split(" ", 1)[1] if " " in old.text else old.text))
        text = text[0].lower() + text[1:] if text.startswith(("Tỉnh", "Thành")) else text
        return Fill(text + rng.choice(("", " cũ", "")), old.new_code, old=True)
    assert sender.unit, name
    own = m.communes.get(sender.unit) or m.provinces.get(sender.unit)
    if name == "self":
        if own is None:
            return Fill(rng.choice(("Trung ương", "Ủy ban Trung ương", "cơ quan Trung ương")), "TW")
        if own.code in m.communes:
            return Fill(f"{own.kind} {own.short}", own.code)
        return Fill(_province_text(rng, own), own.code)
    if name == "own":
        kind = own.kind if own else ""
        return Fill(rng.choice(_OWN[sender.role]).format(kind=kind), sender.unit)
    if name == "sub":
        if sender.role == "province_cadre":
            choices = [u for u in m.by_province[sender.unit] if u.code not in used]
            unit = rng.choice(choices)
            text = f"{unit.kind} {unit.short}" if unit.code in m.ambiguous else _place(rng, unit, m, with_province=0.0)
            return Fill(text, unit.code, other=True)
        if rng.random() < 0.6:
            unit = m.provinces[rng.choice(sorted(m.provinces))]
            return Fill(_province_text(rng, unit), unit.code, other=True)
        unit = rng.choice(list(m.communes.values()))
        return Fill(_place(rng, unit, m, with_province=0.7), unit.code, other=True)
    if name == "subprov":
        unit = m.provinces[rng.choice(sorted(m.provinces))]
        return Fill(_province_text(rng, unit), unit.code, other=True)
    if name == "other":
        if sender.role == "commune_cadre":
            mine = m.communes[sender.unit]
            unit = rng.choice([u for u in m.by_province[mine.province] if u.code != mine.code])
            return Fill(f"{unit.kind} {unit.short}", unit.code, outside=True)
        unit = m.provinces[rng.choice([c for c in sorted(m.provinces) if c != sender.unit])]
        return Fill(_province_text(rng, unit), unit.code, outside=True)
    raise ValueError(f"unknown placeholder {{{name}}}")


# ---------------------------------------------------------------------------------------------------- augmenting
_TEEN = (
    (r"không", ("ko", "k", "hok", "kh", "hông")),
    (r"được", ("dc", "đc", "đk")),
    (r"gì", ("j", "gi")),
    (r"như thế nào", ("ntn", "nhu the nao")),
    (r"mọi người", ("mn", "mng")),
    (r"số điện thoại", ("sdt", "sđt")),
    (r"ủy ban nhân dân", ("ubnd", "UBND")),
    (r"mặt trận tổ quốc", ("mttq", "MTTQ")),
    (r"vậy", ("z", "v", "zậy")),
    (r"rồi", ("r", "rùi", "roài")),
    (r"với", ("vs", "vois")),
    (r"biết", ("bít", "bik")),
    (r"bao nhiêu", ("bn", "bnhiu")),
    (r"trả lời", ("tl", "trl")),
    (r"anh chị", ("ac", "a/c")),
    (r"cái gì", ("cj", "cái j")),
    (r"thôi", ("thui",)),
    (r"nhé", ("nha", "nhe", "nhá")),
    (r"đi", ("đii",)),
    (r"phản ánh", ("PA", "p/a")),
    (r"ủy ban", ("UB", "ub")),
    (r"xã", ("x.",)),
    (r"thành phố", ("tp", "TP")),
    (r"cán bộ", ("cb", "CB")),
    (r"trước", ("trc",)),
    (r"người", ("ng",)),
    (r"chưa", ("chx", "chưa")),
    (r"thế", ("thía",)),
    (r"ạ", ("ah", "ạk")),
    (r"em", ("e",)),
    (r"anh", ("a",)),
    (r"chị", ("c",)),
    (r"bạn", ("b", "bn")),
    (r"tôi", ("t", "tui")),
    (r"mình", ("mk", "mik")),
    (r"quá", ("wá", "qá")),
    (r"đại hội", ("ĐH", "đh")),
    (r"hội đồng nhân dân", ("hđnd", "HĐND")),
)
_ENGLISH = (
    (r"cập nhật", "update"),
    (r"báo cáo", "report"),
    (r"danh sách", "list"),
    (r"kiểm tra", "check"),
    (r"trạng thái", "status"),
    (r"thời hạn", "deadline"),
    (r"cảm ơn", "thanks"),
    (r"xin chào", "hello"),
    (r"vui lòng", "pls"),
    (r"tiến độ", "progress"),
    (r"số liệu", "data"),
    (r"quản trị viên", "admin"),
    (r"cuộc họp", "meeting"),
    (r"hồ sơ", "file"),
    (r"gấp", "urgent"),
    (r"tổng hợp", "summary"),
    (r"mẫu", "form"),
)
_ENGLISH_TAILS = (" pls", " asap", " thanks", " ok?", " thx", ", thank you", " nhé, thanks", " pls help")
_ENGLISH_WORDS = {w for _, w in _ENGLISH} | {
    "pls",
    "asap",
    "thanks",
    "thx",
    "ok",
    "please",
    "help",
    "hi",
    "hello",
    "admin",
    "update",
    "report",
    "list",
    "check",
    "status",
    "deadline",
    "data",
    "system",
    "prompt",
    "ignore",
    "export",
    "user",
    "mode",
    "sorry",
    "bot",
    "app",
    "online",
    "link",
    "login",
    "password",
    "meeting",
    "file",
    "form",
    "summary",
    "progress",
    "urgent",
    "right",
    "fast",
    "email",
    "sql",
    "select",
    "debug",
    "developer",
    "instructions",
    "previous",
    "token",
    "weekend",
}
_TEEN_WORDS = {
    "ko",
    "k",
    "hok",
    "kh",
    "dc",
    "đc",
    "đk",
    "j",
    "ntn",
    "mn",
    "mng",
    "sdt",
    "sđt",
    "ubnd",
    "mttq",
    "z",
    "zậy",
    "rùi",
    "vs",
    "bít",
    "bik",
    "bn",
    "tl",
    "ac",
    "cj",
    "thui",
    "trc",
    "chx",
    "wá",
    "qá",
    "đh",
    "hđnd",
    "mk",
    "mik",
    "ạk",
    "ub",
    "cb",
    "tp",
    "pa",
    "bnhiu",
    "trl",
    "thía",
    "roài",
    "vois",
    "đii",
    "hk",
    "ib",
    "ad",
    "ae",
    "cx",
    "ns",
    "bt",
}
"""Abbreviations that mark a message as written in teen-code wherever they stand (single letters only count when
the generator itself abbreviated a word)."""
_OPENINGS = {
    "citizen": (
        "Kính gửi quý cơ quan, tôi là người dân sống ở đây đã lâu, xin phép được trình bày một việc mà gia đình tôi "
        "trăn trở nhiều ngày nay.",
        "Chào trợ lý, mình hỏi chút nhé, mong được trả lời sớm vì đang cần gấp lắm, mấy hôm nay hỏi khắp nơi rồi mà "
        "chưa ai nói rõ.",
        "Xin lỗi vì làm phiền, tôi già rồi không rành điện thoại lắm, nhờ cháu gõ hộ nên có gì sai sót mong thông cảm.",
        "Dạ em chào anh chị, em là sinh viên ở xa về quê, thấy chuyện này nên muốn hỏi cho rõ ràng.",
    ),
    "cadre": (
        "Chiều nay tôi phải họp giao ban với thường trực mà còn nhiều việc chưa xong, nên nhờ trợ lý làm nhanh giúp "
        "tôi việc này.",
        "Anh ơi, em đang ở cơ sở, sóng yếu nên nhắn ngắn gọn, anh xem giúp em việc này trước khi cấp trên hỏi.",
        "Trợ lý ơi, sáng nay đồng chí thường trực vừa nhắc, văn phòng thì đi vắng hết nên tôi tự làm,",
    ),
}
_CLOSINGS = {
    "citizen": (
        "Tôi xin chân thành cảm ơn và mong sớm nhận được phản hồi từ các cơ quan có trách nhiệm.",
        "Mong anh chị thông cảm vì tôi viết hơi dài, thật sự là đã chờ đợi quá lâu rồi.",
        "Cảm ơn nhiều, chúc các anh chị cán bộ sức khỏe và luôn lắng nghe tiếng nói của bà con.",
    ),
    "cadre": (
        "Làm xong thì gửi lại cho tôi trước 4 giờ chiều nay để kịp tổng hợp gửi lên trên nhé, cảm ơn.",
        "Cần số liệu chính xác vì sẽ đưa vào văn bản chính thức, có gì chưa rõ thì hỏi lại tôi.",
    ),
}
_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_TELEX_MARKS = {"\u0302": lambda c: c + c, "\u0306": lambda c: c + "w", "\u031b": lambda c: c + "w"}


def telex(word: str) -> str:
    """A word as typed with the Vietnamese keyboard switched off: ``đường`` → ``dduowngf``."""
    out: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFD", word.replace("đ", "dd").replace("Đ", "DD")):
        if ch in _TELEX_TONES:
            tone = _TELEX_TONES[ch]
        elif ch in _TELEX_MARKS and out:
            out[-1] = _TELEX_MARKS[ch](out[-1])
        else:
            out.append(ch)
    return "".join(out) + tone


def _sub_words(rng: random.Random, text: str, table: tuple[tuple[str, Any], ...], share: float) -> str:
    for pattern, repl in table:

        def swap(m: re.Match[str], repl: Any = repl) -> str:
            if rng.random() > share:
                return m.group(0)
            return repl if isinstance(repl, str) else rng.choice(repl)

        text = re.sub(rf"(?<!\w){pattern}(?!\w)", swap, text, flags=re.IGNORECASE)
    return text


def typos(rng: random.Random, text: str) -> str:
    """One to three slips of the finger: a dropped, doubled or swapped letter, a word left in telex."""
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        w = words[i]
        kind = rng.randrange(4)
        j = rng.randrange(1, len(w) - 1)
        if kind == 0:
            w = w[:j] + w[j + 1 :]
        elif kind == 1:
            w = w[:j] + w[j] + w[j:]
        elif kind == 2:
            w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
        else:
            w = telex(w) if not w.isascii() else w[:j] + w[j + 1 :]
        words[i] = w
    return " ".join(words)


def english(rng: random.Random, text: str) -> str:
    mixed = _sub_words(rng, text, _ENGLISH, 0.7)
    if mixed == text:
        mixed = text.rstrip(" .?!") + rng.choice(_ENGLISH_TAILS)
    return mixed


def _tokens(text: str) -> list[str]:
    return re.findall(r"[\w/]+", text.lower())


def tags_of(text: str, fills: list[Fill], typo: bool, teen: bool) -> list[str]:
    """The tags an item's final text earns."""
    tags = []
    if strip_marks(text) == text and re.search("[a-zA-Z]", text):
        tags.append("no_diacritics")
    tokens = _tokens(text)
    if teen or any(t in _TEEN_WORDS for t in tokens):
        tags.append("teencode")
    if typo:
        tags.append("typo")
    if any(f.old for f in fills):
        tags.append("old_address")
    if len(text.split()) > 30:
        tags.append("long")
    if any(t in _ENGLISH_WORDS for t in tokens):
        tags.append("english_mixed")
    if any(f.code for f in fills):
        tags.append("tracking_code")
    if any(f.other for f in fills):
        tags.append("other_unit")
    return tags


# ---------------------------------------------------------------------------------------------------- items
_PLACEHOLDER = re.compile(r"\{(\w+)(!?)\}")  # "{unit}", "{code!}"


def render(source: Source, role: str, rng: random.Random, m: UnitMap) -> dict[str, Any]:
    """One item from a source line for a sender of ``role``."""
    sender = pick_sender(rng, role, m)
    fills: list[Fill] = []
    marked: list[bool] = []
    used: set[str] = {sender.unit} if sender.unit else set()

    def hold(match: re.Match[str]) -> str:
        f = fill(rng, match.group(1), sender, m, used)
        if f.unit:
            used.add(f.unit)
        fills.append(f)
        marked.append(bool(match.group(2)))
        return f"\x00{len(fills) - 1}\x00"

    text = _PLACEHOLDER.sub(hold, source.text)
    if rng.random() < (0.08 if source.intent in ("help", "out_of_scope") else 0.2):
        kind = "citizen" if role == "citizen" else "cadre"
        text = f"{rng.choice(_OPENINGS[kind])} {text} {rng.choice(_CLOSINGS[kind])}"
    typo = teen = False
    if rng.random() < 0.24:
        teened = _sub_words(rng, text, _TEEN, 0.6)
        text, teen = teened, teened != text
    if rng.random() < 0.16:
        text, typo = typos(rng, text), True
    if rng.random() < 0.10:
        text = english(rng, text)
    text = re.sub("\x00(\\d+)\x00", lambda mm: fills[int(mm.group(1))].text, text)
    if rng.random() < 0.34:
        text = strip_marks(text)
        if rng.random() < 0.5:
            text = text.lower()
    text = unicodedata.normalize("NFC", text)
    slots: dict[str, str] = {}
    tool = INTENTS[source.intent]
    refused = False
    if tool:
        units = [f for f, mk in zip(fills, marked, strict=True) if f.unit and mk] or [f for f in fills if f.unit]
        codes = [f.code for f in fills if f.code]
        if source.intent == "get_petition_status" and codes:
            slots["tracking_code"] = codes[0]
        elif source.intent == "get_petition_status" and role == "citizen":
            pass
        elif units:
            slots["unit_code"] = units[0].unit or ""  # never empty: only fills that carry a unit
            refused = units[0].outside and source.intent == "update_congress"
        elif source.intent in OWN_UNIT_INTENTS and sender.unit:
            slots["unit_code"] = sender.unit
    item: dict[str, Any] = {
        "role": sender.role,
        "unit_code": sender.unit,
        "text": text,
        "intent": source.intent,
        "tool": tool,
        "slots": slots,
    }
    if refused:
        item["refused"] = True
    item["tags"] = tags_of(text, fills, typo, teen)
    return item


def weight(source: Source) -> float:
    """How many items a line yields relative to its intent's other lines: more for the rarer, harder features."""
    names = {m.group(1) for m in _PLACEHOLDER.finditer(source.text)}
    old = bool(names & {"old_commune", "old_district", "old_province"})
    return 1 + 1.0 * ("code" in names) + 0.5 * old + 0.6 * bool(names & {"sub", "subprov"})


def shares(lines: list[Source], target: int) -> list[int]:
    """``target`` items spread over ``lines`` by weight (largest remainders, ties by order)."""
    weights = [weight(s) for s in lines]
    exact = [target * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(lines)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: target - sum(counts)]:
        counts[i] += 1
    return counts


def expand(sources: list[Source], name: str, m: UnitMap, taken: set[str]) -> list[dict[str, Any]]:
    """Every source line expanded until its intent holds about ``PER_INTENT[name]`` distinct items."""
    items: list[dict[str, Any]] = []
    seen = {t.casefold() for t in taken}
    per_intent: dict[str, list[Source]] = {}
    for s in sources:
        per_intent.setdefault(s.intent, []).append(s)
    for intent in INTENTS:
        lines = per_intent.get(intent, [])
        for source, copies in zip(lines, shares(lines, PER_INTENT[name]), strict=True):
            names = {mm.group(1) for mm in _PLACEHOLDER.finditer(source.text)}
            roles = [r for r in source.roles if feasible(r, names)]
            assert roles, (name, source.line)
            for k in range(copies):
                for attempt in range(12):
                    rng = random.Random(f"{SEED}:{name}:{source.line}:{k}:{attempt}")
                    item = render(source, roles[(k + attempt) % len(roles)], rng, m)
                    if item["text"].casefold() not in seen:
                        seen.add(item["text"].casefold())
                        items.append(item)
                        break
    prefix = name[0]
    return [{"id": f"{prefix}{n:04d}", **item} for n, item in enumerate(items, 1)]


def dumps(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)


def build() -> dict[str, str]:
    """The text of both sets, by file name."""
    m = unit_map()
    train = expand(read_source(DATASETS / "intents.train.src"), "train", m, set())
    dev = expand(read_source(DATASETS / "intents.dev.src"), "dev", m, {i["text"] for i in train})
    return {"intents.train.jsonl": dumps(train), "intents.dev.jsonl": dumps(dev)}


def iter_items(text: str) -> Iterator[dict[str, Any]]:
    return (json.loads(line) for line in text.splitlines())


def main() -> None:
    for name, text in build().items():
        (DATASETS / name).write_text(text, encoding="utf-8")
        items = list(iter_items(text))
        print(name, len(items), dict(Counter(i["intent"] for i in items)))


if __name__ == "__main__":
    main()
