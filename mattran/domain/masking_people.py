"""People's names and house addresses in free text, for :mod:`mattran.domain.masking`.

Read token by token on the folded text (same offsets as the original) with the original's capitals: an address
starts at a house, plot or lane number and runs through its lanes, streets and hamlets (never the commune); a name
is a run of capitalised words led by a Vietnamese surname or after an honorific ("bà", "anh", "tôi là"), in lower
case a surname with a middle name, or what ``underthesea``'s named-entity model tags as a person where the text has
diacritics. Places, schools and roads named after people, titles and public figures are not names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from mattran.domain.masking import Found, PersonalKind
from mattran.domain.masking_lexicon import (
    AMBIGUOUS_SURNAMES,
    GIVEN_NAMES,
    HONORIFICS,
    HONORIFICS_MARKED,
    KIN_CUES,
    MIDDLE_NAMES,
    NAME_BREAKS,
    NAME_CUES,
    ORG_PHRASES,
    PLACE_PHRASES,
    PLACE_WORDS,
    PLACE_WORDS_MARKED,
    PUBLIC_FIGURES,
    STOPWORDS,
    SURNAMES,
    SURNAMES_MARKED,
    place_names,
)

_WORD = re.compile(r"[^\W_]+")
_HOUSE_NUMBER = re.compile(r"[a-zA-Z]?\d+[a-zA-Z]?(?:\s?[/\-]\s?\d+[a-zA-Z]?|\.\d+)*(?![\w/])")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str  # folded
    cap: bool  # capitalised in the original

    @property
    def number(self) -> bool:
        return self.word[0].isdigit()


class _Text:
    """A text's tokens, folded, with their capitals and the gaps between them."""

    def __init__(self, text: str, fold: str) -> None:
        self.text, self.fold = text, fold
        self.tokens = [_Token(m.start(), m.end(), m.group(), text[m.start()].isupper()) for m in _WORD.finditer(fold)]
        self.at = {t.start: i for i, t in enumerate(self.tokens)}
        self.plain = text.isascii()  # typed without diacritics

    def original(self, i: int) -> str:
        """Token i as typed, in lower case."""
        return self.text[self.tokens[i].start : self.tokens[i].end].lower()

    def honorific(self, i: int) -> bool:
        """Token i is "ông", "bà", "anh"… (in a text with diacritics, with the honorific's own marks)."""
        return self.original(i) in HONORIFICS_MARKED or (self.plain and self.tokens[i].word in HONORIFICS)

    def place_word(self, i: int) -> bool:
        """Token i is "đường", "xã", "trường"… (in a text with diacritics, with the word's own marks)."""
        return self.original(i) in PLACE_WORDS_MARKED if not self.plain else self.tokens[i].word in PLACE_WORDS

    def surname(self, i: int) -> bool:
        """Token i is a Vietnamese surname (in a text with diacritics, with the surname's own marks)."""
        return self.original(i) in SURNAMES_MARKED or (
            self.original(i).isascii()
            and self.tokens[i].word in SURNAMES
            and (self.plain or self.tokens[i].word not in SURNAMES_MARKED)
        )

    def joined(self, i: int, j: int) -> bool:
        """Tokens i and j follow each other with only spaces between."""
        return self.fold[self.tokens[i].end : self.tokens[j].start].strip() == ""

    def words(self, i: int, n: int) -> str:
        return " ".join(t.word for t in self.tokens[i : i + n])

    def phrase_at(self, i: int, phrases: tuple[str, ...]) -> int:
        """The number of tokens of the longest of ``phrases`` starting at token i (0: none)."""
        for n, group in _by_length(phrases):
            if self.words(i, n) in group and all(self.joined(k, k + 1) for k in range(i, i + n - 1)):
                return n
        return 0

    def phrase_before(self, i: int, phrases: tuple[str, ...]) -> bool:
        """One of ``phrases`` ends right before token i."""
        return any(i >= n and self.words(i - n, n) in group for n, group in _by_length(phrases))


@cache
def _by_length(phrases: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    """``phrases`` grouped by their number of words, longest first."""
    lengths = sorted({p.count(" ") + 1 for p in phrases}, reverse=True)
    return tuple((n, frozenset(p for p in phrases if p.count(" ") + 1 == n)) for n in lengths)


# ---- addresses --------------------------------------------------------------------------------------------------

_HOUSE_KEYS = (
    "so nha",
    "nha so",
    "so",
    "nha",
    "can ho",
    "can ho so",
    "lo dat so",
    "lo dat",
    "lo so",
    "lo",
    "o dat",
    "kiot",
    "ki ot",
    "phong",
)
_LANE_KEYS = ("ngo", "ngach", "hem", "kiet", "hxh")
_STREET_KEYS = ("duong", "pho", "dai lo", "tuyen pho")
_AREA_KEYS = (
    "to dan pho",
    "tdp",
    "khu pho",
    "kp",
    "thon",
    "xom",
    "ap",
    "ban",
    "bon",
    "buon",
    "khom",
    "khoi",
    "doi",
    "to",
    "khu",
    "cum",
    "lang",
    "toa nha",
    "toa",
    "tang",
    "khu tap the",
    "ktt",
    "khu tai dinh cu",
    "khu dan cu",
    "khu nha o",
    "so nha",
    "nha so",
    "so",
)
_LOWER_NAME_OK = {"duong", "pho", "ngo", "ngach", "hem", "kiet", "thon", "xom", "ap", "khu pho", "to dan pho"}
_COMPONENT_KEYS = _LANE_KEYS + _STREET_KEYS + _AREA_KEYS
_ALL_KEYS = frozenset(w for k in _COMPONENT_KEYS + _HOUSE_KEYS for w in k.split()) | {
    "xa",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "thanh",
}
_RESIDENCE_CUES = (
    "dia chi",
    "dia chi lien he",
    "lien he",
    "dc",
    "d c",
    "o",
    "tai",
    "nha toi",
    "nha minh",
    "nha em",
    "tru tai",
    "tru o",
    "o tai",
    "nha o",
    "nha toi o",
    "nha minh o",
    "nha em o",
    "nha chau o",
    "song o",
    "song tai",
    "cu tru tai",
    "cu tru o",
    "thuong tru",
    "tam tru",
    "ngu tai",
    "nha tai",
    "tru quan",
    "que quan",
    "noi o",
    "hien o",
    "dang o",
    "o so",
)
# A number after these is a lane's, a road's, an article's…, not a house's: "ngõ 5 phố Đội Cấn" alone is no address.
_NOT_A_HOUSE_NUMBER = (*_COMPONENT_KEYS, "so", "dieu", "khoan", "diem", "km", "lo", "quoc lo", "tinh lo")
_DOCUMENT_WORDS = (
    "thong bao",
    "cong van",
    "quyet dinh",
    "nghi dinh",
    "nghi quyet",
    "thong tu",
    "chi thi",
    "ke hoach",
    "to trinh",
    "bien ban",
    "van ban",
    "giay",
    "don",
    "ho so",
    "dieu",
    "khoan",
    "muc",
    "chuong",
    "phu luc",
    "tuyen",
    "xe",
    "tai khoan",
    "the",
    "ma",
    "ban an",
    "lenh",
    "hop dong",
    "bao cao",
)
_HOME_CUES = (
    "dia chi",
    "thuong tru",
    "tam tru",
    "tru tai",
    "noi o",
    "cho o",
    "que quan",
    "nha toi o",
    "nha o",
    "toi o",
    "em o",
    "chau o",
    "minh o",
    "toi dang o",
    "toi hien o",
    "chung toi o",
    "gia dinh toi o",
    "song tai",
    "song o",
    "cu tru tai",
    "dia chi thuong tru",
    "noi o hien nay",
)
_PLOT = re.compile(
    r"(?<!\w)(?:thua(?: dat)?|to ban do|to bd|tbd)\s?(?:so\s?)?:?\s?\d+[a-z]?"
    r"(?:\s?[,;]?\s?(?:va\s)?(?:thua(?: dat)?|to ban do|to bd|tbd|to)\s?(?:so\s?)?:?\s?\d+[a-z]?)*"
)


def address_spans(text: str, fold: str) -> list[Found]:
    """House addresses: a house, plot or lane number through its lanes, streets and hamlets."""
    t = _Text(text, fold)
    found = [Found(m.start(), m.end(), PersonalKind.ADDRESS) for m in _PLOT.finditer(fold)]
    i = 0
    while i < len(t.tokens):
        end = _address_at(t, i)
        if end is None:
            i += 1
            continue
        found.append(Found(t.tokens[i].start, end, PersonalKind.ADDRESS))
        i = (
            t.at.get(end, i + 1)
            if end in t.at
            else next((k for k, tok in enumerate(t.tokens) if tok.start >= end), len(t.tokens))
        )
    return found


def _acronym_at(t: _Text, i: int) -> bool:
    word = t.text[t.tokens[i].start : t.tokens[i].end]
    return len(word) > 1 and word.isupper()


def _address_at(t: _Text, i: int) -> int | None:
    """Where an address starting at token i ends, if one starts there (never after a document's "số")."""
    if t.phrase_before(i, _DOCUMENT_WORDS):
        return None
    cued = t.phrase_before(i, _RESIDENCE_CUES)
    key = t.phrase_at(i, _HOUSE_KEYS)
    if (key and i + key < len(t.tokens) and _house_number(t, i + key) and t.words(i, key) != "so") or (
        key and t.words(i, key) == "so" and i + 1 < len(t.tokens) and t.tokens[i + 1].number
    ):
        number_end = _number_end(t, i + key)
        if number_end is None:
            return None
        end = _components(t, number_end)
        street = t.at.get(_next_start(t, number_end))
        if end == number_end and cued and street is not None and t.tokens[street].cap and not _acronym_at(t, street):
            end = _name_end(t, street, lower_ok=False) or end  # "nhà tôi số 12 Lý Thường Kiệt"
        strong = t.words(i, key) in ("so nha", "nha so", "can ho", "can ho so", "lo dat so", "lo dat", "lo so")
        return end if end > number_end or strong or (cued and t.words(i, key) != "phong") else None
    if t.tokens[i].number and not t.phrase_before(i, _NOT_A_HOUSE_NUMBER):
        number_end = _number_end(t, i)
        if number_end is None:
            return None
        end = _components(t, number_end, first_keys=_LANE_KEYS + _STREET_KEYS + ("to",))
        if end > number_end:
            return end
        if cued:  # "trú tại 45 Nguyễn Trãi"
            name_end = _name_end(t, t.at.get(_next_start(t, number_end), -1), lower_ok=False)
            return name_end
        return None
    if t.phrase_at(i, _LANE_KEYS) and cued:
        end = _components(t, t.tokens[i].start, first_keys=_LANE_KEYS)
        return end if end > t.tokens[i].start else None
    if t.phrase_at(i, _AREA_KEYS) and t.phrase_before(i, _HOME_CUES):  # "Địa chỉ: thôn Trung Hòa"
        end = _components(t, t.tokens[i].start, first_keys=_AREA_KEYS)
        return end if end > t.tokens[i].start else None
    return None


def _house_number(t: _Text, i: int) -> bool:
    """Token i is a house number: ``12``, ``12A``, ``A12``."""
    word = t.tokens[i].word
    return word[0].isdigit() or (len(word) > 1 and word[0].isalpha() and word[1:].isdigit())


def _next_start(t: _Text, pos: int) -> int:
    while pos < len(t.fold) and t.fold[pos] == " ":
        pos += 1
    return pos


def _number_end(t: _Text, i: int) -> int | None:
    m = _HOUSE_NUMBER.match(t.text, t.tokens[i].start)
    return m.end() if m else None


def _components(t: _Text, pos: int, first_keys: tuple[str, ...] = _COMPONENT_KEYS) -> int:
    """The end of the address components (lane, street, hamlet…) that follow ``pos``."""
    keys = first_keys
    while True:
        m = re.compile(r"\s?[,\-–]?\s?").match(t.fold, pos)
        i = t.at.get(m.end() if m else pos)
        if i is None:
            return pos
        n = t.phrase_at(i, keys)
        if not n or i + n >= len(t.tokens):
            return pos
        key = t.words(i, n)
        j = i + n + (1 if t.tokens[i + n].word == "so" and i + n + 1 < len(t.tokens) else 0)
        if t.tokens[j].number:
            end = _number_end(t, j)
            street = t.at.get(_next_start(t, end or pos))
            if (
                end
                and key in _LANE_KEYS + _STREET_KEYS + ("so", "so nha", "nha so")
                and street is not None
                and (t.tokens[street].cap and t.joined(street - 1, street) and not _acronym_at(t, street))
            ):
                end = _with_number(t, _name_end(t, street, lower_ok=False)) or end  # "ngõ 105 Xuân Thủy"
        elif key in ("so", "so nha", "nha so"):
            return pos
        else:
            end = _with_number(t, _name_end(t, j, lower_ok=key in _LOWER_NAME_OK))  # "ấp Mỹ Hòa 2"
        if end is None:
            return pos
        pos, keys = end, _COMPONENT_KEYS


def _with_number(t: _Text, end: int | None) -> int | None:
    """``end`` moved past a number that ends the name before it ("Mỹ Hòa 2", "30 Tháng 4")."""
    after = t.at.get(_next_start(t, end)) if end else None
    if end and after is not None and t.tokens[after].number and t.joined(after - 1, after):
        return t.tokens[after].end
    return end


def _name_end(t: _Text, i: int, lower_ok: bool) -> int | None:
    """The end of a proper name starting at token i: capitalised words, or (``lower_ok``) up to three lower-case
    words that are not common words."""
    if not 0 <= i < len(t.tokens) or t.tokens[i].number:
        return None
    k = i
    if t.tokens[i].cap:
        while (
            k < len(t.tokens)
            and k - i < 5
            and t.tokens[k].cap
            and not t.tokens[k].number
            and (k == i or t.joined(k - 1, k))
        ):
            k += 1
    elif lower_ok:
        while (
            k < len(t.tokens)
            and k - i < 4
            and (k == i or t.joined(k - 1, k))
            and not t.tokens[k].number
            and (t.tokens[k].word not in NAME_BREAKS)
            and not (t.tokens[k].word in _ALL_KEYS and k + 1 < len(t.tokens) and t.tokens[k + 1].number)
        ):
            k += 1
    return t.tokens[k - 1].end if k > i else None


# ---- names ------------------------------------------------------------------------------------------------------

_TITLES = tuple(
    sorted(
        {
            "chu tich",
            "pho chu tich",
            "bi thu",
            "pho bi thu",
            "truong thon",
            "truong ap",
            "to truong",
            "cong an xa",
            "cong an phuong",
            "chu tich xa",
            "chu tich phuong",
            "can bo xa",
            "truong xom",
            "truong khu pho",
            "truong ban cong tac mat tran",
            "chu nhiem",
            "truong tram",
            "co giao",
            "thay giao",
            "thay",
            "y ta",
            "ky su",
            "luat su",
            "nha bao",
            "dai uy",
            "thuong uy",
            "trung uy",
            "thieu ta",
            "trung ta",
            "thuong ta",
            "dai ta",
            "trung si",
            "thuong si",
            "truong ban",
            "can bo",
            "cong an",
            "giam doc",
            "hieu truong",
            "ke toan",
            "dia chinh",
            "thu ky",
            "dai bieu",
            "uy vien",
            "thanh tra",
            "bac si",
            "giao vien",
            "cong chuc",
            "truong cong an",
            "chanh van phong",
            "can bo dia chinh",
            "lanh dao",
            "truong phong",
        }
    )
)
_SINGLE_CUES = ("ong", "ba", "anh", "chi", "chau", "em", "chu", "bac", "con trai", "con gai")
_COMPOUNDS = frozenset(
    """
anh huong|chi phi|chi dao|chi tiet|co quan|ba con|anh em|chi tieu|chu truong|chi tra|chi thi|chi so|co so|anh sang
chi nhanh|chu dong|co loi|co hai|em be|chau be|ong ba|chi dan|cu the|co hoi|chu yeu|chi co|ba lan|ba nam|ba thang
ba ngay|ba tram|ba nguoi|anh ay|chi ay|chu quan|co dinh|bac si|bac ho|anh hung|chi ho|co dong|co tinh|co gang
chu ky|chu nhat|chu the|con lai|co le|bo sung|bo tri|bo phan|me con|vo tinh|me man|chi huy|chi em|anh chi|chu tich
chu dau|co the|ba ria|chau thanh|co ban|chi phoi|bo nganh|chu nha|con duong|cau hoi|cau thang|phan anh|ho gia
luong ba|hua lam|duong lien|van dang|dinh tu|tu phap|quan ly|quan tam|ly do|ly lich|ha tang|tran nha|mai nha
lam viec|lam an|cao toc|cao tuoi|kim loai|thai do|tong cong|dong thoi|hoang hon|chi lien|ngo hem|vu viec
vo tinh|chu ho|doan thanh|lai xe|lai suat|giang day|tu thien|tang gia|ha thap|kieu nai|cu tri|cu kien|thi cong
thi tran|thi xa|thi truong|van de|van ban|van chuyen|luong huu|chi dung|dung ten
truong mau|truong thu|doan quoc|chu tai|di dong|di lai|di hoc|di lam|ba tai|anh tai|cu dan|em trai|chi tai|ong tai
chau hoa|bac lieu|anh thu|cong trinh
""".replace("\n", "|").split("|")
)
_NER_LOCK = threading.Lock()
_NER: Any = None


def _ner() -> Any:
    """``underthesea``'s named-entity tagger, loaded once (about 3 s) on first use, thread-safe."""
    global _NER
    with _NER_LOCK:
        if _NER is None:
            from underthesea import ner

            ner("Khởi động")  # loads the model now, under the lock
            _NER = ner
    return _NER


def person_spans(text: str, fold: str, found: Sequence[Found] = ()) -> list[Found]:
    """People's names: private persons and named officials, without their honorific or title."""
    t = _Text(text, fold)
    named = _capitalised_names(t)
    spans = [span for span, weak in named if not weak]
    ner = _ner_names(t, _unexplained(t, spans)) if not t.plain else []
    spans += ner
    for span, weak in named:
        # Two capitalised words led by a surname and nothing else ("Hồ Gươm", "Lê Lợi") are a name only when the
        # named-entity model agrees, or (without diacritics) when the second is a given name.
        if weak and (
            any(n.start < span.end and span.start < n.end for n in ner)
            or (t.plain and t.tokens[t.at[span.start] + 1].word in GIVEN_NAMES)
        ):
            spans.append(span)
    spans += _lowercase_names(t)
    inside = [(f.start, f.end) for f in found if f.kind is PersonalKind.ADDRESS]
    return [s for s in spans if not any(a <= s.start and s.end <= b for a, b in inside)]


def _is_place_context(t: _Text, i: int) -> bool:
    """The words right before token i make what follows a place, an institution or a road (not a title such as
    "trưởng thôn", "công an xã", nor "hàng xóm")."""
    return (
        i > 0
        and (t.place_word(i - 1) or t.phrase_before(i, PLACE_PHRASES))
        and not (t.phrase_before(i, _TITLES) or t.phrase_before(i, ("hang xom",)))
    )


def _surname_led(t: _Text, i: int) -> bool:
    """Token i is a surname followed by a middle name ("Dương Thị", "Truong Minh"), not a road or a school."""
    return t.surname(i) and i + 1 < len(t.tokens) and t.tokens[i + 1].word in MIDDLE_NAMES and t.joined(i, i + 1)


def _name_stop(t: _Text, k: int) -> bool:
    """A name never runs into token k: a title or an honorific starts there (not a middle name: "Nguyễn Bá")."""
    return bool(t.phrase_at(k, _TITLES)) or (t.honorific(k) and not _surname_led(t, k) and not t.surname(k - 1))


def _honorific_before(t: _Text, i: int) -> bool:
    """ "ông", "chị", "cháu"… right before token i (not "cử tri", "chung cư", "bà con")."""
    if i < 1 or not t.honorific(i - 1) or not t.joined(i - 1, i):
        return False
    return not (
        i > 1
        and (
            f"{t.tokens[i - 2].word} {t.tokens[i - 1].word}" in _COMPOUNDS
            or t.phrase_before(i, PLACE_PHRASES)
            or t.phrase_before(i, ORG_PHRASES)
        )
    )


def _strongly_cued(t: _Text, i: int) -> bool:
    """An honorific or a naming cue ("tôi là", "họ tên") comes right before token i."""
    return (
        _honorific_before(t, i) or t.phrase_before(i, NAME_CUES) or (t.tokens[i].cap and t.phrase_before(i, KIN_CUES))
    )


def _cued(t: _Text, i: int) -> bool:
    """An honorific, a naming cue or a title ("chủ tịch xã") comes right before token i."""
    return _strongly_cued(t, i) or t.phrase_before(i, _TITLES)


def _not_a_person(t: _Text, i: int, j: int) -> bool:
    words = t.words(i, j - i)
    before = t.tokens[i - 1].word + " " + words if i else words
    strong, honorific = _strongly_cued(t, i), _honorific_before(t, i)
    if (
        any(t.phrase_at(k, PLACE_PHRASES) or t.phrase_at(k, ORG_PHRASES) for k in range(i, j))
        or (t.phrase_at(i, _TITLES))
        or (t.place_word(i) and not _surname_led(t, i) and not strong)
    ):
        return True
    if before in PUBLIC_FIGURES or (words in PUBLIC_FIGURES and not honorific):
        return True
    unit_word = i > 0 and t.place_word(i - 1)
    return (
        _is_place_context(t, i)
        or (words in place_names() and (unit_word or not _cued(t, i)))
        or (t.tokens[i - 1].cap and before in place_names() and not (honorific and not t.plain))
    )


def _capitalised_names(t: _Text) -> list[tuple[Found, bool]]:
    """Runs of capitalised words: led by a surname, or after an honorific or a naming cue; each with whether it
    is weak (two words, no cue)."""
    found, i, toks = [], 0, t.tokens
    while i < len(toks):
        if not toks[i].cap or toks[i].number:
            i += 1
            continue
        j = i + 1
        while (
            j < len(toks)
            and t.joined(j - 1, j)
            and (
                (toks[j].cap and not toks[j].number and _name_shaped(t, j) and _acronym(t, j) == _acronym(t, i))
                or (
                    t.original(j) in ("văn", "thị")
                    and t.surname(j - 1)
                    and j + 1 < len(toks)
                    and toks[j + 1].cap
                    and t.joined(j, j + 1)
                )
            )
        ):  # "Nguyễn thị Mai"
            j += 1
        found += _name_in_run(t, i, j)
        i = j
    return found


def _name_shaped(t: _Text, i: int) -> bool:
    """Token i is written like a name: a capital then small letters, or all capitals (not ``MoMo``)."""
    word = t.text[t.tokens[i].start : t.tokens[i].end]
    return word[1:].islower() or word.isupper() or len(word) == 1


def _acronym(t: _Text, i: int) -> bool:
    """Token i is written in capitals only (``UBND``, ``SN``, or a name typed in capitals)."""
    word = t.text[t.tokens[i].start : t.tokens[i].end]
    return len(word) > 1 and word.isupper()


def _name_in_run(t: _Text, i: int, j: int) -> list[tuple[Found, bool]]:
    """The name inside the capitalised run of tokens i…j-1, if any, and whether it is weak."""
    toks = t.tokens
    while (
        j - i > 1
        and not _surname_led(t, i)
        and (
            t.honorific(i)
            or t.phrase_at(i, _TITLES)
            or t.place_word(i)
            or (toks[i].word in STOPWORDS and not t.surname(i) and not _strongly_cued(t, i))
        )
    ):
        i += max(1, t.phrase_at(i, _TITLES))
    if i >= j:
        return []  # the run was a title and nothing after it: "ông Chủ Tịch Xã", "Kính gửi Phó Chủ tịch"
    if toks[i].word in STOPWORDS - SURNAMES - GIVEN_NAMES and not _honorific_before(t, i):
        return []  # after an honorific a common word is a name: "chú Ba", "bác Năm"
    if _is_place_context(t, i):  # "xã Hòa Bình Nguyễn Văn An": the place, then maybe a name
        for k in range(i + 1, j - 1):
            if t.words(i, k - i) in place_names() and t.surname(k):
                return [(Found(toks[k].start, toks[min(j, k + 4) - 1].end, PersonalKind.PERSON), False)]
        return []
    j = next((k for k in range(i + 1, j) if _name_stop(t, k) and (k + 1 < j or t.phrase_at(k, _TITLES))), j)
    j = min(j, i + 4)
    if i + 1 < len(toks) and t.place_word(i) and toks[i + 1].cap and t.joined(i, i + 1) and (_acronym(t, i + 1)):
        return []  # "Trường THCS…", "Trạm Y tế…"
    if i > 0 and t.original(i - 1) == "họ":
        return []  # a family line: "nhà thờ họ Nguyễn Đình"
    if _acronym(t, i) and toks[i].word not in SURNAMES:
        return []
    surname_led = t.surname(i) and j - i >= 2
    if j - i == 1 and not surname_led and not _strongly_cued(t, i) and toks[i].word not in GIVEN_NAMES:
        return []
    if not (surname_led or _cued(t, i)) or _not_a_person(t, i, j):
        return []
    weak = j - i == 2 and not _cued(t, i) and not _surname_led(t, i)
    return [(Found(toks[i].start, toks[j - 1].end, PersonalKind.PERSON), weak)]


def _lowercase_names(t: _Text) -> list[Found]:
    """Names typed in lower case without diacritics: surname and middle name ("nguyen van nam"), or after an
    honorific or a naming cue ("chi hoa", "ho ten: tran thi hoa")."""
    found, toks, i = [], t.tokens, 0
    while i < len(toks):
        j = _lowercase_name_end(t, i)
        if j > i and not _not_a_person(t, i, j):
            found.append(Found(toks[i].start, toks[j - 1].end, PersonalKind.PERSON))
            i = j
        else:
            i += 1
    return found


def _plain_word(t: _Text, i: int) -> bool:
    """Token i is a lower-case word typed without diacritics."""
    return 0 <= i < len(t.tokens) and not t.tokens[i].cap and not t.tokens[i].number and t.original(i).isascii()


def _lowercase_name_end(t: _Text, i: int) -> int:
    """The end (token index) of a lower-case name starting at token i, or i when none starts there."""
    toks = t.tokens
    if (
        not _plain_word(t, i)
        or _is_place_context(t, i)
        or (i > 0 and f"{toks[i - 1].word} {toks[i].word}" in _COMPOUNDS)
    ):
        return i
    strong = _strongly_cued(t, i)
    nxt = toks[i + 1].word if _plain_word(t, i + 1) and t.joined(i, i + 1) else ""
    ambiguous = toks[i].word in AMBIGUOUS_SURNAMES
    if (
        toks[i].word in SURNAMES
        and nxt
        and f"{toks[i].word} {nxt}" not in _COMPOUNDS
        and (
            nxt in ("van", "thi")
            or (nxt in MIDDLE_NAMES and (strong or not ambiguous))
            or (strong and not ambiguous and nxt not in STOPWORDS)
        )
    ):
        j = i + 2
        if f"{nxt} {toks[i + 2].word}" in _COMPOUNDS if i + 2 < len(toks) else False:
            return i  # "đang thi công", "lương hưu"
        while (
            j - i < 4
            and _plain_word(t, j)
            and t.joined(j - 1, j)
            and not t.phrase_at(j, _TITLES)
            and (
                toks[j].word in GIVEN_NAMES
                or toks[j].word in MIDDLE_NAMES
                or len(toks[j].word) == 1
                or (j == i + 2 and toks[j - 1].word in MIDDLE_NAMES and toks[j].word not in NAME_BREAKS)
            )
        ):
            if (j > i + 2 and toks[j].word in STOPWORDS and toks[j].word not in MIDDLE_NAMES) or (
                f"{toks[j - 1].word} {toks[j].word}" in _COMPOUNDS
            ):
                break
            j += 1
        return j
    followed_by_name = i + 1 < len(toks) and toks[i + 1].cap and t.joined(i, i + 1)
    if (
        toks[i].word in GIVEN_NAMES
        and t.plain
        and i > 0
        and t.joined(i - 1, i)
        and not followed_by_name
        and (t.phrase_before(i, _SINGLE_CUES))
        and not (i + 1 < len(toks) and f"{toks[i].word} {toks[i + 1].word}" in _COMPOUNDS)
        and not (i > 1 and toks[i - 2].word == "dia")
        and not _is_place_context(t, i - 1)
    ):
        return i + 1
    return i


def _run_start(t: _Text, i: int) -> int:
    """The first token of the capitalised run holding token i."""
    while i > 0 and t.tokens[i - 1].cap and t.joined(i - 1, i):
        i -= 1
    return i


_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_NER_CHUNK = 300  # characters: the tagger's time grows with the square of a sentence's length


def _chunks(text: str) -> list[tuple[int, str]]:
    """``text`` in sentences of at most :data:`_NER_CHUNK` characters (cut after a comma or a space), with their
    offsets."""
    chunks = []
    for m in _SENTENCE.finditer(text):
        at, piece = m.start(), m.group()
        while len(piece) > _NER_CHUNK:
            cut = piece.rfind(",", 0, _NER_CHUNK) + 1 or piece.rfind(" ", 0, _NER_CHUNK) + 1 or _NER_CHUNK
            chunks.append((at, piece[:cut]))
            at, piece = at + cut, piece[cut:]
        chunks.append((at, piece))
    return [(at, piece) for at, piece in chunks if piece.strip()]


def _unexplained(t: _Text, names: Sequence[Found]) -> list[tuple[int, str]]:
    """The sentences the named-entity model still has to read (it takes most of the detector's time): those with a
    capitalised word no rule explains: not a sentence's first word, an acronym, part of a name found, nor a place."""
    chunks = []
    for at, piece in _chunks(t.text):
        inside = [k for k, tok in enumerate(t.tokens) if at <= tok.start < at + len(piece)]
        for k in inside:
            tok = t.tokens[k]
            if (
                not tok.cap
                or tok.number
                or _acronym(t, k)
                or k == inside[0]
                or t.place_word(k)
                or (t.honorific(k) or any(n.start <= tok.start < n.end for n in names))
            ):
                continue
            start, end = _run_start(t, k), k + 1
            while end < len(t.tokens) and t.tokens[end].cap and t.joined(end - 1, end):
                end += 1
            if not (_is_place_context(t, start) or t.words(start, end - start) in place_names()):
                chunks.append((at, piece))
                break
    return chunks


def _ner_persons(chunks: Sequence[tuple[int, str]]) -> list[tuple[int, int]]:
    """The offsets of what the named-entity model tags as a person in ``chunks`` (sentences and their offsets)."""
    found: list[tuple[int, int]] = []
    for base, piece in chunks:
        pos, current = 0, None
        for word, *_tags, tag in _ner()(piece):
            place = _locate(piece, word, pos)
            if place is None:
                continue
            start, pos = place
            if tag == "B-PER" or (tag == "I-PER" and current is None):
                if current:
                    found.append(current)
                current = (base + start, base + pos)
            elif tag == "I-PER" and current:
                current = (current[0], base + pos)
            elif current:
                found.append(current)
                current = None
        if current:
            found.append(current)
    return found


def _locate(text: str, word: str, pos: int) -> tuple[int, int] | None:
    """Where the tagger's ``word`` (its syllables, spaced its own way) is in ``text`` from ``pos``."""
    start = end = -1
    for part in word.split():
        at = text.find(part, pos if start < 0 else end)
        if at < 0:
            return None
        start, end = (at if start < 0 else start), at + len(part)
    return (start, end) if start >= 0 else None


def warm_up() -> None:
    """Load the named-entity model and the place names now (about 4 s) rather than on the first text."""
    _ner()
    place_names()


def _ner_names(t: _Text, chunks: Sequence[tuple[int, str]]) -> list[Found]:
    """What the named-entity model tags as a person in ``chunks``, placed back on the text and checked like the
    rest."""
    ends = {tok.end: k + 1 for k, tok in enumerate(t.tokens)}
    result = []
    for start, end in _ner_persons(chunks):
        i, j = t.at.get(start), ends.get(end)
        while i is not None and j is not None and j - 1 > i and _acronym(t, j - 1) and not _acronym(t, i):
            j -= 1
        if (
            i is None
            or j is None
            or not all(tok.cap for tok in t.tokens[i:j])
            or _not_a_person(t, i, j)
            or (_acronym(t, i) and t.tokens[i].word not in SURNAMES)
        ):
            continue
        if not ((t.surname(i) and j - i >= 2) or _cued(t, i)) or _is_place_context(t, _run_start(t, i)):
            continue
        result.append(Found(start, t.tokens[j - 1].end, PersonalKind.PERSON))
    return result
