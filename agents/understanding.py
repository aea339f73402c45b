"""Offline understanding (no language model): the intents, the certain signals, and the slots read by patterns.

The intent itself is chosen by the learned router (:mod:`agents.routing.router`); here are the rules it trusts
before its model (an attempt to steer the assistant or to reach other people's data, a tracking code) and the
slots of each intent once it is chosen. Unit mentions are read with the diacritics when the message has them
(``xã`` is a unit, ``xả`` is not) and with the capitals when the writer uses them for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agents.cadre_slots import (
    compared_on,
    congress_change,
    congress_level,
    congress_month,
    member_query,
    petition_filters,
)
from mattran.domain import receipts
from mattran.domain.text import fold, nfc, strip_marks


class Intent(StrEnum):
    """What a message asks for: a tool to run (same name), or an answer in words (help, out of scope, a refusal of
    manipulation); ``clarify`` when it could mean two things and the person is asked which."""

    FILE_PETITION = "file_petition"
    GET_PETITION_STATUS = "get_petition_status"
    FIND_UNIT = "find_unit"
    HELP = "help"
    OUT_OF_SCOPE = "out_of_scope"
    QUERY_MEMBERS = "query_members"
    GET_CONGRESS_PROGRESS = "get_congress_progress"
    UPDATE_CONGRESS = "update_congress"
    DRAFT_REPORT = "draft_report"
    SEARCH_LIBRARY = "search_library"
    MANIPULATION = "manipulation"
    CLARIFY = "clarify"


def _rx(*parts: str) -> re.Pattern[str]:
    """One pattern over folded text, matching any of ``parts`` as whole words."""
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


# Steering the assistant, reaching data in bulk or with privileges.
_OVERRIDE = _rx(
    r"bo qua(?: \w+){0,4} (?:huong dan|hd|chi dan|quy tac|lenh|yeu cau|gioi han|dan)",
    r"khong can (?:kiem tra )?(?:quyen|xac thuc|dang nhap)",
    r"pretend",
    r"act as",
    r"(?:delete|remove)(?: \w+){0,2} (?:petitions?|records?)",
    r"quen(?: \w+){0,3} (?:huong dan|chi dan|quy tac|lenh|vai tro)",
    r"tra loi nhu (?:mot )?(?:hacker|admin)",
    r"(?:ignore|disregard|forget)(?: \w+){0,3} (?:instructions|rules|prompt)",
    r"you are now",
    r"jailbreak",
    r"(?:print|list|show|export|dump|give)(?: \w+){0,6} (?:phone|address|email|names?|personal|submitters?)",
    r"system prompt",
    r"prompt (?:he thong|cua ban)",
    r"dong vai (?!tro)\w+",
    r"ban khong co (?:bat ky )?gioi han",
    r"che do (?:nha phat trien|quan tri|admin|developer)",
    r"(?:developer|admin|god) mode",
    r"ban (?:la|lam) (?:admin|quan tri)",
    r"cap quyen (?:quan tri|admin)",
    r"mat khau (?:quan tri|he thong|admin)",
    r"(?:xuat|tai|in ra|lay)(?: \w+){0,3} (?:co so du lieu|du lieu|database)",
    r"(?:xuat|in ra) (?:toan bo|tat ca)",
    r"select\b.*\bfrom",
    r"drop table",
    r"(?:xoa|sua) (?:het|tat ca|toan bo)(?: \w+){0,2} (?:phan anh|du lieu|don)",
)
# Asking for someone's personal data, about the person who sent (or is behind) a petition.
_PERSONAL = _rx(
    r"(?:cho|xin|cung cap|tiet lo|hien thi|biet|lay|in ra|xuat|liet ke|tim|tong hop|kem)(?: \w+){0,6} "
    r"(?:so dien thoai|sdt|dien thoai|e ?mail|dia chi|ho ten|ho va ten|ten|cccd|cmnd|can cuoc"
    r"|thong tin ca nhan)"
)
_FILER = r"(?:nhung |cac )?nguoi (?:da )?(?:gui|phan anh|khieu nai|to cao|kien nghi|nop)"
_OTHERS = _rx(_FILER, r"cua ho")
_DATA = r"(?:so dien thoai|sdt|dia chi|ho ten|ho va ten|ten(?! (?:la|toi|tui|minh))|cccd|cmnd|email|thong tin)"
_FILER_DATA = _rx(_DATA + r"(?: \w+){0,2} " + _FILER, r"(?:danh sach|ds|toan bo|tat ca)(?: \w+){0,3} " + _DATA)
_WHO = _rx(
    r"ai la " + _FILER,
    r"nguoi (?:da )?(?:to cao|khieu nai|phan anh) (?:toi|tui|minh) la ai",
    r"(?:danh sach|ds|liet ke)(?: \w+){0,2} " + _FILER,
    r"(?<!co )ai (?:da )?(?:to cao|khieu nai|phan anh|kien nghi)",
)  # who, not whether ("có ai … chưa")

# Unit mentions: type words (with their marks), abbreviations, glued forms, and words that end a name.
_TYPES = {
    ("xã",): "xa",
    ("phường",): "phuong",
    ("đặc", "khu"): "dac khu",
    ("thị", "trấn"): "thi tran",
    ("thị", "xã"): "thi xa",
    ("tỉnh",): "tinh",
    ("thành", "phố"): "thanh pho",
    ("quận",): "quan",
    ("huyện",): "huyen",
    ("trung", "ương"): "trung uong",
}
_ABBREVIATIONS = {"p", "x", "q", "tp", "tt", "tx", "dk"}
_GLUED = re.compile(r"^(?:[pqf]\d{1,2}|tp\.\w+)$")  # "p4", "q8", "tp.hcm": type and name in one token
_NOT_A_NAME = {
    "xa": {"hoi", "thai", "xa", "lam"},
    "tinh": {"trang", "hinh", "tien", "toan", "cam", "than"},
    "quan": {"tam", "ly", "he", "diem", "trong"},
}
# Words that end a name: with marks, and (fewer, as folded words collide with names) without.
_STOP_MARKED = frozenset(
    [
        "bị",
        "có",
        "đang",
        "rất",
        "không",
        "đã",
        "và",
        "nhưng",
        "thì",
        "mấy",
        "gây",
        "làm",
        "xin",
        "để",
        "này",
        "nay",
        "thuộc",
        "ở",
        "tại",
        "giờ",
        "bây",
        "sau",
        "là",
        "hiện",
        "vẫn",
        "mà",
        "còn",
        "được",
        "chưa",
        "nhập",
        "sáp",
        "hả",
        "với",
        "của",
        "cho",
        "tôi",
        "tui",
        "em",
        "mình",
        "cũ",
        "chia",
        "gửi",
        "muốn",
        "nên",
        "về",
        "lên",
        "ra",
        "vào",
        "xong",
        "giúp",
    ]
)
_STOP_FOLDED = frozenset(
    [
        "bi",
        "khong",
        "ko",
        "duoc",
        "dc",
        "nhung",
        "rat",
        "gay",
        "gui",
        "len",
        "nay",
        "nhap",
        "em",
        "tui",
        "dang",
        "roi",
        "gio",
        "thuoc",
        "muon",
        "xong",
        "giup",
    ]
)
_TAIL = frozenset(
    [
        "thuoc",
        "o",
        "la",
        "gio",
        "nay",
        "sau",
        "bay",
        "vao",
        "voi",
        "vo",
        "nhap",
        "sap",
        "chon",
        "con",
        "ve",
        "cu",
        "ben",
    ]
)  # before "… nào?"
_QUESTION = frozenset({"nao", "gi", "dau"})
_TOKEN = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*|[.,;:!?()\[\]\n]")
_MAX_NAME = 10
_CENTRAL = _rx(r"uy ban", r"mttq", r"ubmttq", r"mat tran", r"gui(?: len| den| toi| ve)?")  # "gửi lên trung ương"


@dataclass
class Understanding:
    """What the message asks for, and the slots found in it."""

    intent: Intent
    slots: dict[str, Any] = field(default_factory=dict)


def tracking_code(text: str) -> str | None:
    """A receipt (or bare number) in the text, normalised (``pakn 2026 123 7kq4xz`` → ``PAKN-2026-000123-7KQ4XZ``)."""
    found = receipts.parse(text)
    return str(found) if found else None


def fold_keep_punctuation(text: str) -> str:
    """Lower case without diacritics, keeping the punctuation that separates parts of an address."""
    return strip_marks(text).lower()


def _type_at(tokens: list[str], i: int, marked: bool) -> int:
    """How many tokens from ``tokens[i]`` say the type of a unit (0 when none does)."""
    lower = [t.lower() for t in tokens[i : i + 2]]
    for words in sorted(_TYPES, key=len, reverse=True):
        got = lower[: len(words)]
        if len(got) == len(words) and (
            got == list(words) if marked else [strip_marks(w) for w in got] == [strip_marks(w) for w in words]
        ):
            return len(words)
    if _GLUED.match(strip_marks(lower[0])):
        return 1
    if lower[0] in _ABBREVIATIONS and i + 1 < len(tokens) and tokens[i + 1] not in ",;:!?()[]\n":
        return 2 if tokens[i + 1] == "." else 1
    if lower[0] == "h" and lower[1:] == ["."] and i + 2 < len(tokens):  # "h. Lâm Thao" (a bare "h" is an hour)
        return 2
    return 0


# What a question goes on with right after a unit's name ("xa van mieu bao nhieu uy vien nu"): never part of a name.
_ASKED_AFTER_NAME = re.compile(
    r"(?:co |con |thi )?(?:bao nhieu|bnhiu|bnhieu|bn|may (?:uy vien|uv|nguoi|ng|dai bieu|db|xa|phuong|don vi)"
    r"|co phai|uy vien|uv|ubmttq|dai hoi|dh|dhdb|tien do|phan anh|don thu|da to chuc|da dai hoi|to chuc xong|ty le"
    r"|ti le)\b"
)


_JOINING = frozenset({"va", "voi", "vs", "hay", "so"})
_DURATION = frozenset({"thang", "nam", "ngay", "tuan", "quy", "th"})


def _name_after(tokens: list[str], start: int, marked: bool, capitals: bool) -> list[str]:
    """The tokens of a name, and of the larger units after it, from ``start`` (possibly none)."""
    stops = _STOP_MARKED if marked else _STOP_FOLDED
    name: list[str] = []
    i = start
    while i < len(tokens) and len(name) < _MAX_NAME:
        token = tokens[i]
        if token == ",":
            name.append(token)
            i += 1
            continue
        if token in ".;:!?()[]\n" or (token.lower() if marked else strip_marks(token.lower())) in stops:
            break
        if name and _ASKED_AFTER_NAME.match(fold(" ".join(tokens[i : i + 4]))):
            break
        if name and fold(token) in _JOINING and _type_at(tokens, i + 1, marked):
            break  # "xa van mieu va phuong viet tri": two units
        if token.isdigit() and fold(" ".join(tokens[i + 1 : i + 2])) in _DURATION:
            break  # "phản ánh của phường 6 tháng đầu năm"
        typed = _type_at(tokens, i, marked)
        if capitals and not typed and not (token[0].isupper() or token[0].isdigit()):
            break
        name.extend(tokens[i : i + max(typed, 1)])
        i += max(typed, 1)
    while name and (name[-1] == "," or (not marked and fold(name[-1]) in _TAIL)):
        name.pop()
    return name


def _without_question(name: list[str], marked: bool) -> list[str]:
    """The name without a question that follows it ("bat trang thuoc tinh nao" → "bat trang")."""
    folded = [fold(t) for t in name]
    asked = next((k for k, w in enumerate(folded) if w in _QUESTION), None)
    if asked is None:
        return name
    end = asked
    while end > 0 and (
        folded[end - 1] in _TAIL
        or folded[end - 1] == ""
        or _type_at(name, end - 1, marked)
        or (end > 1 and _type_at(name, end - 2, marked) == 2)
    ):
        end -= 1
    return name[:end]


_FORMER = frozenset({"cu", "truoc day", "truoc"})  # "huyện Cẩm Khê (cũ)": the name of before 2025
# Words of a gloss in parentheses on what a unit was made of or where it lies now ("(Sơn Vi, Tứ Xã cũ)",
# "(trước là …)", "(nay thuộc Phú Thọ)", "(gồm …)"); such a gloss can be long.
_GLOSS = frozenset({"cu", "gom", "truoc", "nay"})
_MAX_GLOSS = 40


def _in_parentheses(tokens: list[str], end: int, marked: bool, capitals: bool) -> tuple[list[str], int]:
    """What parentheses right after a name at ``tokens[end]`` add to it, and the last token they cover.

    A larger unit ("xã Tiên Lương (tỉnh Phú Thọ)", "(Phú Thọ)") joins the name as ", tỉnh Phú Thọ"; after "(cũ)" the
    name goes on past a comma to a larger unit ("huyện Cẩm Khê (cũ), tỉnh Phú Thọ"); anything else ends it.
    """
    if end + 1 >= len(tokens) or tokens[end + 1] != "(":
        return [], end
    close = next((k for k in range(end + 2, min(len(tokens), end + 3 + _MAX_GLOSS)) if tokens[k] == ")"), None)
    if close is None or close == end + 2:
        return [], end
    inner = tokens[end + 2 : close]
    if fold(" ".join(inner)) not in _FORMER and _GLOSS & set(fold(" ".join(inner)).split()):
        if _type_at(inner, 0, marked) and len(inner) <= _MAX_NAME:  # "p. Tân Hòa (TP Hòa Bình cũ)": where it was
            return [",", *(t for t in inner if fold(t) != "cu")], close
        return [], close  # "xã Dũng Tiến (gồm các xã … của huyện Kim Bôi cũ)": the name before is today's unit
    if len(inner) > _MAX_NAME:
        return [], end
    if fold(" ".join(inner)) in _FORMER:
        after = close + 2  # the first word past "(cũ),"
        if (
            after < len(tokens)
            and tokens[after - 1] == ","
            and (_type_at(tokens, after, marked) or (capitals and tokens[after][:1].isupper()))
        ):
            more = _without_question(_name_after(tokens, close + 1, marked, capitals), marked)
            return more, close + len(more)
        return [], close
    if _type_at(inner, 0, marked) or all(t[:1].isupper() for t in inner if t != ","):
        return [",", *inner], close
    return [], end


def unit_mentions(text: str) -> list[str]:
    """Spans that name an administrative unit, folded ("xa tan lap, tinh tay ninh"); the resolver reads them.

    A span starts at a type word (``xã``, ``phường``, ``tỉnh``, ``TP``, ``P.``, …) and runs over the name and the
    larger units after it until punctuation, a word that cannot be part of a name, or, when the writer capitalises
    names (a capitalised word inside a sentence, or after a type word), the first word written in lower case.
    """
    tokens = _TOKEN.findall(nfc(text))
    marked = strip_marks(text) != text
    starts = [(i, n) for i in range(len(tokens)) if (n := _type_at(tokens, i, marked))]
    capitals = any(i + n < len(tokens) and tokens[i + n][:1].isupper() for i, n in starts) or any(
        t[:1].isupper() and not t.isupper() and tokens[k - 1] not in ".!?:\n" for k, t in enumerate(tokens) if k
    )
    mentions: list[str] = []
    covered = -1
    for i, n in starts:
        if i <= covered:
            continue
        kind = fold(" ".join(tokens[i : i + n]))
        if kind == "trung uong" and not _CENTRAL.search(fold(" ".join(tokens[max(0, i - 4) : i]))):
            continue  # "bệnh viện Trung ương" is no unit; "Ủy ban Trung ương MTTQ" is
        complete = kind == "trung uong" or bool(_GLUED.match(strip_marks(tokens[i].lower())))
        name = [] if kind == "trung uong" else _name_after(tokens, i + n, marked, capitals)
        name = _without_question(name, marked)
        words = fold(" ".join(name)).split()
        if not complete and (not words or words[0] in _NOT_A_NAME.get(kind, ())):
            continue
        covered = i + n + len(name) - 1
        if covered + 1 < len(tokens) and fold(tokens[covered + 1]) == "cu":  # "x. Sơn Vi cũ": the former unit
            name.append(tokens[covered + 1])
            covered += 1
        larger, covered = _in_parentheses(tokens, covered, marked, capitals)
        span = " ".join(tokens[i : i + n] + name + larger).replace(" . ", ". ")
        mentions.append(re.sub(r" ,", ",", fold_keep_punctuation(span)))
    return mentions


# An exact command to file a petition ("tôi muốn gửi phản ánh", "gui kien nghi a"): nothing else is meant.
_FILE_COMMAND = re.compile(
    r"^(?:(?:toi|minh|em|tui|chung toi|cho (?:toi|minh|em))\s+)?(?:(?:muon|can|xin|se|dinh)\s+)*"
    r"(?:(?:gui|lam|viet|nop)\s+(?:mot\s+)?(?:cai\s+)?(?:don\s+)?)?(?:phan anh|kien nghi|don|khieu nai|to cao|gop y)"
    r"(?:\s+(?:a|nhe|nha|voi|di|ak|ah|a nhe))?$"
)

_ME = r"(?:toi|minh|tui|em|chau|con)"
# "Phản ánh của tôi", "xem các đơn tôi đã gửi": the whole message asks for one's own petitions, nothing else.
_MINE = re.compile(
    rf"^(?:(?:cho )?{_ME} )?(?:(?:muon|can|xin) )?(?:(?:xem|tra cuu|kiem tra|theo doi|liet ke|danh sach) )?"
    rf"(?:(?:lai|het|giup|ho|cho {_ME}) )*(?:(?:cac|nhung|tat ca|tat ca cac) )?"
    rf"(?:phan anh|don|kien nghi|phan anh kien nghi|don thu)"
    rf"(?: cua {_ME}| (?:ma )?{_ME} da (?:gui|nop)| da gui)(?: (?:da gui|dau|the nao|ra sao|sao roi|den dau roi))?"
    r"(?: (?:a|nhe|nha|voi|di|ak|ah))?$"
)


def asks_for_own_petitions(text: str) -> bool:
    """Whether the message asks only for the caller's own petitions (“phản ánh của tôi”)."""
    return bool(_MINE.match(fold(text)))


def certain_intent(text: str) -> Intent | None:
    """The intent of a message that can mean one thing only: an exact command to file a petition, one's own
    petitions (“phản ánh của tôi”), or a bare address (a unit's name and at most one more word: "P. Ba Đình, HN")."""
    folded = fold(text)
    if _FILE_COMMAND.match(folded):
        return Intent.FILE_PETITION
    if _MINE.match(folded):
        return Intent.GET_PETITION_STATUS
    named = named_units(text)
    about_congress = _CONGRESS.search(folded)  # "đh p. X" is news of its congress, not an address
    asked = _HOW_MANY.search(folded) or _ASKED_AFTER_NAME.search(folded)  # "p. X có bao nhiêu ủy viên"
    if len(named) == 1 and len(folded.split()) - len(fold(named[0]).split()) <= 1 and not (about_congress or asked):
        return Intent.FIND_UNIT
    return None


def manipulation(folded: str) -> bool:
    """An attempt to steer the assistant, to reach data in bulk, or to learn who sent a petition."""
    return bool(
        _OVERRIDE.search(folded)
        or _WHO.search(folded)
        or _FILER_DATA.search(folded)
        or (_PERSONAL.search(folded) and _OTHERS.search(folded))
    )


_CONGRESS = _rx(r"dai hoi", r"dh", r"dhdb")
_CONGRESS_COMMAND = _rx(
    r"(?:tam )?hoanx?(?! thanh| kiem)",
    r"danh dau",
    r"ghi nhan",
    r"cap nhat",
    r"ghi (?:giup|lai|vao|nhan)",
    r"(?:chuyen|sua|doi) trang thai",
)
_CONGRESS_FIGURES = _rx(
    r"bau(?: \w+){0,7} (?:bao nhieu|bnhiu|bn|may)",
    r"(?:bao nhieu|bnhiu|bn|may) (?:dai bieu|db)",
    r"(?:uy vien|uv) (?:duoc |dc )?bau",
)
_ASKED = re.compile(
    r"\?|\b(?:bao nhieu|bnhiu|co phai|the nao|ra sao|den dau|chua|chx|khong|ko|k|hong|nao|gi)\s*(?:a|ak|ah|vay|nhi)?$"
)


_HOW_MANY = _rx(
    r"bao nhieu",
    r"bnhiu",
    r"bnhieu",
    r"bn",
    r"may (?:nguoi|dai bieu|db|xa|phuong|don vi|uy vien|tinh|noi)",
    r"(?:ngay|thang|nam|hom) (?:may|nao)",
    r"khi nao",
    r"ty le",
    r"ti le",
    r"phan tram",
    r"tong so",
)
_NOT_A_CADRE_TOOL = frozenset({Intent.OUT_OF_SCOPE, Intent.HELP, Intent.DRAFT_REPORT})
# What a cadre's news of a congress is sometimes taken for (a unit named, a complaint told).
_NOT_A_CONGRESS_UPDATE = frozenset({Intent.FIND_UNIT, Intent.FILE_PETITION})


def congress_intent(best: Intent, text: str) -> Intent:
    """The congress intent a message certainly has although the model chose a neighbour: a command about a congress
    ("hoãn đại hội …", "đánh dấu đã tổ chức", not asked as a question) is an update; a question about delegates or
    members elected at a congress is about its progress, not the committee's members."""
    folded = fold(text)
    if not _CONGRESS.search(folded):
        return best
    asked = bool(_ASKED.search(folded.strip()) or "?" in text)
    command = bool(_CONGRESS_COMMAND.search(folded))
    if best in (Intent.GET_CONGRESS_PROGRESS, Intent.QUERY_MEMBERS) and command and not asked:
        return Intent.UPDATE_CONGRESS
    told = command or "status" in congress_change(text)  # "đh p. X xong r, cập nhật giúp": news of a congress
    if best in _NOT_A_CONGRESS_UPDATE and told and not asked and not _HOW_MANY.search(folded):
        return Intent.UPDATE_CONGRESS
    if best == Intent.QUERY_MEMBERS and _CONGRESS_FIGURES.search(folded):
        return Intent.GET_CONGRESS_PROGRESS
    how_many = bool(_HOW_MANY.search(folded))
    if best == Intent.UPDATE_CONGRESS and how_many and not command:
        return Intent.GET_CONGRESS_PROGRESS  # "tổ chức vào tháng mấy?", "có bn xã đã hoàn thành đh"
    if best in _NOT_A_CADRE_TOOL and how_many:
        return Intent.GET_CONGRESS_PROGRESS
    return best


def congress_question(text: str) -> bool:
    """A question about congresses' figures ("đại hội … có bn đại biểu có mặt"), nothing to record: no need to ask
    whether an update was meant."""
    folded = fold(text)
    asked = bool(_HOW_MANY.search(folded) or _CONGRESS_FIGURES.search(folded))
    return bool(_CONGRESS.search(folded)) and asked and not _CONGRESS_COMMAND.search(folded)


# "gửi (đến) Ủy ban MTTQ tỉnh X": the unit a petition is addressed to, rather than where its problem is.
_ADDRESSED = re.compile(
    r"\b(?:kinh gui|gui (?:den |toi |len |ve )?|chuyen (?:den |toi |len )?)(?:(?:uy ban |ub )?(trung uong )?"
    r"(?:mttq|mat tran)|(trung uong))"
)


def _addressee(text: str, mentions: list[str]) -> str | None:
    """The mention right after "gửi … MTTQ" (or "Trung ương" inside it), when the writer names where to send the
    petition."""
    folded = fold(text)
    for found in _ADDRESSED.finditer(folded):
        if (found.group(1) or found.group(2)) and "trung uong" in mentions:
            return "trung uong"
        after = folded[found.end() :]
        for mention in mentions:
            if fold(mention) in after[: len(fold(mention)) + 12]:
                return mention
    return None


# A type word followed by a word that points at the writer's own unit ("xã mình", "tỉnh ta", "phường nhà"), or by
# one that makes it no unit in particular ("các xã", "xã phường"): no unit is named.
_GENERIC = frozenset(["xa", "phuong", "tinh", "huyen", "quan", "x", "p", "tp", "cac", "nhung", "moi", "nao"])
_GENERIC_PAIRS = frozenset([("thanh", "pho"), ("thi", "xa"), ("thi", "tran"), ("dac", "khu")])  # not "xã Thanh Sơn"
_OWN = frozenset(["minh", "ta", "nha", "toi", "tui", "em", "chung", "ben"])
_NOT_A_NAME_AFTER = frozenset(
    [
        "co",
        "da",
        "dang",
        "la",
        "thi",
        "minh",
        "toi",
        "nay",
        "ve",
        "cua",
        "duoc",
        "dc",
        "bao",
        "may",
        "con",
        "chua",
        "ko",
        "khong",
        "hien",
        "nha",
        "ta",
        "em",
        "oi",
        "a",
        "voi",
        "va",
        "o",
        "lam",
        "xong",
        "gui",
        "pls",
        "thx",
        "nhe",
    ]
)
_OWN_MARKED = re.compile(
    r"\b(?:[Xx]ã|[Pp]hường|[Tt]ỉnh|[Tt]hành phố|[Đđ]ặc khu|[Đđ]ơn vị|[Hh]uyện|[Qq]uận)\s+"
    r"(?:mình|ta|nhà|tôi|tui|em|chúng|bên)\b"
)


def named_units(text: str) -> list[str]:
    """The unit mentions that name a unit: not "xã mình", "tỉnh ta", "các xã" (and "xã Minh Đài" still is one)."""
    marked = strip_marks(text) != text
    own = bool(_OWN_MARKED.search(nfc(text)))
    folded = fold(text)
    named = []
    for mention in unit_mentions(text):
        opening = " ".join(fold(mention).split()[:2])
        if re.search(rf"\b(?:cac|nhung|moi|nhieu|may) {re.escape(opening)}\b", folded):
            continue  # "các xã, …", "những tỉnh …": units in general
        tokens = _TOKEN.findall(mention)
        words = [t for t in tokens[_type_at(tokens, 0, marked=False) :] if t not in ".,"]
        if not words or words[0] in _GENERIC or tuple(words[:2]) in _GENERIC_PAIRS:
            continue
        if words[0] in _OWN and (own if marked else len(words) == 1 or words[1] in _NOT_A_NAME_AFTER):
            continue
        named.append(mention)
    return named


# A unit named without its type word is taken for one only where a question names its subject: after "của", "ở",
# "ủy ban", "đại hội"… or right before what is asked ("văn miếu bao nhiêu ủy viên nữ", "Thái Tân đã đại hội chưa");
# never a name that is also an everyday phrase ("họp thống nhất", "đại hội thành công", "an ninh trật tự").
_SUBJECT_WORDS = r"cua|o|tai|ve|ben|giua|voi|so voi|va|vs|hay|xem|ub|uy ban|mttq|ubmttq|mat tran|dai hoi|dh|dhdb"
_BEFORE_NAME = re.compile(rf"(?:^|[.?!;:(]|\b(?:{_SUBJECT_WORDS}))\s*$")
_AFTER_NAME = re.compile(
    rf"\s*(?:$|[,.?!;:(]|(?:{_ASKED_AFTER_NAME.pattern})|(?:co|da|chua|dang|thi|nhieu|it|hon|va|so|nay|the nao|ra sao"
    r"|khai mac|be mac|hoan|bao len|vua|xong|gom|la|hom nao|khi nao|bao gio|duoc|dc)\b)"
)
_EVERYDAY = frozenset(
    [
        "thong nhat",
        "thanh cong",
        "an ninh",
        "an sinh",
        "quyet thang",
        "dai dien",
        "van ban",
        "hop thanh",
        "nhan co",
        "kim tra",
    ]
)
_WORD_BEFORE = re.compile(r"(^|[.?!:]\s*)?([^\W\d_]+)\s*$")


def named_as_subject(text: str, name: str) -> bool:
    """Whether a unit's ``name``, written without its type word, is what the question is about in ``text``: right
    after a word that names a subject ("của", "ở", "ủy ban", "đại hội"…) or right before what is asked; not inside a
    longer name written with capitals ("chủ tịch Hoàng Minh Đức")."""
    written = " ".join(re.sub(r"\s*[-–]\s*", " ", nfc(text)).split())
    folded, words = strip_marks(written).lower(), fold(name)
    if words in _EVERYDAY:
        return False
    for found in re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", folded):
        before = _WORD_BEFORE.search(written[: found.start()])
        if (
            before
            and before.group(1) is None  # a capital opening a sentence says nothing
            and before.group(2)[0].isupper()
            and not re.fullmatch(_SUBJECT_WORDS, fold(before.group(2)))
        ):
            continue
        if _BEFORE_NAME.search(folded[: found.start()]) or _AFTER_NAME.match(folded[found.end() :]):
            return True
    return False


_COMPARED = _rx(
    r"so sanh", r"chenh lech", r"ben nao", r"(?:nhieu|it|cao|thap|tre|gia|dong) hon", r"hon (?:bao nhieu|may|bn)"
)


_OWN_UNIT = _rx(r"(?:xa|phuong|tinh|thanh pho|don vi|dv|ubmttq|uy ban) (?:minh|ta|nha|toi|chung toi|em)")


def compared(text: str) -> bool:
    """Whether a question compares units ("so sánh", "nhiều hơn", "chênh lệch")."""
    return bool(_COMPARED.search(fold(text)))


# "… à không, xã Sơn Hồng": the writer takes back what came before; "tôi ở X nhưng …": X is where they live, the rest
# is what the message is about.
_CORRECTED = re.compile(r"\b(?:a khong|a nham|a quen|nham|xin loi|y (?:toi|em|minh) la)\b,?")
_LIVES_IN = re.compile(
    r"\b(?:toi|em|minh|tui|nha (?:toi|em|minh)|gia dinh (?:toi|em)) (?:song |cu tru |o )?(?:o|tai)\s*$"
)


def _after_correction(text: str, mentions: list[str]) -> list[str]:
    """The mentions after the last correction ("Thị trấn Phố Châu… à không, xã Sơn Hồng"), when any follows it."""
    folded = fold_keep_punctuation(text)
    corrections = [m.end() for m in _CORRECTED.finditer(folded)]
    if not corrections:
        return mentions
    after = [m for m in mentions if folded.find(m, corrections[-1]) >= 0]
    return after or mentions


def _not_home(text: str, mentions: list[str]) -> list[str]:
    """The mentions without the writer's home contrasted with another place ("Tôi ở phường Hà Đông nhưng làm việc ở
    xã Quảng Oai"), when another remains."""
    folded = fold_keep_punctuation(text)
    away = []
    for mention in mentions:
        at = folded.find(mention)
        after = folded[at + len(mention) :].lstrip(" ,")
        if at >= 0 and _LIVES_IN.search(folded[:at]) and after.startswith("nhung "):
            continue
        away.append(mention)
    return away or mentions


def slots_for(intent: Intent, text: str) -> dict[str, Any]:
    """The slots of ``intent`` that the message carries (units as the words that name them: ``unit_text``)."""
    clean = nfc(text).strip()
    mentions = _not_home(text, _after_correction(text, named_units(text)))
    slots: dict[str, Any] = {}
    if intent == Intent.FILE_PETITION:
        central = [m for m in unit_mentions(text) if m == "trung uong"]  # "gửi lên Ủy ban MTTQ … Trung ương"
        chosen = _addressee(text, mentions + central) or (mentions[0] if mentions else None)
        if chosen:
            slots["unit_text"] = chosen
            if others := [m for m in mentions if m != chosen]:
                slots["other_places"] = others  # read when the first names no unit ("ở xa về quê, … phường X")
        if len(fold(text).split()) >= 8:
            slots["content"] = clean
    elif intent == Intent.GET_PETITION_STATUS:
        if code := tracking_code(text):
            slots["tracking_code"] = code
        elif asks_for_own_petitions(text):
            slots["mine"] = True
        else:
            slots["petition_filters"] = petition_filters(text)
            if mentions:
                slots["unit_text"] = mentions[-1]
    elif intent == Intent.FIND_UNIT:
        slots["unit_text"] = mentions[0] if mentions else clean
        if not mentions and _OWN_UNIT.search(fold(text)):
            slots["own_unit"] = True  # "mã đơn vị của xã mình"
    elif intent == Intent.SEARCH_LIBRARY:
        slots["question"] = clean
    elif intent in (Intent.QUERY_MEMBERS, Intent.GET_CONGRESS_PROGRESS, Intent.UPDATE_CONGRESS, Intent.DRAFT_REPORT):
        if intent in (Intent.QUERY_MEMBERS, Intent.GET_CONGRESS_PROGRESS) and len(mentions) >= 2 and compared(text):
            slots["compare_texts"] = mentions[:2]  # two units compared: the question is about the cadre's scope
        elif mentions:
            slots["unit_text"] = mentions[-1]
            if intent == Intent.UPDATE_CONGRESS and len(mentions) > 1:
                slots["also_named"] = mentions[:-1]  # any of them outside the scope refuses the update
        if intent == Intent.QUERY_MEMBERS:
            slots |= member_query(text)
        elif intent == Intent.GET_CONGRESS_PROGRESS:
            slots |= {"month": month} if (month := congress_month(text)) else {}
            slots |= {"compare_level": level} if (level := congress_level(text)) is not None else {}
            slots["compare_on"] = compared_on(text)
        elif intent == Intent.UPDATE_CONGRESS:
            slots["change"] = congress_change(text)
        elif intent == Intent.DRAFT_REPORT:
            slots["request"] = clean
    return slots
