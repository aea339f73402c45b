"""Build the evaluation dataset for the unit resolver (``evals/datasets/unit_resolver.jsonl``).

The expectations are derived only from the source data of the ``vietnamadminunits`` package
(current map: 34 provinces / 3,321 communes; legacy map: 63 provinces / 10,040 communes; its
``convert_address`` converter for pre-2025 addresses) and from hand-written knowledge — never from
the resolver under test (``mattran.domain.units``), which this script does not import.

Every line is a JSON object with ``text`` and ``kind`` and either ``expect`` (one unit code:
5-digit ward code for a commune, 2-digit province code, ``"TW"`` for the central level) or
``ambiguous: true`` with ``expect_any`` (every current unit code the text could mean).

Kinds: exact, no_diacritics, abbreviation, typo, legacy, province, central, ambiguous.

Safety rules applied while generating (so that an expectation is right per the data):

* a commune named together with its (current) province is used only when every current unit and
  every former commune that the same folded name could denote inside that province leads to the same
  code (a few hand-written lines use the weaker rule of ``MapData.safe_same_name_province``, which the
  brief's example "xa tan lap, tinh tay ninh" needs);
* legacy addresses use former communes whose name is unique inside their former district (and, when the
  district is left out, inside the whole new province) and which were not split between several new
  units; the expectation is ``convert_address`` of the canonical "Ward, District, Province" address;
* typos are one-character edits that produce no existing name and stay closest (difflib) to the intended
  commune among the names of that province by a clear margin;
* ambiguous mentions list every current unit with that name (and type, when a type word is written)
  plus the conversion(s) — every piece, for a split commune — of every former commune with that name,
  and always fit current units of at least two provinces. A name written with diacritics is matched as
  spelt ("Định Hòa" is not "Định Hóa"); a name written without them is matched folded;
* province-only mentions skip bare names that are also a current commune's name ("Sóc Trăng") unless
  written with "tỉnh"; "xa tan lap tinh phu tho" follows the brief: the old Phú Thọ's only Tân Lập.

Run: ``python evals/make_unit_dataset.py`` (deterministic: fixed seed, sorted inputs).
"""

from __future__ import annotations

import difflib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import vietnamadminunits
from vietnamadminunits import convert_address
from vietnamadminunits.database import get_data

SEED = 20250701
OUT = Path(__file__).resolve().parent / "datasets" / "unit_resolver.jsonl"
CENTRAL = "TW"
TYPO_MARGIN = 0.10

TARGETS = {
    "exact": 50,
    "no_diacritics": 40,
    "abbreviation": 42,
    "typo": 30,
    "legacy": 42,
    "province": 15,
    "central": 3,
    "ambiguous": 42,
}

_TYPE_PREFIXES = ("Thị trấn ", "Đặc khu ", "Phường ", "Xã ")
_DISTRICT_PREFIXES = ("Thành phố ", "Thị xã ", "Quận ", "Huyện ")
_PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
_FOLDED_TYPE = {"Xã": "xa", "Phường": "phuong", "Đặc khu": "dac khu", "Thị trấn": "thi tran"}


# ---------------------------------------------------------------------------------------------
# text helpers


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, single spaces; numbers without leading zeros."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    words = [str(int(w)) if w.isdigit() else w for w in re.split(r"\s+", text.strip()) if w]
    return " ".join(words)


def spelled(text: str) -> str:
    """Lower case with diacritics kept (NFC): names written with diacritics are matched exactly."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def strip_prefix(name: str, prefixes: Iterable[str]) -> str:
    for prefix in prefixes:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Unit:
    """A commune/ward/special zone of the current (July 2025) map."""

    code: str
    name: str  # "Phường Ba Đình"
    short: str  # "Ba Đình"
    type: str  # "Xã" / "Phường" / "Đặc khu"
    province_code: str
    province: str  # "Thành phố Hà Nội"
    province_short: str  # "Hà Nội"

    @property
    def key(self) -> str:
        return fold(self.short)


@dataclass(frozen=True)
class OldUnit:
    """A commune of the pre-2025 map and where ``convert_address`` puts it today."""

    old_code: str
    name: str
    short: str
    type: str
    district: str
    district_short: str
    district_type: str
    province: str
    province_short: str
    old_province_code: str
    new_code: str  # convert_address(canonical address).ward_code
    new_province_code: str
    pieces: tuple[str, ...]  # every new unit the old one was split into (empty when not split)

    @property
    def key(self) -> str:
        return fold(self.short)

    @property
    def canonical(self) -> str:
        return f"{self.name}, {self.district}, {self.province}"

    @property
    def codes(self) -> set[str]:
        return {self.new_code, *self.pieces}


def _ward(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """A map row's ward: its code, name, name without its type and type (the first fields of both kinds of unit)."""
    return row["wardCode"], row["ward"], strip_prefix(row["ward"], _TYPE_PREFIXES), row["wardType"]


class MapData:
    """Indexes over both maps."""

    def __init__(self) -> None:
        cur_rows = get_data(
            fields=[
                "province",
                "provinceShort",
                "provinceCode",
                "ward",
                "wardShort",
                "wardType",
                "wardCode",
                "provinceKey",
                "wardKey",
            ],
            table="admin_units",
        )
        cur_rows.sort(key=lambda r: r["wardCode"])
        self.units: list[Unit] = []
        ward_by_key: dict[tuple[str, str], str] = {}
        self.province_names: dict[str, str] = {}  # code → full name
        self.province_shorts: dict[str, str] = {}
        for r in cur_rows:
            u = Unit(*_ward(r), r["provinceCode"], r["province"], r["provinceShort"])
            self.units.append(u)
            ward_by_key[(r["provinceKey"], r["wardKey"])] = r["wardCode"]
            self.province_names[u.province_code] = u.province
            self.province_shorts[u.province_code] = u.province_short
        assert len(self.units) == 3321 and len({u.code for u in self.units}) == 3321
        assert len(self.province_names) == 34
        self.by_code = {u.code: u for u in self.units}

        data_file = Path(vietnamadminunits.__file__).parent / "data" / "converter_2025.json"
        converter = json.loads(data_file.read_text(encoding="utf-8"))
        divided: dict[str, list[dict[str, Any]]] = {}
        new_province_key: dict[str, str] = {}
        for new_key, old_keys in converter["DICT_PROVINCE"].items():
            for old_key in old_keys:
                new_province_key[old_key] = new_key
        for new_key, table in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old_key, pieces in table.items():
                divided[old_key] = [{**p, "provinceKey": new_key} for p in pieces]

        legacy_rows = get_data(
            fields=[
                "province",
                "provinceShort",
                "provinceCode",
                "district",
                "districtType",
                "ward",
                "wardType",
                "wardCode",
                "provinceKey",
                "districtKey",
                "wardKey",
            ],
            table="admin_units_legacy",
        )
        legacy_rows = sorted((r for r in legacy_rows if r["ward"]), key=lambda r: r["wardCode"])
        self.old_units: list[OldUnit] = []
        old_to_new_province: dict[str, set[str]] = defaultdict(set)
        self.old_province_names: dict[str, str] = {}
        self.old_province_shorts: dict[str, str] = {}
        for r in legacy_rows:
            canonical = f"{r['ward']}, {r['district']}, {r['province']}"
            converted = convert_address(canonical)
            old = converted.OldAdminUnit
            assert old.ward_key == r["wardKey"] and old.district_key == r["districtKey"], canonical
            assert converted.ward_code, canonical
            split = divided.get(f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}", [])
            pieces = tuple(sorted(ward_by_key[(p["provinceKey"], p["newWardKey"])] for p in split))
            ou = OldUnit(
                *_ward(r),
                r["district"],
                strip_prefix(r["district"], _DISTRICT_PREFIXES),
                r["districtType"],
                r["province"],
                r["provinceShort"],
                r["provinceCode"],
                converted.ward_code,
                converted.province_code,
                pieces,
            )
            assert self.by_code[ou.new_code].province_code == ou.new_province_code
            self.old_units.append(ou)
            old_to_new_province[ou.old_province_code].add(ou.new_province_code)
            self.old_province_names[ou.old_province_code] = ou.province
            self.old_province_shorts[ou.old_province_code] = ou.province_short
        assert len(self.old_province_names) == 63
        # Whole provinces were merged: each former province lies in exactly one new province.
        assert all(len(v) == 1 for v in old_to_new_province.values())
        self.old_to_new_province = {k: next(iter(v)) for k, v in old_to_new_province.items()}

        self.units_by_key: dict[str, list[Unit]] = defaultdict(list)
        for u in self.units:
            self.units_by_key[u.key].append(u)
        self.old_by_key: dict[str, list[OldUnit]] = defaultdict(list)
        for o in self.old_units:
            self.old_by_key[o.key].append(o)
        self.all_keys = set(self.units_by_key) | set(self.old_by_key)
        self.old_district_keys = {fold(o.district_short) for o in self.old_units}
        self.old_district_provinces: dict[str, set[str]] = defaultdict(set)  # folded district name → new provinces
        for o in self.old_units:
            self.old_district_provinces[fold(o.district_short)].add(o.new_province_code)
        self.province_keys = {fold(n) for n in self.province_shorts.values()} | {
            fold(n) for n in self.old_province_shorts.values()
        }
        # Names that could mean the province itself (new or old) — by folded short name.
        self.province_by_name: dict[str, str] = {}
        for code, short in self.old_province_shorts.items():
            self.province_by_name[fold(short)] = self.old_to_new_province[code]
        for code, short in self.province_shorts.items():
            self.province_by_name[fold(short)] = code

    # -- meaning sets -------------------------------------------------------------------------

    def meanings_in_province(self, key: str, province_code: str, unit_type: str | None) -> set[str]:
        """Every code "<type> <name>, <province>" could denote (former communes counted whatever their type)."""
        codes = {
            u.code
            for u in self.units_by_key.get(key, [])
            if u.province_code == province_code and (unit_type is None or u.type == unit_type)
        }
        for o in self.old_by_key.get(key, []):
            if o.new_province_code == province_code:
                codes |= o.codes
        return codes

    def meanings_anywhere(self, name: str, unit_type: str | None, *, exact: bool) -> set[str]:
        """Every code "<type> <name>" (no province) could denote; the type filters both maps.

        ``exact``: the name is written with diacritics, so it is compared as spelt ("Trà Lĩnh" is not
        "Trà Linh"); otherwise it is compared folded ("tra linh" fits both).
        """
        norm = spelled if exact else fold
        key = norm(name)
        codes = {
            u.code
            for u in self.units_by_key.get(fold(name), [])
            if norm(u.short) == key and (unit_type is None or u.type == unit_type)
        }
        for o in self.old_by_key.get(fold(name), []):
            if norm(o.short) == key and (unit_type is None or o.type == unit_type):
                codes |= o.codes
        return codes

    def current_provinces(self, name: str, unit_type: str | None, *, exact: bool) -> set[str]:
        """Provinces having a current unit of that name (and type)."""
        norm = spelled if exact else fold
        return {
            u.province_code
            for u in self.units_by_key.get(fold(name), [])
            if norm(u.short) == norm(name) and (unit_type is None or u.type == unit_type)
        }

    def province_names_in(self, province_code: str) -> list[str]:
        """Folded names (current and former) of every commune that lies in the new province."""
        names = {u.key for u in self.units if u.province_code == province_code}
        names |= {o.key for o in self.old_units if o.new_province_code == province_code}
        return sorted(names)

    def safe_with_province(self, u: Unit) -> bool:
        """The unit's name, typed and with its province, denotes it and nothing else.

        Former communes of that name inside the province count whatever their type: each must convert to ``u``.
        """
        return self.meanings_in_province(u.key, u.province_code, u.type) == {u.code}

    def safe_same_name_province(self, u: Unit) -> bool:
        """Weaker rule, used for a few hand-written lines only: the unit is the only current one of that
        type and name in its province, and the former communes of that name in the former province of the
        *same* name (e.g. old Tây Ninh inside new Tây Ninh) all convert to it. Former communes of a merged-in
        province (e.g. old Long An) would be written with their old province, so they are not counted."""
        same_name_old = [c for c, n in self.old_province_shorts.items() if fold(n) == fold(u.province_short)]
        current = {v.code for v in self.units_by_key[u.key] if v.province_code == u.province_code and v.type == u.type}
        old = {c for o in self.old_by_key.get(u.key, []) if o.old_province_code in same_name_old for c in o.codes}
        return current == {u.code} and old <= {u.code}

    def old_unique_in_district(self, o: OldUnit) -> bool:
        same = [
            x for x in self.old_by_key[o.key] if x.old_province_code == o.old_province_code and x.district == o.district
        ]
        return len(same) == 1

    def old_district_unique(self, o: OldUnit) -> bool:
        key = fold(o.district_short)
        districts = {
            x.district
            for x in self.old_units
            if x.old_province_code == o.old_province_code and fold(x.district_short) == key
        }
        return len(districts) == 1

    def old_unique_in_new_province(self, o: OldUnit) -> bool:
        """Name alone + province: only this former commune and no current unit carries the name there."""
        same_old = [x for x in self.old_by_key[o.key] if x.new_province_code == o.new_province_code]
        same_new = [u for u in self.units_by_key.get(o.key, []) if u.province_code == o.new_province_code]
        return len(same_old) == 1 and not same_new

    def unit(self, province_code: str, name: str) -> Unit:
        hits = [u for u in self.units if u.province_code == province_code and u.name == name]
        assert len(hits) == 1, (province_code, name, hits)
        return hits[0]

    def old_unit(self, province: str, district: str, name: str) -> OldUnit:
        hits = [o for o in self.old_units if o.province == province and o.district == district and o.name == name]
        assert len(hits) == 1, (province, district, name, hits)
        return hits[0]

    def whole_old_unit(self, province: str, district: str, name: str) -> OldUnit:
        """:meth:`old_unit`, which must be the only one of its name in its district and not split since."""
        o = self.old_unit(province, district, name)
        assert self.old_unique_in_district(o) and not o.pieces, o
        return o


# ---------------------------------------------------------------------------------------------
# dataset


class Dataset:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.texts: set[str] = set()
        self.counts: Counter[str] = Counter()

    def full(self, kind: str) -> bool:
        return self.counts[kind] >= TARGETS[kind]

    def add(
        self,
        text: str,
        kind: str,
        expect: str | None = None,
        expect_any: Iterable[str] | None = None,
        *,
        force: bool = False,
    ) -> bool:
        if text in self.texts or (self.full(kind) and not force):
            return False
        row: dict[str, Any] = {"text": text, "kind": kind}
        if expect_any is not None:
            codes = sorted(set(expect_any))
            assert len(codes) >= 2, (text, codes)
            row["ambiguous"] = True
            row["expect_any"] = codes
        else:
            assert expect is not None, text
            row["expect"] = expect
        self.rows.append(row)
        self.texts.add(text)
        self.counts[kind] += 1
        return True


def province_text(m: MapData, code: str, rng: random.Random, style: str) -> str:
    full, short = m.province_names[code], m.province_shorts[code]
    if style == "full":
        return full if rng.random() < 0.75 else short
    if style == "folded":
        return fold(full) if rng.random() < 0.6 else fold(short)
    raise ValueError(style)


_CITY_ABBREVIATIONS = {
    "01": ["HN", "hn", "Hà Nội", "TP Hà Nội", "TP. Hà Nội", "tp hn"],
    "79": ["TP.HCM", "tp hcm", "TPHCM", "tp.hcm", "Tp. Hồ Chí Minh", "HCM", "TP HCM"],
    "48": ["TP Đà Nẵng", "Tp. Đà Nẵng", "tp da nang"],
    "46": ["TP Huế", "Tp. Huế", "tp hue"],
    "92": ["TP Cần Thơ", "Tp.Cần Thơ", "tp can tho"],
    "31": ["TP Hải Phòng", "Tp. Hải Phòng", "tp hai phong"],
}
_TYPE_ABBREVIATIONS = {
    "Phường": ["P. ", "P.", "p. ", "P ", "p."],
    "Xã": ["X. ", "X.", "x. ", "x."],
    "Đặc khu": ["ĐK ", "dk ", "Đk. "],
}


def abbreviated_province(m: MapData, code: str, rng: random.Random) -> str:
    if code in _CITY_ABBREVIATIONS:
        return rng.choice(_CITY_ABBREVIATIONS[code])
    short = m.province_shorts[code]
    return rng.choice([short, short, f"tỉnh {short}", fold(short)])


def make_typo(name: str, rng: random.Random) -> str:
    """One-character edit (substitute, delete, duplicate, swap) away from the first letter of the name."""
    letters = "abcdeghiklmnopqrstuvxy"
    positions = [i for i, c in enumerate(name) if c.isalpha() and i > 0 and name[i - 1].isalpha()]
    i = rng.choice(positions)
    op = rng.choice(["sub", "del", "dup", "swap"])
    if op == "sub":
        return name[:i] + rng.choice([c for c in letters if c != fold(name[i])]) + name[i + 1 :]
    if op == "del":
        return name[:i] + name[i + 1 :]
    if op == "dup":
        return name[:i] + name[i] + name[i:]
    if i + 1 < len(name) and name[i + 1].isalpha() and fold(name[i]) != fold(name[i + 1]):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :]


def typo_ok(m: MapData, u: Unit, wrong: str) -> bool:
    bad, good = fold(wrong), u.key
    if bad == good or len(good.replace(" ", "")) < 5:
        return False
    if bad in m.all_keys or bad in m.old_district_keys or bad in m.province_keys:
        return False
    if not re.fullmatch(r"[a-z]+( [a-z]+)*", bad):
        return False
    target = difflib.SequenceMatcher(None, bad, good).ratio()
    others = [difflib.SequenceMatcher(None, bad, k).ratio() for k in m.province_names_in(u.province_code) if k != good]
    return target - max(others, default=0.0) >= TYPO_MARGIN


def hand_written(m: MapData, ds: Dataset) -> None:
    """Realistic phrasings and the examples the brief asks for; each checked against the data."""
    ba_dinh = m.unit("01", "Phường Ba Đình")
    assert m.safe_with_province(ba_dinh)
    ds.add("P. Ba Đình, HN", "abbreviation", ba_dinh.code, force=True)
    ds.add("số 12 đường Trần Phú, phường Ba Đình, Hà Nội", "exact", ba_dinh.code, force=True)
    ds.add("Phường Ba Đình, Thành phố Hà Nội", "exact", ba_dinh.code, force=True)

    # Old xã Tân Lập of the former Phú Thọ province (huyện Thanh Sơn) — the only Tân Lập of old Phú Thọ,
    # and no current unit of new Phú Thọ is named Tân Lập.
    tan_lap_pt = m.old_unit("Tỉnh Phú Thọ", "Huyện Thanh Sơn", "Xã Tân Lập")
    assert [o for o in m.old_by_key["tan lap"] if o.old_province_code == "25"] == [tan_lap_pt]
    assert m.old_unique_in_district(tan_lap_pt) and m.old_district_unique(tan_lap_pt)
    assert not [u for u in m.units_by_key["tan lap"] if u.province_code == "25"]
    ds.add("xa tan lap tinh phu tho", "legacy", tan_lap_pt.new_code, force=True)
    ds.add("Xã Tân Lập, Huyện Thanh Sơn, Tỉnh Phú Thọ", "legacy", tan_lap_pt.new_code, force=True)
    ds.add("tân lập, thanh sơn, phú thọ", "legacy", tan_lap_pt.new_code, force=True)

    # Today's xã Tân Lập of Tây Ninh; the old Tây Ninh's xã Tân Lập (Tân Biên) converts to it too.
    # (Two former xã Tân Lập of old Long An now also lie in new Tây Ninh; they would be written with "Long An".)
    tan_lap_tn = m.unit("80", "Xã Tân Lập")
    assert m.safe_same_name_province(tan_lap_tn)
    ds.add("xa tan lap, tinh tay ninh", "no_diacritics", tan_lap_tn.code, force=True)
    ds.add("xa tan lap tinh tay ninh", "no_diacritics", tan_lap_tn.code, force=True)
    ds.add("UBND xã Tân Lập, tỉnh Tây Ninh", "exact", tan_lap_tn.code, force=True)

    phu_quoc = m.unit("91", "Đặc khu Phú Quốc")
    assert m.meanings_anywhere("phu quoc", None, exact=False) == {phu_quoc.code}
    assert "phu quoc" not in m.province_keys
    ds.add("đặc khu Phú Quốc", "exact", phu_quoc.code, force=True)
    ds.add("dk phu quoc", "abbreviation", phu_quoc.code, force=True)
    ds.add("Đặc khu Phú Quốc, tỉnh An Giang", "exact", phu_quoc.code, force=True)

    con_dao = m.unit("79", "Đặc khu Côn Đảo")
    assert m.meanings_anywhere("con dao", None, exact=False) == {con_dao.code}
    ds.add("ĐK Côn Đảo, TP.HCM", "abbreviation", con_dao.code, force=True)
    ly_son = m.unit("51", "Đặc khu Lý Sơn")
    assert m.safe_with_province(ly_son)
    ds.add("đặc khu Lý Sơn, Quảng Ngãi", "exact", ly_son.code, force=True)

    ben_thanh = m.unit("79", "Phường Bến Thành")
    assert m.safe_with_province(ben_thanh)
    ds.add("Ủy ban MTTQ Việt Nam phường Bến Thành, TP.HCM", "abbreviation", ben_thanh.code, force=True)
    ds.add("phuong ben thanh, tp ho chi minh", "no_diacritics", ben_thanh.code, force=True)
    sai_gon = m.unit("79", "Phường Sài Gòn")
    assert m.safe_with_province(sai_gon)
    ds.add("Mặt trận phường Sài Gòn, Thành phố Hồ Chí Minh", "exact", sai_gon.code, force=True)

    ben_nghe = m.whole_old_unit("Thành phố Hồ Chí Minh", "Quận 1", "Phường Bến Nghé")
    ds.add("Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "legacy", ben_nghe.new_code, force=True)
    ds.add("P. Bến Nghé, Q.1, TP.HCM", "abbreviation", ben_nghe.new_code, force=True)
    vts = m.whole_old_unit("Thành phố Hồ Chí Minh", "Quận 3", "Phường Võ Thị Sáu")
    ds.add("P.Võ Thị Sáu, Q.3, TP.HCM", "abbreviation", vts.new_code, force=True)
    p5q3 = m.whole_old_unit("Thành phố Hồ Chí Minh", "Quận 3", "Phường 5")
    ds.add("P5, Q3, TPHCM", "abbreviation", p5q3.new_code, force=True)
    ds.add("số 45 Nguyễn Thị Minh Khai, phường 5, quận 3, TP.HCM", "legacy", p5q3.new_code, force=True)

    le_ninh = m.whole_old_unit("Tỉnh Hải Dương", "Thị xã Kinh Môn", "Xã Lê Ninh")
    ds.add("xã Lê Ninh, huyện Kinh Môn, Hải Dương", "legacy", le_ninh.new_code, force=True)
    ds.add("UBND xã Lê Ninh, thị xã Kinh Môn, tỉnh Hải Dương", "legacy", le_ninh.new_code, force=True)

    ds.add("TP.HCM", "province", "79", force=True)
    ds.add("hn", "province", "01", force=True)
    ds.add("tp hcm", "province", "79", force=True)

    ds.add("Trung ương", "central", CENTRAL, force=True)
    ds.add("toàn quốc", "central", CENTRAL, force=True)
    ds.add("Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", "central", CENTRAL, force=True)

    ds.add("phuong 1", "ambiguous", expect_any=m.meanings_anywhere("1", "Phường", exact=False), force=True)
    assert "tan lap" not in m.province_keys and "tan lap" not in m.old_district_keys
    assert len(m.current_provinces("Tân Lập", "Xã", exact=True)) >= 2
    ds.add("Tân Lập", "ambiguous", expect_any=m.meanings_anywhere("Tân Lập", None, exact=True), force=True)
    ds.add("xã Tân Lập", "ambiguous", expect_any=m.meanings_anywhere("Tân Lập", "Xã", exact=True), force=True)


def provinces(m: MapData, ds: Dataset) -> None:
    """Province-only mentions, current and former names.

    A bare name that is also the name of a *current* commune (e.g. "Sóc Trăng": phường Sóc Trăng) or of a
    former district lying in another province is skipped; with the type word "tỉnh" it names the province.
    A bare name shared only with some former commune elsewhere (e.g. the old xã Hà Giang of Thái Bình) is
    kept: read alone it names the province.
    """
    mentions = [
        "Hà Giang",
        "Thành phố Hà Nội",
        "tỉnh Nghệ An",
        "Bình Dương",
        "Bà Rịa - Vũng Tàu",
        "Quảng Nam",
        "tinh thai binh",
        "Kiên Giang",
        "tỉnh Sóc Trăng",
        "tỉnh Bắc Kạn",
        "tỉnh Kon Tum",
        "Thừa Thiên Huế",
        "Đà Nẵng",
        "tinh quang binh",
        "Tỉnh Đắk Nông",
        "Hậu Giang",
        "Tiền Giang",
        "tỉnh Lâm Đồng",
        "Gia Lai",
        "Yên Bái",
        "ninh thuan",
    ]
    extra = {"thua thien hue": "46", "ba ria vung tau": "79"}  # former official names (own knowledge)
    for text in mentions:
        typed = fold(text).startswith(("tinh ", "thanh pho "))
        key = fold(strip_prefix(strip_prefix(text, ("tỉnh ", "tinh ")), _PROVINCE_PREFIXES)).replace(" - ", " ")
        code = extra.get(key) or m.province_by_name[key]
        if not typed and (key in m.units_by_key or m.old_district_provinces.get(key, {code}) != {code}):
            continue
        ds.add(text, "province", code)


def current_units(m: MapData, ds: Dataset, rng: random.Random) -> None:
    safe = [u for u in m.units if m.safe_with_province(u)]
    rng.shuffle(safe)
    taken: set[str] = {r.get("expect", "") for r in ds.rows}

    def fresh(units: list[Unit]) -> Iterable[Unit]:
        for u in units:
            if u.code not in taken:
                taken.add(u.code)
                yield u

    for u in fresh(safe):
        ds.add(f"{u.name}, {province_text(m, u.province_code, rng, 'full')}", "exact", u.code)
        if ds.full("exact"):
            break

    for u in fresh(safe):
        sep = rng.choice([", ", ", ", " "])
        prov = province_text(m, u.province_code, rng, "folded")
        if sep == " " and not prov.startswith(("tinh ", "thanh pho ")):
            prov = fold(m.province_names[u.province_code])
        ds.add(f"{fold(u.name)}{sep}{prov}", "no_diacritics", u.code)
        if ds.full("no_diacritics"):
            break

    # Abbreviations: favour the cities, whose abbreviations are common; leave room for old addresses.
    cities = [u for u in safe if u.province_code in _CITY_ABBREVIATIONS]
    zones = [u for u in safe if u.type == "Đặc khu"]
    others = [u for u in safe if u.province_code not in _CITY_ABBREVIATIONS and u.type != "Đặc khu"]
    for group, n in ((zones, 2), (cities, 16), (others, 8)):
        for u in islice(fresh(group), n):
            prefix = rng.choice(_TYPE_ABBREVIATIONS[u.type])
            short = u.short if rng.random() < 0.8 else fold(u.short)
            ds.add(f"{prefix}{short}, {abbreviated_province(m, u.province_code, rng)}", "abbreviation", u.code)

    for u in [x for x in safe if x.code not in taken]:
        if ds.full("typo"):
            break
        for _ in range(6):
            wrong = make_typo(u.short, rng)
            if typo_ok(m, u, wrong):
                break
        else:
            continue
        if rng.random() < 0.5:
            text = f"{u.type} {wrong}, {province_text(m, u.province_code, rng, 'full')}"
        else:
            text = f"{_FOLDED_TYPE[u.type]} {fold(wrong)}, {province_text(m, u.province_code, rng, 'folded')}"
        ds.add(text, "typo", u.code)
        taken.add(u.code)


def legacy_units(m: MapData, ds: Dataset, rng: random.Random) -> None:
    usable = [o for o in m.old_units if m.old_unique_in_district(o) and not o.pieces and m.old_district_unique(o)]
    rng.shuffle(usable)

    # Abbreviated old addresses (Q., H., TX., TT., P., X.).
    district_abbr = {"Quận": "Q.", "Huyện": "H.", "Thị xã": "TX.", "Thành phố": "TP."}
    ward_abbr = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT."}
    for o in usable:
        if ds.full("abbreviation"):
            break
        province = (
            rng.choice(_CITY_ABBREVIATIONS[o.old_province_code])
            if o.old_province_code in _CITY_ABBREVIATIONS
            else o.province_short
        )
        district = (
            f"Q.{o.district_short}"
            if o.district_short.isdigit()
            else f"{district_abbr[o.district_type]} {o.district_short}"
        )
        ds.add(f"{ward_abbr[o.type]} {o.short}, {district}, {province}", "abbreviation", o.new_code)

    alone = [
        o
        for o in usable
        if m.old_unique_in_new_province(o)
        and fold(o.province_short) not in {fold(s) for s in m.province_shorts.values()}
    ]
    n_alone = 6
    numbered = [o for o in usable if o.short.isdigit() or o.district_short.isdigit()]
    for i, o in enumerate(usable):
        if ds.counts["legacy"] >= TARGETS["legacy"] - n_alone:
            break
        style = i % 5
        if numbered and style == 4:
            o = numbered.pop()
        if style == 0:
            text = o.canonical
        elif style == 1:
            text = f"{o.type.lower()} {o.short}, {o.district_type.lower()} {o.district_short}, {o.province_short}"
        elif style == 2:
            text = fold(f"{o.name}, {o.district}, {o.province}")
            if rng.random() < 0.5:
                text = text.replace(",", "")
        elif style == 3 and not o.short.isdigit() and not o.district_short.isdigit():
            text = f"{o.short}, {o.district_short}, {o.province_short}"  # no type words
        else:
            text = f"{o.name}, {o.district}, {o.province_short}"
        ds.add(text, "legacy", o.new_code)

    # A few former communes named with their (former) province only.
    for o in alone:
        if ds.full("legacy"):
            break
        ds.add(
            f"{o.name}, {o.province}" if rng.random() < 0.5 else fold(f"{o.name} {o.province}"), "legacy", o.new_code
        )


def ambiguous(m: MapData, ds: Dataset, rng: random.Random) -> None:
    """Names carried by current units of at least two provinces, written without a province."""
    names = sorted(k for k, us in m.units_by_key.items() if len({u.province_code for u in us}) >= 2)
    rng.shuffle(names)
    for n in (2, 3, 7, 10, 4):  # numbered former wards: no current unit bears these names
        codes = m.meanings_anywhere(str(n), "Phường", exact=False)
        if len(codes) >= 2:
            ds.add(rng.choice([f"phường {n}", f"P.{n}", f"Phường {n}"]), "ambiguous", expect_any=codes)
    for i, key in enumerate(names):
        if ds.full("ambiguous"):
            break
        us = m.units_by_key[key]
        style = i % 3
        unit_type: str | None = None
        if style == 0:
            unit_type = Counter(u.type for u in us).most_common(1)[0][0]
        elif key in m.province_keys or key in m.old_district_keys:
            continue  # untyped, it could also name a province or a former district
        exact = style != 2
        # With diacritics, use a spelling that several provinces share exactly.
        spellings = sorted(
            {u.short for u in us}, key=lambda n: (-len(m.current_provinces(n, unit_type, exact=exact)), n)
        )
        display = spellings[0]
        if len(m.current_provinces(display, unit_type, exact=exact)) < 2:
            continue
        name = display if exact else fold(display)
        text = f"{unit_type.lower()} {name}" if unit_type else name
        ds.add(text, "ambiguous", expect_any=m.meanings_anywhere(display, unit_type, exact=exact))


def validate(m: MapData, ds: Dataset) -> None:
    codes = set(m.by_code) | set(m.province_names) | {CENTRAL}
    for row in ds.rows:
        assert row["kind"] in TARGETS, row
        for code in row.get("expect_any", [row.get("expect")]):
            assert code in codes, row
        if row["kind"] == "province":
            assert row["expect"] in m.province_names
    assert len(ds.rows) >= 260, len(ds.rows)


def main() -> None:
    rng = random.Random(SEED)
    m = MapData()
    ds = Dataset()
    hand_written(m, ds)
    provinces(m, ds)
    current_units(m, ds, rng)
    legacy_units(m, ds, rng)
    ambiguous(m, ds, rng)
    validate(m, ds)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in ds.rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(ds.rows)} lines to {OUT}: {dict(sorted(ds.counts.items()))}")


if __name__ == "__main__":
    main()
