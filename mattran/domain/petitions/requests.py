"""What a petition asks for or complains of, as a small typed vocabulary of actions (:data:`ACTIONS`), recognised
from the verbs and states that say it, folded (a text typed without diacritics reads the same): ``lắp thêm đèn`` and
``chưa có cột đèn nào`` ask for something new, ``đèn hỏng``, ``không sáng``, ``sửa giúp`` for an existing thing to
work again, ``cho biết thủ tục`` for an explanation. Two petitions on the same topic at the same place that ask for
different things are not the same matter (installing a light is not repairing one); the matcher weighs it."""

from __future__ import annotations

import re

from mattran.domain.text import TEENCODE, fold, phrases_pattern

ACTIONS: dict[str, str] = {
    "new": "làm mới, lắp thêm",
    "repair": "sửa chữa, khắc phục hỏng hóc",
    "clean": "nạo vét, thu gom, khơi thông",
    "upgrade": "nâng cấp, mở rộng",
    "remove": "di dời, dẹp bỏ, chấm dứt",
    "handle": "xử lý, nhắc nhở vi phạm",
    "grant": "cấp, chi trả, hỗ trợ, xét duyệt",
    "inform": "giải thích, hướng dẫn, công khai",
    "fee": "giảm hoặc hoàn trả khoản thu",
    "keep": "giữ lại",
}
"""Each kind of request, with the Vietnamese words the cadre's page shows for it."""

# The folded phrases that say each request (whole words; a lone syllable only where it folds unambiguously).
_PHRASES: dict[str, tuple[str, ...]] = {
    "new": (
        "lap dat",
        "lap them",
        "lap moi",
        "lap den",
        "lap cot",
        "lap bong",
        "lap camera",
        "lap bien",
        "lap guong",
        "lap loa",
        "lap tram",
        "lap hang rao",
        "lap lan can",
        "xay dung",
        "xay moi",
        "xay them",
        "xay cau",
        "xay duong",
        "xay tuong",
        "xay ke",
        "xay nha ve sinh",
        "lam moi",
        "lam them",
        "lam duong",
        "lam cau",
        "lam ga",
        "lam go",
        "mo them",
        "mo lop",
        "mo diem",
        "keo dien",
        "keo duong",
        "keo ong",
        "dau tu",
        "bo sung",
        "trong them",
        "trong cay",
        "chua co",
        "bo tri them",
        "dat them",
        "them",
        "ke vach",
        "ke lai",
    ),
    "repair": (
        "sua",
        "sua chua",
        "sua lai",
        "khac phuc",
        "thay bong",
        "thay moi",
        "thay the",
        "thay cot",
        "thay ong",
        "thay nap",
        "hong",
        "hu",
        "hu hong",
        "khong sang",
        "khong con sang",
        "bi tat",
        "tat ngum",
        "chop chop",
        "chap chon",
        "nhap nhay",
        "khong hoat dong",
        "khong chay",
        "xuong cap",
        "bi gay",
        "gay do",
        "bi vo",
        "vo nat",
        "mat nap",
        "bong troc",
        "nut",
        "bi dot",
        "dot nat",
        "ro ri",
        "ri nuoc",
        "mat nuoc",
        "mat dien",
        "cup dien",
        "yeu",
        "va lai",
        "gia co",
        "lam lai",
    ),
    "clean": (
        "nao vet",
        "khoi thong",
        "thong cong",
        "thu gom",
        "don dep",
        "don rac",
        "don ve sinh",
        "hut bun",
        "vot rac",
        "phun thuoc",
        "bi tac",
        "tac nghen",
        "tac cong",
        "boi lap",
        "ton dong",
    ),
    "upgrade": (
        "nang cap",
        "mo rong",
        "cai tao",
        "be tong hoa",
        "tang cuong",
        "tang ap",
        "tang them",
        "nang cao",
        "tang gio",
        "qua hep",
    ),
    "remove": (
        "di doi",
        "doi di",
        "doi diem",
        "dep bo",
        "dep hang",
        "dep cho",
        "dep tinh trang",
        "giai toa",
        "cam xe",
        "cam dau",
        "cam ban",
        "cam cac",
        "chat bo",
        "chat ha",
        "thao do",
        "ngung",
        "dung ngay",
        "cham dut",
        "ha thap",
        "bo di",
        "di chuyen",
        "tra lai mat bang",
    ),
    "handle": (
        "xu ly",
        "xu phat",
        "nhac nho",
        "chan chinh",
        "ky luat",
        "can thiep",
        "ngan chan",
        "boi thuong cho",
    ),
    "grant": (
        "chi tra",
        "cap the",
        "cap so",
        "cap giay",
        "cap phep",
        "cap lai",
        "cap doi",
        "cap bhyt",
        "ho tro",
        "tro cap",
        "dua vao danh sach",
        "dua ra khoi danh sach",
        "xet duyet",
        "xet cho",
        "giai ngan",
        "boi thuong",
        "cho vay",
        "vay von",
        "gia han",
        "khoanh no",
        "duoc huong",
        "chua nhan",
        "chua duoc nhan",
        "chua duoc cap",
        "chua duoc phat",
        "cong nhan",
        "huong che do",
        "chuyen noi",
    ),
    "inform": (
        "thu tuc",
        "huong dan",
        "cong khai",
        "giai thich",
        "giai dap",
        "giai trinh",
        "vi sao",
        "tai sao",
        "nhu the nao",
        "cach tinh",
        "co dung quy dinh",
        "co dung khong",
        "can nhung gi",
        "giay to gi",
        "ho so gom",
        "theo quy dinh nao",
    ),
    "fee": (
        "giam gia",
        "giam phi",
        "giam muc",
        "giam tien",
        "mien giam",
        "mien phi",
        "hoan tra",
        "hoan lai",
        "tra lai tien",
        "thu cao",
        "thu sai",
        "thu them",
        "qua cao",
        "cao hon",
        "tang gia",
    ),
    "keep": ("giu lai", "giu nguyen", "khong chat", "dung chat", "khong doi", "bao ton"),
}
_PATTERNS = {action: phrases_pattern(phrases) for action, phrases in _PHRASES.items()}
# the teencode of negation and asking written out (not "hong": here it is "hỏng", a repair asked for)
_SHORT = {w: TEENCODE[w] for w in ("ko", "k", "kg", "khg", "hok", "dc", "ntn")}


# what opens the request itself (folded): what follows in the sentence is what is asked
_ASK = re.compile(r"(?<!\w)(?:de nghi|kien nghi|xin|mong|yeu cau|can|hay|nho|giup|muon|hoi)(?!\w)")
_SENTENCE = re.compile(r"[.!?;\n]+")


def _found(words: str) -> frozenset[str]:
    return frozenset(action for action, pattern in _PATTERNS.items() if pattern.search(words))


def requests(text: str) -> frozenset[str]:
    """The kinds of request (keys of :data:`ACTIONS`) a petition makes: those said after the words that ask
    (``đề nghị``, ``xin``, ``mong``…), else those its whole text says (a complaint: ``đèn hỏng`` → repair); folded,
    teencode written out; empty when none is recognised."""
    asked: set[str] = set()
    everything: set[str] = set()
    for sentence in _SENTENCE.split(text):
        words = " ".join(_SHORT.get(w, w) for w in fold(sentence).split())
        everything |= _found(words)
        ask = _ASK.search(words)
        if ask:
            asked |= _found(words[ask.end() :])
    return frozenset(asked or everything)


def compared(a: frozenset[str], b: frozenset[str]) -> tuple[float, float, float]:
    """How two petitions' requests agree, as features: a request in common, requests only apart (both recognised,
    none shared), and the share of requests in common (Jaccard; 0 when none is recognised)."""
    shared, union = a & b, a | b
    return float(bool(shared)), float(bool(a and b and not shared)), len(shared) / len(union) if union else 0.0
