"""The unit resolver: free Vietnamese text → administrative unit(s) of the July 2025 map.

Diacritics-insensitive, abbreviation-aware (TP, P., X., Q., H., hcm, hn, …), typo-tolerant (pg_trgm),
and aware of pre-2025 addresses (63 provinces, districts, old communes), which are converted to
today's unit through the ``vietnamadminunits`` converter (precomputed into ``legacy_units``).
Ambiguous mentions return candidates, never a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from pydantic import BaseModel

from mattran.domain.admin_map import (
    CENTRAL_CODE,
    LEGACY_COMMUNE_PREFIXES,
    LEGACY_DISTRICT_PREFIXES,
    TYPE_LABELS,
    LegacyRecord,
    short_name,
)
from mattran.domain.text import fold, nfc, strip_marks
from mattran.domain.unit import Level, Unit
from mattran.store import units as units_store
from mattran.store.db import Conn

Status = Literal["resolved", "ambiguous", "not_found"]
LevelName = Literal["central", "province", "commune"]
_LEVEL_NAMES: dict[Level, LevelName] = {
    Level.CENTRAL: "central",
    Level.PROVINCE: "province",
    Level.COMMUNE: "commune",
}

# Token-level expansions applied after folding.
_EXPAND = {
    "tp": "thanh pho",
    "tphcm": "thanh pho ho chi minh",
    "hcm": "ho chi minh",
    "hcmc": "ho chi minh",
    "tphn": "thanh pho ha noi",
    "hn": "ha noi",
    "hp": "hai phong",
    "tpdn": "thanh pho da nang",
    "p": "phuong",
    "f": "phuong",
    "ph": "phuong",
    "x": "xa",
    "q": "quan",
    "h": "huyen",
    "tt": "thi tran",
    "tx": "thi xa",
    "dk": "dac khu",
    "brvt": "ba ria vung tau",
    "daklak": "dak lak",
    "daknong": "dak nong",
    "tw": "trung uong",
}
_GLUED = re.compile(r"^(p|f|q|ph)(\d{1,2})$")
_GLUED_TYPE = {"p": "phuong", "f": "phuong", "ph": "phuong", "q": "quan"}
_NOISE = [  # removed in this order
    "uy ban mat tran to quoc viet nam",
    "uy ban mat tran to quoc",
    "mat tran to quoc",
    "ubmttq",
    "mttq",
    "uy ban nhan dan",
    "ubnd",
    "uy ban",
    "viet nam",
    "vietnam",
    "dia chi",
    "dia ban",
]
_NOISE_PATTERNS = [re.compile(rf"\b{noise}\b") for noise in _NOISE]
_PARSED_KEPT = 4096  # parses kept (typed places repeat: the same commune from many people)
_SEPARATORS = re.compile(r"[,;\n|]+")
_COMMUNE_TYPES = {("dac", "khu"): "dac_khu", ("thi", "tran"): "thi_tran", ("xa",): "xa", ("phuong",): "phuong"}
_DISTRICT_TYPES = {("thi", "xa"): "thi_xa", ("thanh", "pho"): "thanh_pho", ("quan",): "quan", ("huyen",): "huyen"}
_PROVINCE_TYPES = [("thanh", "pho"), ("tinh",), ("thu", "do")]
_ALL_TYPES = [*_COMMUNE_TYPES, *_DISTRICT_TYPES, *_PROVINCE_TYPES]
_TWO_WORD_TYPES = {w for w in _ALL_TYPES if len(w) == 2}
_CENTRAL = {"trung uong", "toan quoc", "ca nuoc"}
_FUZZY_PROVINCE = 0.85  # the least similarity of a misspelt province's name
_LEGACY_TYPES = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran"}
_PROVINCE_ALIASES = {
    "01": ["ha noi", "thu do ha noi", "thu do"],
    "79": ["ho chi minh", "sai gon", "thanh pho sai gon"],
    "46": ["thua thien hue"],
    "31": ["hai phong"],
}
_LEGACY_PROVINCE_ALIASES = {"77": ["ba ria", "vung tau"], "46": ["hue"]}
# Provinces merged whole into one before 2025 that people still write: name → (the 2024 province, the old name).
_OLDER_PROVINCES = {"ha tay": ("01", "Tỉnh Hà Tây")}
_EXACT, _LEGACY, _FUZZY_MIN, _FUZZY_GAP = 1.0, 0.9, 0.45, 0.08
_CLOSE_MIN = 0.75  # difflib ratio for a misspelt name among one province's names


class UnitMatch(BaseModel):
    """One unit the text may mean."""

    code: str
    name: str
    type: str
    level: LevelName
    province_code: str | None
    province_name: str | None
    score: float
    converted_from: str | None = None


class Resolution(BaseModel):
    """What the resolver understood: one unit, candidates to choose from, or nothing."""

    query: str
    status: Status
    converted: bool
    message: str
    results: list[UnitMatch]


@dataclass
class _Province:
    code: str
    legacy_code: str | None = None  # set when the name is a pre-2025 province only
    legacy_name: str | None = None


@dataclass
class _Mention:
    start: int
    end: int
    key: str
    kind: str | None  # the commune type written before it, if any


@dataclass
class _Parsed:
    province: _Province | None = None
    district: str | None = None
    commune: _Mention | None = None
    loose: str | None = None  # text left for a fuzzy look-up
    central: bool = False
    tokens: list[str] = field(default_factory=list)
    raw: str = ""  # the text as typed, NFC lower case
    former: bool = False  # the name is followed by "cũ": the unit of before 2025


def _tokens(text: str) -> list[str]:
    """Folded tokens with abbreviations expanded; commas kept as ``,`` separators."""
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        folded = fold(part)
        for noise in _NOISE_PATTERNS:
            folded = noise.sub(" ", folded)
        words: list[str] = []
        for w in folded.split():
            glued = _GLUED.match(w)
            if glued:
                words += [_GLUED_TYPE[glued.group(1)], str(int(glued.group(2)))]
            elif w.isdigit():
                words.append(str(int(w)))
            else:
                words += _spelled(w)
        if words:
            if out:
                out.append(",")
            out += words
    return out


def spelled_out(text: str) -> list[str]:
    """The folded words of ``text`` with the abbreviations people write for units spelled out ("p." → "phuong",
    "tp" → "thanh pho", "hcm" → "ho chi minh")."""
    return [x for w in fold(text).split() for x in _spelled(w)]


def _spelled(word: str) -> list[str]:
    """One folded word, or the words its abbreviation stands for."""
    return _EXPAND.get(word, word).split()


def _bounds(matcher: SequenceMatcher[str]) -> Iterator[float]:
    """Upper bounds of ``matcher.ratio()``, the cheapest first."""
    yield matcher.real_quick_ratio()
    yield matcher.quick_ratio()


def _type_before(tokens: list[str], start: int, types: dict[tuple[str, ...], str]) -> tuple[str | None, int]:
    """The type word(s) ending right before ``start``, and where they begin."""
    for words, kind in types.items():
        n = len(words)
        if start >= n and tuple(tokens[start - n : start]) == words:
            return kind, start - n
    return None, start


def _inside_typed_name(tokens: list[str], start: int) -> bool:
    """True when other words stand between a commune type word and ``start`` ("xã Tây Khánh Vĩnh")."""
    for i in range(start - 1, -1, -1):
        if tokens[i] == ",":
            return False
        for words in _COMMUNE_TYPES:
            if tuple(tokens[i : i + len(words)]) == words and i + len(words) < start:
                return _type_before(tokens, i + len(words), _DISTRICT_TYPES)[0] != "thi_xa"
    return False


def _district_key(row: LegacyRecord) -> str:
    return fold(short_name(row.district_name, LEGACY_DISTRICT_PREFIXES))


class UnitResolver:
    """In-memory index of the map (3,356 units, 10,040 former communes) plus pg_trgm for typos."""

    def __init__(self, units: list[Unit], legacy: list[LegacyRecord]) -> None:
        self.units = {u.code: u for u in units}
        self._parsed: dict[str, _Parsed] = {}  # text → what it names; the map is fixed for the resolver's life
        # Names of two syllables or more, folded and padded, for finding a unit named without its type word.
        self.bare_names = {u.code: f" {fold(u.short_name)} " for u in units if len(fold(u.short_name).split()) > 1}
        self.communes_by_key: dict[str, list[Unit]] = defaultdict(list)
        self.province_names: dict[tuple[str, ...], _Province] = {}
        for u in units:
            if u.level == Level.COMMUNE:
                self.communes_by_key[u.name_key].append(u)
            elif u.level == Level.PROVINCE:
                for name in {u.name_key, fold(u.name), *_PROVINCE_ALIASES.get(u.code, [])}:
                    self.province_names[tuple(name.split())] = _Province(u.code)
        self.legacy_by_key: dict[str, list[LegacyRecord]] = defaultdict(list)
        self.legacy_districts: dict[str, list[LegacyRecord]] = defaultdict(list)
        legacy_provinces: dict[str, tuple[str, set[str]]] = {}
        for r in legacy:
            new_province = self.units[r.new_code].province_code
            _, provinces = legacy_provinces.setdefault(r.province_code, (r.province_name, set()))
            if new_province is not None:  # always set: a former commune became a commune
                provinces.add(new_province)
            self.legacy_districts[_district_key(r)].append(r)
            if name_key := r.name_key:
                self.legacy_by_key[name_key].append(r)
        for legacy_code, (name, new_codes) in legacy_provinces.items():
            new_code = sorted(new_codes)[0]
            short = fold(short_name(name, ("Tỉnh", "Thành phố")))
            for variant in {short, fold(name), *_LEGACY_PROVINCE_ALIASES.get(legacy_code, [])}:
                key = tuple(variant.split())
                if key not in self.province_names:
                    self.province_names[key] = _Province(new_code, legacy_code, name)
        for older, (legacy_code, name) in _OLDER_PROVINCES.items():  # "Hà Tây cũ": today's Hà Nội
            new_code = sorted(legacy_provinces[legacy_code][1])[0] if legacy_code in legacy_provinces else legacy_code
            for variant in (older, fold(name)):
                self.province_names.setdefault(tuple(variant.split()), _Province(new_code, legacy_code, name))
        self._longest_name = max(len(k.split()) for k in [*self.communes_by_key, *self.legacy_by_key])
        self._names_ending_cu = frozenset(  # names whose last word folds to "cu" ("An Cư"): not "cũ" after a name
            key for key in [*self.communes_by_key, *self.legacy_by_key, *self.legacy_districts] if key.endswith(" cu")
        )

    # -- parsing -----------------------------------------------------------------------------

    def _find_province(self, tokens: list[str]) -> tuple[_Province | None, int, int]:
        best: tuple[int, int, _Province] | None = None
        for words, province in self.province_names.items():
            n = len(words)
            for i in range(len(tokens) - n + 1):
                if tuple(tokens[i : i + n]) != words:
                    continue
                if (
                    _type_before(tokens, i, _COMMUNE_TYPES)[0]
                    or _type_before(tokens, i, {("quan",): "q", ("huyen",): "h", ("thi", "xa"): "tx"})[0]
                ):
                    continue  # "phường Bắc Giang" names a commune, not the province
                if best is None or (i + n, n) > (best[1], best[1] - best[0]):
                    best = (i, i + n, province)
        if best is None:
            return None, 0, 0
        start = best[0]
        for words in _PROVINCE_TYPES:
            if start >= len(words) and tuple(tokens[start - len(words) : start]) == words:
                start -= len(words)
                break
        return best[2], start, best[1]

    def _fuzzy_province(self, tokens: list[str]) -> tuple[_Province | None, int]:
        """A misspelt province in the last comma-separated part ("phu thoo")."""
        if "," in tokens:
            cut = len(tokens) - tokens[::-1].index(",")
            tails = [(cut - 1, " ".join(tokens[cut:]))]
        else:
            tails = [(len(tokens) - n, " ".join(tokens[-n:])) for n in (2, 3) if len(tokens) >= n]
        best: tuple[float, int, _Province | None] = (0.0, len(tokens), None)
        # "phường Hải Châu": words right after a commune type word name the commune, not a misspelt province
        tails = [
            (cut, tail)
            for cut, tail in tails
            if not _type_before(tokens, cut + ("," in tokens), _COMMUNE_TYPES)[0] and not self._ends_in_a_name(tail)
        ]
        for cut, tail in tails:
            matcher = SequenceMatcher(None, tail)
            for key, province in self.province_names.items():
                matcher.set_seq2(" ".join(key))
                # ratio <= quick_ratio <= real_quick_ratio: what cannot beat the best nor reach the threshold is skipped
                if not all(bound > best[0] and bound >= _FUZZY_PROVINCE for bound in _bounds(matcher)):
                    continue
                score = matcher.ratio()
                if score > best[0]:
                    best = (score, cut, province)
        return (best[2], best[1]) if best[0] >= _FUZZY_PROVINCE else (None, len(tokens))

    def _ends_in_a_name(self, tail: str) -> bool:
        """Whether words ending ``tail`` are a commune's or former district's name as written ("gia lam", "tp chi
        linh"): no misspelt province ("Gia Lai", "Hồ Chí Minh")."""
        words = tail.split()
        return any(
            (name := " ".join(words[i:])) in self.legacy_districts
            or name in self.communes_by_key
            or name in self.legacy_by_key
            for i in range(len(words) - 1)
        )

    def _parse(self, text: str) -> _Parsed:
        """What ``text`` names (read-only for callers: one parse serves every later request with the same text)."""
        if (known := self._parsed.get(text)) is not None:
            return known
        if len(self._parsed) >= _PARSED_KEPT:
            self._parsed.clear()
        self._parsed[text] = parsed = self._parse_text(text)
        return parsed

    def _parse_text(self, text: str) -> _Parsed:
        written = _tokens(text)
        tokens = self._without_former(written)
        former = len(tokens) < len(written)
        parsed = _Parsed(tokens=tokens, raw=nfc(text).lower(), former=former)
        if " ".join(t for t in tokens if t != ",") in _CENTRAL:
            parsed.central = True
            return parsed
        province, p_start, p_end = self._find_province(tokens)
        if province:
            rest = tokens[:p_start] + tokens[p_end:]
        else:
            province, cut = self._fuzzy_province(tokens)
            rest = tokens[:cut]
        parsed.province = province
        while rest and rest[-1] == ",":
            rest.pop()
        parsed.commune, parsed.district = self._find_commune(rest, province)
        parsed.loose = self._loose_text(rest)
        return parsed

    def _without_former(self, tokens: list[str]) -> list[str]:
        """The tokens without "cũ" after a name, at the end or before a comma ("huyện Lâm Thao cũ, tỉnh Phú Thọ"),
        unless it ends the name itself ("xã An Cư")."""
        kept = []
        for k, token in enumerate(tokens):
            ends_part = k + 1 == len(tokens) or tokens[k + 1] == ","
            if token == "cu" and ends_part and k and not self._ends_in_cu(tokens[:k]):
                continue
            kept.append(token)
        return kept

    def _ends_in_cu(self, before: list[str]) -> bool:
        """Whether the name written right before a "cu" (after its type word, or from the start of its part) ends in
        it: "xã An Cư", "Phù Cừ, Hưng Yên"; not "huyện An Phú cũ"."""
        start = len(before) - before[::-1].index(",") if "," in before else 0
        for i in range(len(before) - 1, start - 1, -1):
            if any(i + 1 >= len(w) and tuple(before[i + 1 - len(w) : i + 1]) == w for w in _ALL_TYPES):
                start = i + 1
                break
        return " ".join([*before[start:], "cu"]) in self._names_ending_cu

    def _find_commune(self, tokens: list[str], province: _Province | None) -> tuple[_Mention | None, str | None]:
        mentions: list[_Mention] = []
        district: str | None = None
        for i in range(len(tokens)):
            if i and (tokens[i - 1], tokens[i]) in _TWO_WORD_TYPES:
                continue  # "thành phố Vĩnh Yên" holds no "Phổ Vinh"
            for j in range(i + 1, min(len(tokens), i + self._longest_name) + 1):
                if "," in tokens[i:j]:
                    break
                key = " ".join(tokens[i:j])
                d_kind, _ = _type_before(tokens, i, _DISTRICT_TYPES)
                c_kind, _ = _type_before(tokens, i, _COMMUNE_TYPES)
                if d_kind == "thi_xa":
                    c_kind = None  # "thị xã Kinh Môn" is a former district, not "xã Kinh Môn"
                if d_kind and c_kind is None:
                    if key in self.legacy_districts and (j == len(tokens) or tokens[j] == ","):
                        district = key
                    continue
                if (key in self.communes_by_key or key in self.legacy_by_key) and not (
                    c_kind is None and _inside_typed_name(tokens, i)
                ):
                    mentions.append(_Mention(i, j, key, c_kind))
        if not mentions:
            return None, district
        # Prefer a name written after its type word, then the right-most, then the longest.
        best = max(mentions, key=lambda m: (m.kind is not None, m.end, m.end - m.start))
        if best.kind is None:
            # "tân lập, thanh sơn, phú thọ": an old commune followed by its old district, types omitted.
            for m in mentions:
                if (
                    m.end < best.start
                    and tokens[m.end : best.start] == [","]
                    and self._legacy_in_district(m.key, best.key, province)
                ):
                    return m, best.key
        if district is None:
            district = self._untyped_district(tokens, best)
        return best, district

    def _legacy_in_district(self, commune_key: str, district_key: str, province: _Province | None) -> bool:
        return any(
            _district_key(r) == district_key
            and (province is None or self.units[r.new_code].province_code == province.code)
            for r in self.legacy_by_key.get(commune_key, [])
        )

    def _untyped_district(self, tokens: list[str], commune: _Mention) -> str | None:
        """An old district written without its type, right after the commune or in the part after it ("tân lập,
        thanh sơn", "thị trấn Hùng Sơn Lâm Thao")."""
        nxt = tokens[commune.end + (commune.end < len(tokens) and tokens[commune.end] == ",") :]
        part = " ".join(nxt[: nxt.index(",")] if "," in nxt else nxt)
        return part if part in self.legacy_districts else None

    @staticmethod
    def _loose_text(tokens: list[str]) -> str | None:
        """The words after the last commune type word, or the last comma-separated part."""
        for i in range(len(tokens) - 1, -1, -1):
            for words in _COMMUNE_TYPES:
                n = len(words)
                if tuple(tokens[i : i + n]) == words:
                    tail = tokens[i + n :]
                    return " ".join(tail[: tail.index(",")] if "," in tail else tail) or None
        if not tokens:
            return None
        cut = len(tokens) - tokens[::-1].index(",") if "," in tokens else 0
        return " ".join(tokens[cut:]) or None

    # -- matching ----------------------------------------------------------------------------

    def _match(self, unit: Unit, score: float, converted_from: str | None = None) -> UnitMatch:
        return UnitMatch(
            code=unit.code,
            name=unit.name,
            type=TYPE_LABELS[unit.type],
            level=_LEVEL_NAMES[unit.level],
            province_code=unit.province_code,
            province_name=unit.province_name,
            score=round(score, 3),
            converted_from=converted_from,
        )

    def _exact(self, parsed: _Parsed) -> tuple[list[UnitMatch], bool]:
        mention = parsed.commune
        assert mention is not None
        province = parsed.province

        def new_ok(u: Unit, typed: bool) -> bool:
            return (province is None or u.province_code == province.code) and (
                not typed or mention.kind is None or u.type == mention.kind
            )

        def legacy_ok(r: LegacyRecord, typed: bool) -> bool:
            new_province = self.units[r.new_code].province_code
            return (
                (province is None or new_province == province.code)
                and (province is None or province.legacy_code is None or r.province_code == province.legacy_code)
                and (parsed.district is None or _district_key(r) == parsed.district)
                and (not typed or mention.kind is None or _LEGACY_TYPES.get(r.type or "") == mention.kind)
            )

        for typed in (True, False):
            new = [u for u in self.communes_by_key.get(mention.key, []) if new_ok(u, typed)]
            old = [r for r in self.legacy_by_key.get(mention.key, []) if legacy_ok(r, typed)]
            prefer_old = (
                parsed.district is not None
                or parsed.former
                or mention.kind == "thi_tran"
                or (province is not None and province.legacy_code is not None)
            )
            if strip_marks(parsed.raw) != parsed.raw:
                # typed with diacritics: "Định Hòa" does not also mean "Định Hóa"; "Sơn Vi" is not Sơn Vĩ
                new_marked = [u for u in new if nfc(u.short_name).lower() in parsed.raw]
                old_marked = [
                    r for r in old if r.name and nfc(short_name(r.name, LEGACY_COMMUNE_PREFIXES)).lower() in parsed.raw
                ]
                new = new_marked or ([] if old_marked else new)
                old = old_marked or old
            if province is not None and province.legacy_code is None:
                # "Phú Thọ" names both today's province and the former one: prefer the former one's communes.
                same_name = [r for r in old if r.province_code == province.code]
                old = same_name or old
            if old and (prefer_old or not new):
                by_code: dict[str, UnitMatch] = {}
                for r in old:
                    was = f"{r.name}, {r.district_name}, {r.province_name}"
                    by_code.setdefault(r.new_code, self._match(self.units[r.new_code], _LEGACY, was))
                return list(by_code.values()), True
            if new:
                return [self._match(u, _EXACT) for u in new], False
        return [], False

    async def _fuzzy(self, conn: Conn, parsed: _Parsed) -> list[UnitMatch]:
        key = parsed.loose or ""
        if len(key.replace(" ", "")) < 3:
            return []
        if parsed.province:
            return self._close_in_province(key, parsed.province.code)
        best: dict[str, UnitMatch] = {}
        for code, score in await units_store.similar_communes(conn, key, None):
            best[code] = self._match(self.units[code], score)
        for code, score, was in await units_store.similar_legacy_communes(conn, key, None):
            if code not in best or best[code].score < score * _LEGACY:
                best[code] = self._match(self.units[code], score * _LEGACY, was)
        ranked = sorted((m for m in best.values() if m.score >= _FUZZY_MIN), key=lambda m: -m.score)
        return ranked[:5]

    def _close_in_province(self, key: str, province_code: str) -> list[UnitMatch]:
        """Misspelt names within one province: closest current or former names by edit similarity."""
        best: dict[str, UnitMatch] = {}
        for name_key, units in self.communes_by_key.items():
            for u in units:
                if u.province_code == province_code:
                    score = SequenceMatcher(None, key, name_key).ratio()
                    if score >= _CLOSE_MIN and (u.code not in best or best[u.code].score < score):
                        best[u.code] = self._match(u, score)
        for name_key, rows in self.legacy_by_key.items():
            for r in rows:
                unit = self.units[r.new_code]
                if unit.province_code == province_code:
                    score = SequenceMatcher(None, key, name_key).ratio() * _LEGACY
                    if score >= _CLOSE_MIN and (unit.code not in best or best[unit.code].score < score):
                        was = f"{r.name}, {r.district_name}, {r.province_name}"
                        best[unit.code] = self._match(unit, score, was)
        return sorted(best.values(), key=lambda m: -m.score)[:5]

    def _province_written(self, name: str, written: str | None) -> bool:
        """Whether a folded ``name`` that may be a province's names the province in the text (``written``: with
        marks, lower case; None when typed without them): with its marks, "Yên Bài" is a commune, not Yên Bái."""
        province = self.province_names.get(tuple(name.split()))
        if province is None:
            return False
        if written is None:
            return True
        communes = [nfc(u.short_name).lower() for u in self.communes_by_key.get(name.strip(), [])]
        full = province.legacy_name or self.units[province.code].name
        official = nfc(short_name(full, ("Tỉnh", "Thành phố"))).lower()
        return official in written or not any(c in written for c in communes)

    def provinces_named(self, text: str) -> list[Unit]:
        """Every province (today's) ``text`` names by its name alone, in the order written ("Phú Thọ nhiều hơn Hà
        Nội …"), each once; not a commune of the same name written with its type."""
        found: list[Unit] = []
        for words in self.province_mentions(text):
            if (unit := self.units[self.province_names[tuple(words.split())].code]) not in found:
                found.append(unit)
        return found

    def province_mentions(self, text: str) -> list[str]:
        """The words (folded) of every province ``text`` names by its name alone, today's or a former one ("vinh
        phuc"), in the order written, each once; not a commune of the same name written with its type."""
        tokens, found, i = _tokens(text), [], 0
        written = nfc(text).lower() if strip_marks(text) != text else None
        while i < len(tokens):
            sizes = range(min(4, len(tokens) - i), 0, -1)
            n = next((n for n in sizes if self._names_province(tokens, i, n, written)), 0)
            if n and (words := " ".join(tokens[i : i + n])) not in found:
                found.append(words)
            i += n or 1
        return found

    def _names_province(self, tokens: list[str], i: int, n: int, written: str | None) -> bool:
        """Whether ``tokens[i : i + n]`` name a province ("phường Bắc Giang" is a commune; "các phường xã Hà Nội" the
        province)."""
        words = " ".join(tokens[i : i + n])
        return (
            tuple(tokens[i : i + n]) in self.province_names
            and not (_type_before(tokens, i, _COMMUNE_TYPES)[0] and words in self.communes_by_key)
            and self._province_written(words, written)
        )

    def province_named(self, text: str) -> Unit | None:
        """The province (today's) that ``text`` names by its name alone, old names included ("ở Sơn La", "Hà
        Nam cũ"), when it names one; not a commune of the same name written with its type ("phường Bắc Giang")."""
        province, _start, _end = self._find_province(_tokens(text))
        return self.units[province.code] if province else None

    def named_alone(self, text: str) -> list[Unit]:
        """The communes and wards whose name ``text`` holds without their type word ("đại hội Lai Đồng"), every unit of
        that name; written with marks, the name must be too ("văn bản" is not Xã Vân Bán). Names of one syllable are
        too common to count; a name inside a longer one found ("Tam Dương" in "Tam Dương Bắc") or equal to a
        province's ("Phú Thọ") does not count."""
        folded = f" {fold(text)} "
        marked = strip_marks(text) != text
        written = nfc(text).lower()
        found = [
            unit
            for code, name in self.bare_names.items()
            if name in folded
            and (unit := self.units[code]).level == Level.COMMUNE
            and (not marked or nfc(unit.short_name).lower() in written)
            and not self._province_written(name, written if marked else None)
        ]
        names = {self.bare_names[u.code] for u in found}
        return [u for u in found if not any(self.bare_names[u.code] in n != self.bare_names[u.code] for n in names)]

    async def resolve(self, conn: Conn, text: str) -> Resolution:
        """Resolve ``text`` to one unit, to candidates when it is ambiguous, or to nothing."""
        parsed = self._parse(text)
        converted = False
        results: list[UnitMatch] = []
        if parsed.central:
            results = [self._match(self.units[CENTRAL_CODE], _EXACT)]
        elif parsed.commune:
            results, converted = self._exact(parsed)
        if not results and parsed.district:  # a former district: its communes (in one province or several, each asked)
            results, converted = self._district_candidates(parsed), True
        if not results and parsed.loose:
            results = await self._fuzzy(conn, parsed)
            if len(results) > 1 and results[0].score - results[1].score >= _FUZZY_GAP:
                results = results[:1]
            converted = bool(results) and all(m.converted_from for m in results)
        if not results and parsed.province:
            unit = self.units[parsed.province.code]
            was = parsed.province.legacy_name
            results, converted = [self._match(unit, _LEGACY if was else _EXACT, was)], was is not None
        return self._answer(text, results, converted)

    def _district_candidates(self, parsed: _Parsed) -> list[UnitMatch]:
        province = parsed.province
        codes = {
            r.new_code
            for r in self.legacy_districts.get(parsed.district or "", [])
            if province is None or self.units[r.new_code].province_code == province.code
        }
        return [self._match(self.units[c], _LEGACY, f"{parsed.district} (đơn vị cấp huyện cũ)") for c in sorted(codes)]

    @staticmethod
    def _answer(text: str, results: list[UnitMatch], converted: bool) -> Resolution:
        if not results:
            return Resolution(
                query=text,
                status="not_found",
                converted=False,
                results=[],
                message=f"Không tìm thấy đơn vị hành chính phù hợp với “{text}”. "
                "Vui lòng ghi rõ tên xã/phường/đặc khu và tỉnh/thành phố.",
            )
        results.sort(key=lambda m: (-m.score, m.province_name or "", m.name))
        if len(results) > 1:
            return Resolution(
                query=text,
                status="ambiguous",
                converted=converted,
                results=results,
                message=f"Có {len(results)} đơn vị phù hợp với “{text}”. "
                "Vui lòng chọn một đơn vị hoặc ghi rõ tỉnh/thành phố.",
            )
        unit = results[0]
        where = unit.name if unit.level != "commune" else f"{unit.name}, {unit.province_name}"
        if converted:
            message = (
                f"Địa chỉ theo đơn vị hành chính cũ (trước 01/7/2025) “{unit.converted_from}” "
                f"đã được chuyển sang đơn vị mới: {where}."
            )
        else:
            message = f"Đã xác định đơn vị: {where}."
        return Resolution(query=text, status="resolved", converted=converted, results=results, message=message)


async def load_resolver(conn: Conn) -> UnitResolver:
    """Build the resolver's index from the store."""
    legacy = [LegacyRecord.from_row(r) for r in await units_store.all_legacy_units(conn)]
    return UnitResolver(await units_store.all_units(conn), legacy)
