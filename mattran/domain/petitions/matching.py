"""Whether two petitions are about the same matter, and why: the meaning of their texts (the embedding model's
vectors) weighed with the places they name (``thôn 3``, ``đường Lê Lợi``, ``ngõ 12``, ``Trường Tiểu học Thanh Xuân
A``), what each asks for (:mod:`~mattran.domain.petitions.requests`: installing a light is not repairing one), the
words they share and the kind of problem they report, all diacritics-insensitive and with teencode written out
(``ko`` → ``không``).

Meaning alone finds the same kind of problem, not the same problem: a pothole on one road reads like a pothole on
another, a request for a new light like a complaint about a broken one, and a text typed without diacritics reads far
from its accented twin. So a pair with a text typed without diacritics is embedded folded on both sides
(:func:`compared_text`), and the meaning is one part of the pair's :func:`features` among others: the places both
name, name differently or only one names (a kind of place with its number or name, :func:`places`, and the proper
names, :func:`names`, looked for in the other text: ``Vinh Hoa 1`` is not ``vinh hoa 2``), the requests both make or
make apart, the content words, word pairs, letter trigrams and numbers both use (folded), the texts' lengths, the
kinds of problem both report, and the two embeddings' element-wise distance and product. A logistic regression weighs
them (``matching_weights.json``, fitted by ``python -m evals.fit_similarity`` on four independent training sets and
the development pairs' tuned part, the embeddings' dimensions strongly penalised; nothing is fitted at run time); its
probability is the score, and :data:`SAME_MATTER` the threshold shown to cadres, chosen for precision ≥ 0.92 on pairs
by authors the scoring model never saw. A copy (:data:`COPY`) is shown as the same matter whatever the regression
says. The reasons shown to the cadre name the requests when they differ ("Khác yêu cầu")."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from mattran.domain.petitions.requests import ACTIONS, compared, requests
from mattran.domain.text import TEENCODE, fold, nfc, phrases_pattern, strip_marks

WEIGHTS = Path(__file__).with_name("matching_weights.json")
_MODEL = json.loads(WEIGHTS.read_text(encoding="utf-8"))
_WEIGHTS = np.array(_MODEL["weights"] + _MODEL["pair_weights"])
SAME_MATTER: float = _MODEL["threshold"]
"""The score (a probability) from which a cadre is shown a petition as possibly the same matter."""
COPY = (0.75, 0.9)
"""A copy: letter trigrams and content words (besides the places) this much shared, with a place named in both (or
none in either) and none told apart. The regression learns from pairs whose authors wrote the other-place pairs
alike word for word, so it doubts a text much like another; a copy is nonetheless shown as the same matter."""
FEATURES = (
    "meaning",
    "plain",
    "plain_meaning",
    "other_place",
    "lone_place",
    "matter_words",
    "bigrams",
    "trigrams",
    "lengths",
    "same_problem",
    "other_problem",
    "names_found",
    "names_apart",
    "names_partial",
    "any_other_place",
    "numbers",
    "same_request",
    "other_request",
    "requests_shared",
)

# Kinds of problem, by the folded phrases that name them (phrases, not lone syllables that fold ambiguously).
_PROBLEMS: dict[str, tuple[str, ...]] = {
    "mặt đường hư hỏng": ("o ga", "o voi", "ho sau", "ho lon", "lun", "sut lun", "nut", "mat duong", "dao duong"),
    "rác thải": ("rac", "xa ban", "do rac", "bai rac"),
    "ngập nước": ("ngap", "ngap ung", "trieu cuong", "nuoc tran"),
    "chiếu sáng": ("den duong", "chieu sang", "bong den", "cot den", "den khong sang", "mat den"),
    "tiếng ồn": ("on ao", "tieng on", "karaoke", "gay on", "on qua", "am i", "loa"),
    "thoát nước": ("nap cong", "mieng cong", "ranh", "muong", "thoat nuoc", "tac cong", "cong thoat"),
    "nước sinh hoạt": ("nuoc may", "mat nuoc", "nuoc sinh hoat", "nuoc duc", "nuoc ban"),
    "ô nhiễm": ("o nhiem", "nuoc thai", "xa thai", "boc mui", "hoi thoi", "mui hoi", "bui", "khoi", "dot rom"),
    "điện": ("cot dien", "day dien", "mat dien", "chap dien"),
    "sạt lở": ("sat lo", "sat"),
    "lấn chiếm": ("lan chiem", "via he", "long duong", "bay hang", "chiem"),
    "giao thông": ("tai nan", "mu bao hiem", "dua xe", "toc do", "giam toc", "tac duong", "un tac", "den tin hieu"),
    "trợ cấp": ("tro cap", "ho ngheo", "chinh sach"),
    "đất đai": ("so do", "dat dai", "giay chung nhan", "tach thua", "ranh gioi", "lan dat"),
    "y tế": ("thuoc", "tram y te", "kham benh", "benh vien"),
    "vật nuôi": ("tha rong", "cho can", "rong mom", "gia suc"),
    "cây xanh": ("cay do", "cay xanh", "cat tia", "cay gay"),
    "thu phí": ("thu tien", "khoan thu", "hoc phi", "thu phi", "le phi"),
    "nhà dột": ("mai dot", "bi dot", "tran dot", "dot nuoc", "tuong nut"),
}
_PROBLEM = {kind: phrases_pattern(phrases) for kind, phrases in _PROBLEMS.items()}

# The kinds of place whose name tells one problem from another (folded), longest first.
_KINDS = {
    "ngo": "ngõ",
    "ngach": "ngách",
    "hem": "hẻm",
    "kiet": "kiệt",
    "thon": "thôn",
    "xom": "xóm",
    "lang": "làng",
    "ban": "bản",
    "ap": "ấp",
    "to dan pho": "tổ dân phố",
    "to": "tổ",
    "khu pho": "khu phố",
    "khu": "khu",
    "tap the": "tập thể",
    "duong": "đường",
    "pho": "phố",
    "cho": "chợ",
    "cau": "cầu",
    "song": "sông",
    "kenh": "kênh",
    "truong": "trường",
    "tram y te": "trạm y tế",
    "benh vien": "bệnh viện",
    "canh dong": "cánh đồng",
    "quan": "quán",
    "xuong": "xưởng",
    "trai": "trại",
    "nha van hoa": "nhà văn hóa",
    "xa": "xã",
    "phuong": "phường",
    "cang ca": "cảng cá",
    "khu tap the": "khu tập thể",
    "cong": "cổng",
    "block": "block",
    "toa": "tòa",
    "lo": "lô",
    "km": "km",
    "so nha": "số nhà",
    "nha so": "số nhà",
    "so": "số nhà",
    "day": "dãy",
    "khu dan cu": "khu dân cư",
    "quoc lo": "quốc lộ",
    "tinh lo": "tỉnh lộ",
}
_KIND = phrases_pattern(_KINDS)
# kinds whose name is a number or a letter (the same folded words say other things: ``cống``, ``dây``, ``lo``)
_NUMBERED = frozenset({"cong", "block", "toa", "lo", "km", "so nha", "nha so", "so", "day"})
_NUMBERS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "nam": "5", "sau": "6", "bay": "7", "tam": "8"}
# how the one-word kinds are typed with diacritics (``cho`` is ``chợ`` only when typed so or without marks; ``quan``
# is an eatery, ``quán``, or a district, ``quận``)
_TYPED = {kind: {typed} for kind, typed in _KINDS.items() if " " not in kind} | {"so": {"số"}, "quan": {"quán", "quận"}}
# a kind's word followed (or preceded) by a word with which it makes a common word, not a place (folded):
# ``tổ chức``, ``xã hội``, ``khu vực``, ``Ban MTTQ`` typed without marks; ``yêu cầu``, ``cơ quan``, ``cuộc sống``
_NOT_AFTER = {
    "to": {"chuc", "truong", "cao", "giac", "pho"},
    "xa": {"hoi", "xoi", "lanh"},
    "khu": {"vuc"},
    "quan": {"ly", "tam", "he", "diem", "sat", "an"},
    "ban": {"hanh", "dem", "ngay", "mttq", "mat", "quan", "giao", "doc", "tru", "dai", "chi", "thuong", "tin"},
    "ap": {"dung", "luc"},
    "tap the": {"duc"},
    "cau": {"thang", "hoi", "chuyen"},
    "song": {"dien", "dt"},
    "lang": {"phi", "nghe"},
    "truong": {"hop", "thon", "ban", "phong", "khu", "to"},
    "duong": {"day", "ong", "nhu", "nhien", "thuong", "tinh"},
    "cho": {"nen", "biet", "hoi", "phep", "den", "toi", "ban"},
}
_NOT_BEFORE = {
    "cau": {"yeu", "nhu"},
    "quan": {"co", "chinh", "lien", "khach", "bieu"},
    "song": {"cuoc", "doi"},
    "ban": {"mua", "cac", "cua"},
    "xa": {"cach"},
    "truong": {"thi", "moi", "hien", "lap"},
    "cho": {"nhuong", "xin"},
}
# bodies written with capitals after a word that looks like a kind (``cho Ban quản lý``, ``ban Mặt trận``): no name
_BODIES = frozenset({"ban", "uy", "ubnd", "hdnd", "mttq", "mat", "chi"})  # ``Mặt trận``
# words that, after a kind in a text typed all in lower case, say what is done there, not the place's name
# (``xã nhắc``, ``phường xem``); compared with their marks in a text typed with them (``đường võ``, ``xã an phú``)
_DOING_WORDS = (
    "xem nhắc hứa xuống sửa rồi giải thay kiểm nói lấy nâng kiến xác biết hỏi thêm giúp gì ăn vô điện đúng theo xe",
    "hết gửi cần thả xây nguy xong lún nữa tắt lỗi nạp mất nhờ báo phát cấp đang vẫn cũng",
)
_DOING = frozenset(word for line in _DOING_WORDS for word in line.split())
_DOING_PLAIN = frozenset(fold(word) for word in _DOING)
_NUMBER_LETTER = re.compile(r"\d+[a-z]")  # ``quốc lộ 1A``, ``14B``
# the tones (decomposed), ngã read as hỏi (often confused), and the horn (often dropped or misplaced: ``phuờng``)
_TONE = {"\u0300": "\u0300", "\u0301": "\u0301", "\u0303": "\u0309", "\u0309": "\u0309", "\u0323": "\u0323"}
_HORN = "\u031b"
# words of a school's or a hamlet's type, not of its name
_GENERIC = {"tieu", "hoc", "mam", "non", "thcs", "thpt", "trung", "so", "lien", "xa", "thon", "huyen", "tinh"}
_WORD = re.compile(r"[^\W_]+")
_CLAUSE = re.compile(r"[.,;:!?()\n]+")


_STOP = frozenset(
    [
        "bi",
        "co",
        "da",
        "la",
        "vao",
        "cua",
        "nay",
        "o",
        "va",
        "thi",
        "nhieu",
        "rat",
        "khong",
        "chua",
        "gan",
        "tai",
        "tu",
        "den",
        "ra",
        "qua",
        "moi",
        "khi",
        "lon",
        "sau",
        "truoc",
        "doan",
        "tren",
        "duoi",
        "nguoi",
        "dan",
        "di",
        "lai",
        "mot",
        "hai",
        "cac",
        "nhung",
        "de",
        "nghi",
        "ho",
        "gia",
        "dinh",
        "vua",
        "ca",
        "dau",
        "cuoi",
        "giua",
        "duoc",
        "cho",
        "voi",
        "nen",
        "phai",
        "toi",
        "chung",
        "con",
        "minh",
        "ay",
        "do",
        "thanh",
        "the",
        "nao",
        "lam",
    ]
)


@dataclass(frozen=True)
class Place:
    """A place a petition names: its kind (``thôn``) and the words of its name, folded (``3``; ``le loi``)."""

    kind: str
    name: frozenset[str]
    text: str


def places(text: str) -> list[Place]:
    """The places named in a petition: a kind word followed by a number or by capitalised words (when the text
    is typed with capitals), or, in text typed all in lower case, by the one word that follows."""
    text = nfc(text)
    lowercase = text == text.lower()
    accented = not _plain(text)
    found: list[Place] = []
    for clause in _CLAUSE.split(text):
        words: list[str] = []
        folded: list[str] = []
        written_out: list[bool] = []
        for word in _WORD.findall(clause):
            keys = normal(word).split()  # teencode written out: ``kp2`` → ``khu pho 2``
            as_typed = keys == [fold(word)]
            words.extend([word] if as_typed else keys)
            folded.extend(keys)
            written_out.extend([not as_typed] * len(keys))
        joined = " ".join(folded)
        for match in _KIND.finditer(joined):
            start = joined[: match.start()].count(" ")
            end = start + match.group(1).count(" ") + 1
            typed = [w for w, out in zip(words[start:end], written_out[start:end], strict=True) if not out]
            before = folded[start - 1] if start else ""
            after = folded[end] if end < len(folded) else ""
            named = end < len(words) and words[end][:1].isupper() and after not in _BODIES
            if not _is_kind(match.group(1), typed, before, after, accented=accented, named=named):
                continue
            name = _name(words[end : end + 4], folded[end : end + 5], match.group(1) in _NUMBERED, lowercase, accented)
            meaningful = frozenset(n for n in name if n not in _GENERIC)
            if meaningful:
                kind = _KINDS[match.group(1)]
                found.append(Place(kind, meaningful, " ".join(words[start : end + len(name)])))
    return found


def _name(words: list[str], folded: list[str], numbered: bool, lowercase: bool, accented: bool) -> list[str]:
    """The name (folded words) that follows a kind of place, from the (up to four) ``words`` after it, as typed, and
    ``folded`` (one more)."""
    name: list[str] = []
    for j, (word, key) in enumerate(zip(words, folded, strict=False)):
        if len(key) == 1 and j + 1 < len(folded) and folded[j + 1].isdigit():  # ``A2``, ``C4``
            return [*name, key, folded[j + 1]]
        number = key.isdigit() or bool(_NUMBER_LETTER.fullmatch(key))
        if numbered:  # ``cổng A``, ``lô 5``: a number or a letter, else no place
            return [key] if number or len(key) == 1 else []
        if number or (not name and key in _NUMBERS):
            return [*name, _NUMBERS.get(key, key)]
        if _KIND.fullmatch(key) and (name or lowercase):  # ``nhà văn hóa tổ 3``: the next place
            break
        if lowercase and not name and len(key) > 1 and key not in _STOP:
            doing = word.lower() in _DOING if accented else key in _DOING_PLAIN
            return [] if doing else [key]
        if lowercase or not word[:1].isupper():
            break
        name.append(key)
    return name


def _is_kind(kind: str, typed: list[str], before: str, after: str, *, accented: bool, named: bool) -> bool:
    """Whether the words found as a kind of place (folded ``kind``; its words ``typed`` as in the text, those written
    out from teencode left out; ``before`` and ``after``: the folded words around it; ``named``: a capitalised name
    follows) are one: not part of a common word (``tổ chức``, ``yêu cầu``), unless a kind typed in lower case is
    followed by a capitalised name (``cầu Thăng Long``, ``xã Hội Xuân``); and, in a text typed with diacritics
    (``accented``), a one-word kind typed with its own letters and tone (``cầu``, not ``câu``; ``sông``, not ``sống``;
    ``chợ``, not ``cho``; ``ngõ``, not ``Ngô``) or without marks before a capitalised name (``xa Hoa Ninh``)."""
    lower_kind = bool(typed) and not typed[0][:1].isupper()
    if not (named and lower_kind) and (after in _NOT_AFTER.get(kind, ()) or before in _NOT_BEFORE.get(kind, ())):
        return False
    if not accented or kind not in _TYPED or (named and all(w == fold(w) for w in typed)):
        return True
    forms = {_spelling(form) for form in _TYPED[kind]}
    return all(_spelling(word) in forms for word in typed)


@lru_cache(maxsize=4096)
def _spelling(word: str) -> tuple[str, str]:
    """A word's letters without tone or horn, and its tone (ngã as hỏi), lower case: ``hoá`` and ``hóa``, ``ngõ`` and
    ``ngỏ``, ``phường`` and ``phuờng`` alike; ``sông`` and ``sống``, ``cầu`` and ``câu``, ``ngõ`` and ``Ngô`` apart."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    letters = "".join(c for c in decomposed if c not in _TONE and c != _HORN)
    return nfc(letters), "".join(_TONE[c] for c in decomposed if c in _TONE)


_SENTENCE = re.compile(r"(?:^|[.!?\n:;]+)\s*")
# capitalised words that name no place (forms of address, bodies, kinds of school or place), folded
_UNNAMED = frozenset(
    {
        "uy",
        "ban",
        "ubnd",
        "mttq",
        "ubmttq",
        "hdnd",
        "kinh",
        "gui",
        "thua",
        "toi",
        "chung",
        "em",
        "chau",
        "xin",
        "de",
        "nghi",
        "mong",
        "tran",
        "trong",
        "cam",
        "on",
        "ong",
        "ba",
        "anh",
        "chi",
        "chu",
        "bac",
        "nha",
        "nuoc",
        "tieu",
        "hoc",
        "mam",
        "non",
        "thcs",
        "thpt",
        "cong",
        "an",
        "dien",
        "luc",
        "phong",
        "quy",
        "vi",
        "lanh",
        "dao",
        "truong",
        "cho",
        "cau",
        "duong",
        "pho",
        "thon",
        "xom",
        "xa",
        "phuong",
        "khu",
        "to",
        "ngo",
        "hem",
        "ap",
        "lang",
        "huyen",
        "tinh",
        "quan",
        "ben",
        "tram",
        "y",
        "te",
        "benh",
        "vien",
        "nghia",
        "trang",
    }
)


def names(text: str) -> dict[str, str]:
    """The proper names a petition uses, folded, each as written: runs of capitalised words, with a number or a
    letter that ends them (``Thanh Xuân A``, ``Vinh Hoa 1``), not the word that opens a sentence nor words of
    address (``Kính gửi Ủy ban``); none in a text typed all in lower or upper case."""
    if text == text.lower() or text == text.upper():
        return {}
    found: dict[str, str] = {}
    for sentence in _SENTENCE.split(text):
        words = _WORD.findall(sentence)
        run: list[str] = []
        for i, word in enumerate([*words, ""]):
            capital = i > 0 and word[:1].isupper() and not (len(word) > 1 and word.isupper())
            tail = bool(run) and (word.isdigit() or (len(word) == 1 and word.isupper()))
            if capital or tail:
                run.append(word)
                continue
            while run and fold(run[0]) in _UNNAMED:
                run.pop(0)
            if any(fold(w) not in _UNNAMED and not w.isdigit() and len(w) > 1 for w in run):
                found[fold(" ".join(run))] = " ".join(run)
            run = []
    return found


def _keys(text: str) -> dict[str, str]:
    """The names of a petition's places, folded, each as written: its proper names and each place's kind with its
    number (``thon 3``) or its name (``le loi``)."""
    keys = names(text)
    for place in places(text):
        said = normal(place.text).split()
        name = [w for w in said[len(fold(place.kind).split()) :] if w not in _UNNAMED]
        if name and name[0].isdigit():
            keys.setdefault(" ".join([*fold(place.kind).split(), *name]), place.text)
        elif name:
            keys.setdefault(" ".join(name), place.text)
    return keys


def _naming(a: str, b: str) -> tuple[tuple[str, ...], tuple[float, float, float]]:
    """How the two texts' place names agree: the names found in both (as written), and as features the share of
    names found in the other text, whether both name places and none is found, and whether a name is found only in
    part (``Vinh Hoa 1`` / ``vinh hoa 2``)."""
    ka, kb = _keys(a), _keys(b)
    fa, fb = f" {normal(a)} ", f" {normal(b)} "
    found = [n for n in ka if f" {n} " in fb] + [n for n in kb if f" {n} " in fa]
    written = tuple(sorted({ka.get(n) or kb[n] for n in found}))
    missing = [(n, fb) for n in ka if f" {n} " not in fb] + [(n, fa) for n in kb if f" {n} " not in fa]
    partial = False
    for name, other in missing:
        words = name.split()
        head, last = " ".join(words[:-1]), words[-1]
        if head and re.search(rf" {re.escape(head)} (?!{re.escape(last)} )\w", other):
            partial = True
    total = len(ka) + len(kb)
    return written, (len(found) / total if total else 0.0, float(bool(ka and kb and not found)), float(partial))


@dataclass(frozen=True)
class Match:
    """How alike two petitions are: the score (compared with :data:`SAME_MATTER`), the meaning's cosine, the places
    both name, the places of the same kind named differently, and the words both use (folded)."""

    score: float
    meaning: float
    shared_places: tuple[str, ...]
    other_places: tuple[str, ...]
    shared_words: tuple[str, ...]
    shared_problems: tuple[str, ...] = ()
    other_problems: tuple[str, ...] = ()
    shared_names: tuple[str, ...] = ()
    copy: bool = False
    shared_requests: tuple[str, ...] = ()
    other_requests: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    @property
    def likely_same(self) -> bool:
        """Whether the pair is shown as possibly the same matter."""
        return self.score >= SAME_MATTER

    def reasons(self) -> list[str]:
        """Why the pair matches or not, in Vietnamese, for the cadre who decides."""
        said = [f"Nội dung gần nghĩa: {round(self.meaning * 100)}%"]
        if self.copy:
            said.append("Gần như cùng một nội dung, cùng địa điểm")
        if self.shared_places:
            said.append("Cùng địa điểm: " + ", ".join(self.shared_places))
        names = [n for n in self.shared_names if not any(fold(n) in fold(p) for p in self.shared_places)]
        if names:
            said.append("Cùng địa danh: " + ", ".join(names))
        if self.other_places:
            said.append("Khác địa điểm: " + ", ".join(self.other_places))
        if self.shared_problems:
            said.append("Cùng loại việc: " + ", ".join(self.shared_problems))
        if self.other_problems:
            said.append("Khác loại việc: " + ", ".join(self.other_problems))
        if self.shared_requests:
            said.append("Cùng yêu cầu: " + ", ".join(ACTIONS[r] for r in self.shared_requests))
        if any(self.other_requests):
            mine, theirs = (", ".join(ACTIONS[r] for r in side) or "không rõ" for side in self.other_requests)
            said.append(f"Khác yêu cầu: {mine} / {theirs}")
        if self.shared_words:
            said.append("Từ trùng: " + ", ".join(self.shared_words[:12]))
        return said


# "hong" is "không" typed short in a petition about the same matter ("đèn hong sáng"); the request recogniser
# keeps it as "hỏng" (broken: a repair asked for)
_SHORT = TEENCODE | {"hong": "khong"}
_SPLIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z]{2})")


def normal(text: str) -> str:
    """A petition's text folded (:func:`~mattran.domain.text.fold`) with teencode and abbreviations written out and
    numbers parted from the letters they are typed against (``kp2`` → ``khu pho 2``)."""
    return " ".join(_SHORT.get(w, w) for w in _SPLIT.sub(" ", fold(text)).split())


def folded(a: str, b: str) -> bool:
    """Whether a pair's texts are compared folded: when either is typed without diacritics (the embedding model
    reads an unaccented text far from its accented twin; folding both sides makes them alike again)."""
    return _plain(a) or _plain(b)


def compared_text(a: str, b: str, text: str) -> str:
    """The text (``a`` or ``b``) whose embedding is compared when ``a`` is weighed against ``b``: as typed, or
    :func:`normal` line by line when the pair is :func:`folded`."""
    return " ".join(normal(line) for line in text.splitlines()) if folded(a, b) else text


def problems(text: str) -> set[str]:
    """The kinds of problem a petition's text reports (folded phrases, see ``_PROBLEMS``)."""
    folded = normal(text)
    return {kind for kind, phrase in _PROBLEM.items() if phrase.search(folded)}


def _trigrams(text: str) -> set[str]:
    folded = normal(text)
    return {folded[i : i + 3] for i in range(len(folded) - 2)}


def _words(text: str) -> set[str]:
    return {w for w in normal(text).split() if w not in _STOP and len(w) > 1}


def _ends(text: str) -> set[str]:
    """Which end of a place a text speaks of (``đầu``, ``cuối``), folded."""
    return {w for w in normal(text).split() if w in ("dau", "cuoi")}


def _digits(text: str) -> set[str]:
    """The numbers a text uses (house numbers, alleys, sums, hours)."""
    return {w for w in normal(text).split() if w.isdigit()}


def _bigrams(text: str) -> set[str]:
    """Pairs of successive words (folded): Vietnamese words are mostly two syllables (``ổ gà``, ``thu gom``)."""
    words = normal(text).split()
    return {f"{x} {y}" for x, y in pairwise(words)}


def _plain(text: str) -> bool:
    """Whether a text is typed without diacritics."""
    return strip_marks(text) == text


@dataclass(frozen=True)
class _Parts:
    shared: tuple[str, ...]
    named: tuple[str, ...]
    copy: bool
    other: tuple[str, ...]
    words: tuple[str, ...]
    same_problem: tuple[str, ...]
    other_problem: tuple[str, ...]
    same_request: tuple[str, ...]
    other_request: tuple[tuple[str, ...], tuple[str, ...]]
    values: tuple[float, ...]


def _overlap(x: set[str], y: set[str]) -> float:
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


def _parts(a: str, b: str, meaning: float) -> _Parts:
    pa, pb = places(a), places(b)
    shared = sorted({x.text for x in pa for y in pb if x.kind == y.kind and x.name & y.name})
    kinds_shared = {x.kind for x in pa for y in pb if x.kind == y.kind and x.name & y.name}
    other = sorted(
        {
            f"{x.text} / {y.text}"
            for x in pa
            for y in pb
            if x.kind == y.kind and x.kind not in kinds_shared and not x.name & y.name
        }
    )
    wa, wb = _words(a), _words(b)
    named = {w for p in (*pa, *pb) for w in p.name} | {w for p in (*pa, *pb) for w in normal(p.text).split()}
    ta, tb = _trigrams(a), _trigrams(b)
    ka, kb = problems(a), problems(b)
    same_problem = sorted(ka & kb)
    other_problem = sorted(ka ^ kb) if ka and kb and not same_problem else []
    plain = float(_plain(a) or _plain(b))
    written, naming = _naming(a, b)
    matter, trigrams = _overlap(wa - named, wb - named), _overlap(ta, tb)
    ra, rb = requests(a), requests(b)
    shared_request, request_apart, requests_shared = compared(ra, rb)
    apart = bool(other) or naming[1] > 0 or naming[2] > 0 or _ends(a) ^ _ends(b) == {"dau", "cuoi"}
    values = (
        meaning,
        plain,
        plain * meaning,
        float(bool(other) and not shared),
        float(bool(pa or pb) and not shared and not other),
        matter,
        _overlap(_bigrams(a), _bigrams(b)),
        trigrams,
        abs(math.log((len(normal(a).split()) + 1) / (len(normal(b).split()) + 1))),
        float(bool(same_problem)),
        float(bool(other_problem)),
        *naming,
        float(bool(other)),
        _overlap(_digits(a), _digits(b)),
        shared_request,
        request_apart,
        requests_shared,
    )
    placed = naming[0] > 0 or not (_keys(a) or _keys(b))  # a place named in both, or none in either
    copy = trigrams >= COPY[0] and matter >= COPY[1] and placed and not apart
    return _Parts(
        tuple(shared),
        written,
        copy,
        tuple(other),
        tuple(sorted(wa & wb)),
        tuple(same_problem),
        tuple(other_problem),
        tuple(sorted(ra & rb)),
        (tuple(sorted(ra)), tuple(sorted(rb))) if request_apart else ((), ()),
        values,
    )


def features(a: str, b: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The features of a pair that the fitted weights combine: those named by :data:`FEATURES`, then the two
    embeddings' element-wise distance ``|u − v|`` and product ``u ⊙ v`` (``u``, ``v``: the vectors of
    :func:`compared_text`)."""
    values = _parts(a, b, float(u @ v)).values
    return np.concatenate([np.array(values), np.abs(u - v), u * v])


def probability(values: np.ndarray, weights: np.ndarray, bias: float) -> float:
    """The logistic regression's probability that a pair with these features is the same matter."""
    return float(1.0 / (1.0 + np.exp(-(bias + float(values @ weights)))))


def compare(a: str, b: str, u: np.ndarray, v: np.ndarray) -> Match:
    """The match of two petitions' texts (title and content) whose :func:`compared_text` embed as ``u`` and ``v``."""
    meaning = float(u @ v)
    parts = _parts(a, b, meaning)
    values = np.concatenate([np.array(parts.values), np.abs(u - v), u * v])
    score = probability(values, _WEIGHTS, _MODEL["bias"])
    return Match(
        score=round(max(score, SAME_MATTER) if parts.copy else score, 4),
        meaning=meaning,
        shared_places=parts.shared,
        other_places=parts.other,
        shared_words=parts.words,
        shared_problems=parts.same_problem,
        other_problems=parts.other_problem,
        shared_names=parts.named,
        copy=parts.copy,
        shared_requests=parts.same_request,
        other_requests=parts.other_request,
    )
