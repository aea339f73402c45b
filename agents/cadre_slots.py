"""Slots of cadres' requests about members, congresses and their unit's petitions, read by patterns."""

from __future__ import annotations

import re
from typing import Any

from agents.dates import dates_in
from mattran.domain import member_vocab
from mattran.domain.congress import today_in_vietnam
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.text import fold, nfc, strip_marks

_SPELLINGS = member_vocab.spellings()
# Short or common words that name a group only after "dân tộc", "người", "đạo", "theo": "Thái" is also a province.
_AFTER = {"ethnicity": r"(?:dan toc|nguoi|dtoc|dt) ", "religion": r"(?:theo |dao |ton giao |tg )?"}
_NOT_ALONE = {"0", "khong co", "phat", "viet", "hoa", "dao", "thai", "kinh", "ct", "uv"}
_TERM = re.compile(r"\bnhiem ky (\d{4}) (\d{4})\b")
# Where a congress stands, as told (first match wins): a postponed one is back to being prepared.
_STATUS = [
    (r"hoan thanh", "hoan_thanh"),
    (r"(?:tam )?hoan(?: lai| to chuc| dai hoi)?|lui (?:lai|ngay|lich)|doi (?:lich|ngay)", "dang_chuan_bi"),
    (r"chua (?:trien khai|to chuc|xong|lam|hop|dai hoi|dh)", "chua_trien_khai"),
    (
        r"da (?:to chuc|dien ra|khai mac|be mac|hop|xong|dai hoi|dh)|to chuc (?:xong|thanh cong)"
        r"|vua (?:to chuc|dai hoi|dh)|(?:dai hoi|dh) xong|be mac"
        r"|(?:lam|hop) xong|xong (?:roi|rui|r)|dien ra|thanh cong|ket thuc",
        "da_to_chuc",
    ),
    (r"dang chuan bi|se to chuc|du kien to chuc|len ke hoach|len lich", "dang_chuan_bi"),
]
_PEOPLE = r"(?:dai bieu|db|nguoi|ng|dong chi|d c)"
_ATTENDING = re.compile(
    rf"\b(\d{{1,5}}) (?:[a-z]+ )?{_PEOPLE} (?:du|co mat|tham du|tham gia|ve du)\b|\bvoi (\d{{1,5}}) {_PEOPLE}\b"
    rf"|\bco (\d{{1,5}}) {_PEOPLE} (?:tham )?du\b"
)
_OF_PLANNED = re.compile(r"\b(\d{1,5})\s*/\s*(\d{1,5})\s*(?:dai bieu|dong chi|db)\b")  # "98/110 đại biểu"
_PLANNED = re.compile(r"\b(?:trieu tap|du kien|tong so) (\d{1,5}) (?:dai bieu|db)\b")
_ELECTED = re.compile(
    r"\bbau (?:ra |duoc |dc )?(\d{1,4}) (?:uy v\w*|vi|nguoi|ng|dong chi)\b|\b(\d{1,4}) uy v\w* (?:duoc bau|trung cu)\b"
)
_MEMBERS = re.compile(r"\b(\d{1,4}) (?:uy v\w*|uv)\b")
_CHAIR = re.compile(
    r"(?i:chủ tịch)\s+(?:là\s+)?(?:(?:ông|bà|đồng chí|đ/c)\s+)?([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,4})"
)
_CHAIR_PLAIN = re.compile(
    r"(?i:chu tich)(?: moi)?\s*(?:la\s+|,\s*)?(?i:ong|ba|dong chi|d/c)\s+([A-Z]\w*(?:\s+[A-Z]\w*){1,4})"
)
_REASON = re.compile(r"\b(?:vi|do|ly do(?: la)?|boi vi)\b\s*:?\s*(.{3,200}?)(?:[.;!\n]|$)")


def _named(kind: str, folded: str) -> str | None:
    """The canonical name of the first spelling of ``kind`` the folded text contains (in its context)."""
    before = _AFTER.get(kind, "")
    for words, name in _SPELLINGS[kind]:
        guarded = before.removesuffix("?") if words in _NOT_ALONE else before if kind == "ethnicity" else ""
        if guarded == "" and words in _NOT_ALONE:
            continue
        if re.search(rf"\b{guarded}{re.escape(words)}\b", folded):
            return name
    return None


def member_filters(text: str) -> dict[str, Any]:
    """Filters of a members question ("ủy viên nữ người Mông dưới 40 tuổi của Hội Nông dân, nhiệm kỳ 2024–2029")."""
    folded = fold(text)
    filters: dict[str, Any] = {}
    women_org = re.search(r"\b(?:hoi (?:lien hiep )?phu nu|lhpn|hlhpn)\b", folded)
    # "ủy viên nữ" asked, the women's union named for another reason (not "ủy viên nữ của Hội LHPN")
    women = re.search(
        r"\b(?:uy vien|uv|can bo) (?:la )?nu\b(?! (?:cua|thuoc|trong|tu|ben) (?:hoi|lhpn|hlhpn)\b)", folded
    )
    if re.search(r"\b(?:nu|phu nu|chi em)\b", folded) and (women or not women_org):
        filters["gender"] = "nữ"
    elif _MEN.search(nfc(text).lower() if strip_marks(text) != text else folded):
        filters["gender"] = "nam"
    if (organisation := _named("organisation", folded) or _other_organisation(folded)) and not (
        organisation == "Hội Liên hiệp Phụ nữ" and "gender" in filters
    ):
        filters["organisation"] = organisation
    if _STANDING.search(folded):
        filters["standing"] = True
    elif (position := _named("position", folded)) and position != "Ủy viên":
        filters["position"] = position
    elif re.search(r"\b(?:thuong truc|btt)\b", folded):
        filters["position"] = "Ủy viên Ban Thường trực"
    if _MINORITY.search(folded):
        filters["minority"] = True
    elif ethnicity := _named("ethnicity", folded):
        filters["ethnicity"] = ethnicity
    if _NOT_NONE.search(folded):
        filters["believer"] = True
    elif (religion := _named("religion", folded)) and (religion != "Không" or _NO_RELIGION.search(folded)):
        filters["religion"] = religion
    elif _NO_RELIGION.search(folded):  # "ko theo tôn giáo nào"
        filters["religion"] = "Không"
    elif _BELIEVER.search(folded):
        filters["believer"] = True
    filters |= _ages(folded)
    if term := _TERM.search(folded):
        filters["term"] = f"{term.group(1)}–{term.group(2)}"
    if (level := _LEVEL.search(folded)) and (level.group(1) or not _BOTH.search(folded)):
        filters["level"] = _LEVELS.get(level.group(1) or "xa", 2)
    return filters


# Member organisations the vocabulary does not name, as cadres write them.
_ORGANISATIONS = [
    (r"chu thap do|ctd", "Hội Chữ thập đỏ"),
    (r"nguoi cao tuoi|nct", "Hội Người cao tuổi"),
    (r"khuyen hoc", "Hội Khuyến học"),
    (r"ban cong tac mat tran|(?:dai dien|thuoc|tu)(?: cac)? khu dan cu", "Ban công tác Mặt trận khu dân cư"),
]


def _other_organisation(folded: str) -> str | None:
    return next((name for words, name in _ORGANISATIONS if re.search(rf"\b(?:{words})\b", folded)), None)


# The standing committee as a whole (not its "ủy viên" only), the ethnic minorities, a level of units.
_STANDING = re.compile(
    r"(?<!uy vien )(?<!uv )\b(?:ban thuong truc|thuong truc ubmttq|btt ub)\b"
    r"|\b(?:thuong truc|btt)\b.*\b(?:gom|tinh ca|ke ca|ca) (?:\w+ ){0,2}chu tich\b"  # "… (gồm Chủ tịch, các Phó…)"
)
_BELIEVER = re.compile(r"\b(?:theo|co) (?:mot |1 )?(?:ton giao|tg|dao)\b(?! (?:nao|gi)\b(?! do))")
_NOT_NONE = re.compile(  # "không tính những người không theo tôn giáo": believers
    r"\b(?:khong tinh|ko tinh|tru|loai tru|ngoai)(?: \w+){0,5} khong (?:co |theo )*(?:ton giao|dao)\b"
)
_NO_RELIGION = re.compile(
    r"\b(?:khong|ko|k|hok|khg) (?:co |theo )*(?:ton giao|dao|tg)\b|\b(?:ton giao|tg)\W* (?:khong|ko)\b"
)
_MEN = re.compile(
    r"\b(?:nam gioi|la nam|nam)\b(?! ?\d)(?! (?:bo|trung|dinh|dan|sach|hoc|nay|nao|ngoai|sinh|truoc|sau))"
)
# Both the unit's own committee and those below it ("tính cả", "cộng với các xã", "tất cả các cấp").
_BOTH = re.compile(
    r"\b(?:tinh ca|cong voi|ke ca|gom ca|ca tinh|toan tinh|ca thanh pho|toan thanh pho|tat ca cac cap|moi cap"
    r"|cac cap)\b|\b(?:va|cung) (?:uy ban |ub )?(?:cac|tat ca cac) (?:xa|phuong)\b"
)
_LEVELS = {"tinh": 1, "thanh pho": 1, "tp": 1, "trung uong": 0, "tw": 0}  # "cấp xã", "cấp cơ sở": 2
_MINORITY = re.compile(r"\b(?:dan toc thieu so|dtts|dt thieu so|nguoi thieu so|thieu so)\b")
_LEVEL = re.compile(
    r"\b(?:cap (xa|tinh|co so|thanh pho|tp|trung uong|tw)|(?:cac|nhung|toan bo|tat ca cac) (xa|phuong)(?: phuong| xa)?"
    r"|(xa|phuong) nao)\b"
)
_UNDER = r"(?:duoi|it hon|chua den|chua toi|chua qua|nho hon|tre hon)"
_OVER = r"(?:tren|hon|ngoai|lon hon|qua|gia hon)"
_AT_LEAST = re.compile(r"\b(?:tu|it nhat|toi thieu)\s*(\d{2})\s*tuoi\b|\b(\d{2})\s*tuoi\s*(?:tro len|tro di)\b")
_AT_MOST = re.compile(r"\b(?:khong qua|toi da|nhieu nhat)\s*(\d{2})\s*tuoi\b|\b(\d{2})\s*tuoi\s*tro xuong\b")
_BAND = re.compile(
    r"\b(?:tu |do tuoi |nhom tuoi |tuoi tu |tuoi )?(\d{2}) (?:den |toi |va |)(\d{2}) tuoi\b"
    r"|\b(?:do tuoi|nhom tuoi|tuoi) (?:tu )?(\d{2}) (?:den |toi |)(\d{2})\b"
)


_BORN_FROM = re.compile(r"\bsinh (?:tu|sau|ke tu) (?:nam )?(19\d\d|20\d\d)( tro (?:ve sau|di|lai day))?")
_BORN_BETWEEN = re.compile(r"\bsinh (?:tu |trong )?(?:nam )?(19\d\d|20\d\d) (?:den |toi |)(?:nam )?(19\d\d|20\d\d)\b")
_BORN_BEFORE = re.compile(r"\bsinh (?:truoc|den|toi) (?:nam )?(19\d\d|20\d\d)( tro (?:ve truoc|xuong))?")


def _ages(text: str) -> dict[str, int]:
    """An age band ("từ 30 đến 45 tuổi", "độ tuổi 40-49"), a bound ("dưới 35", "trên 50", "60 tuổi trở lên"), or
    years of birth ("sinh từ năm 1990 trở về sau"; age is this year minus the year of birth)."""
    folded = re.sub(r"\b(\d{2}) ?t\b", r"\1 tuoi", text)  # "30t"
    this_year = today_in_vietnam().year
    born: dict[str, int] = {}
    if found := _BORN_FROM.search(folded):
        year = int(found.group(1)) + (0 if found.group(2) or " tu " in found.group(0) else 1)
        born["max_age"] = this_year - year
    if found := _BORN_BEFORE.search(folded):
        year = int(found.group(1)) - (0 if found.group(2) or " den " in found.group(0) else 1)
        born["min_age"] = this_year - year
    if found := _BORN_BETWEEN.search(folded):  # "sinh 1980-1989", "8x (sinh 1980 đến 1989)"
        born = {"min_age": this_year - int(found.group(2)), "max_age": this_year - int(found.group(1))}
    if born:
        return born
    if band := _BAND.search(folded):
        low, high = (int(g) for g in band.groups() if g)
        return {"min_age": min(low, high), "max_age": max(low, high)}
    ages: dict[str, int] = {}
    if age := re.search(rf"\b{_UNDER}\s*(\d{{2}})\s*tuoi\b", folded):
        ages["max_age"] = int(age.group(1)) - 1
    elif age := _AT_MOST.search(folded):
        ages["max_age"] = int(next(g for g in age.groups() if g))
    if age := re.search(rf"\b{_OVER}\s*(\d{{2}})\s*tuoi\b", folded):
        ages["min_age"] = int(age.group(1)) + 1
    elif age := _AT_LEAST.search(folded):
        ages["min_age"] = int(next(g for g in age.groups() if g))
    return ages


_SHARE = re.compile(r"\b(?:ty le|ti le|phan tram|chiem|ty trong|co cau|bao nhieu phan)\b|%")
_AVERAGE = re.compile(r"\b(?:binh quan|trung binh|tb|bq)\b")
_RANKING = re.compile(
    r"\b(?:xep hang|(?:nhieu|it|dong|cao|thap)(?: \w+){0,3} nhat|tre nhat|gia nhat|so sanh|dan dau|top"
    r"|xa nao|phuong nao|tinh nao|noi nao"
    r"|don vi nao|(?:tung|moi) (?:xa|phuong|don vi|tinh)|theo (?:tung )?(?:xa|phuong|don vi|tinh))\b"
)


def member_query(text: str) -> dict[str, Any]:
    """The arguments of a members question besides its unit: the filters, what is measured (a count, a share, the
    average age, a ranking of the units below) and whether a ranking goes by share."""
    folded = fold(text)
    query: dict[str, Any] = {"filters": member_filters(text)}
    share = bool(_SHARE.search(nfc(text).lower()) or _SHARE.search(folded))
    average = bool(_AVERAGE.search(folded) and re.search(r"\btuoi\b", folded))
    if _GENDER_GAP.search(folded):
        query["measure"] = "gender_gap"
        query["filters"].pop("gender", None)
    elif _RANKING.search(folded):
        query |= {"measure": "ranking", "rank_by": "average_age" if average else "share" if share else "count"}
    elif average:
        query["measure"] = "average_age"
    elif share:
        query["measure"] = "share"
    if _OWN_COMMITTEE.search(folded) and not _WHOLE.search(folded) and not _BOTH.search(folded):
        query["own_committee"] = True
    if (subject := register_subject(text, query)) != "members":
        term = query["filters"].get("term")
        query |= {"subject": subject, "filters": {"term": term} if term else {}}
        query.pop("own_committee", None)
        if subject == "history" and (name := member_name(text)):
            query["member_name"] = name
    return query


# What a question about the register is about besides counting members (the first that matches wins).
_HISTORY = r"lich su|qua trinh (?:cong tac|thay doi|bien dong)|nhung thay doi|thay doi (?:gi|nhung gi)|bien dong"
_TRAITS = frozenset({"gender", "ethnicity", "minority", "religion", "believer", "min_age", "max_age"})
_SUBJECTS = [
    ("history", _HISTORY),
    ("committee", r"(?:chia )?theo (?:tung )?thanh phan(?! (?:dan toc|ton giao|gioi|tuoi|do tuoi))"),
    (
        "work_committees",
        r"ban cong tac|bctmt|bct mt|khu dan cu|kdc|to dan pho|truong ban|(?:bao nhieu|so|tong so|tong cong|may) ho"
        r"|ho dan|ho gia dinh",
    ),
    (
        "organisations",
        r"to chuc thanh vien|tctv|doan the|(?:tung|moi|cac|nhung|may|bao nhieu) (?:to chuc|doan the)"
        r"|loai to chuc|loai hinh to chuc",
    ),
    (
        "committee",
        r"(?:ai la|la ai|gom nhung ai|gom ai|nhung ai|nhung nguoi nao|danh sach|thanh phan|theo gioi|co cau uy ban"
        r"|dai dien (?:cho )?(?:gioi|thanh phan))(?: \w+){0,6} (?:uy ban|ub|ubmttq|ban thuong truc|btt|chu tich"
        r"|pho chu tich|uy vien)"
        r"|(?:uy ban|ub|ubmttq|ban thuong truc|btt|chu tich|pho chu tich)(?: \w+){0,8}"
        r" (?:la ai|gom nhung ai|gom ai|nhung ai|gom nhung nguoi nao|theo gioi)",
    ),
]


# Members counted ("bao nhiêu ủy viên là trưởng ban công tác…"), unless per organisation ("mỗi tổ chức … mấy ủy viên").
_COUNTED = re.compile(r"\b(?:bao nhieu|bnhiu|bn|may|so|so luong) (?:uy vien|uv)\b")
_EACH_ORGANISATION = re.compile(r"\b(?:moi|tung|cac|nhung) to chuc\b|\bto chuc (?:thanh vien )?nao\b")


def register_subject(text: str, query: dict[str, Any]) -> str:
    """``members`` for a members question (its ``query`` read by :func:`member_query`: traits or a measure keep it
    so), else what else of the register it is about: a member's ``history``, the ``work_committees`` in residential
    areas, the member ``organisations``, the ``committee`` of a term."""
    folded = fold(text)
    subject = next((subject for subject, words in _SUBJECTS if re.search(rf"\b(?:{words})\b", folded)), "members")
    if subject == "history":
        return subject
    if query["filters"].keys() & _TRAITS or query.get("measure") not in (None, "ranking"):
        return "members"
    counted = bool(_COUNTED.search(folded))
    if subject == "committee" and query.get("measure"):
        return "members"
    if subject == "work_committees" and counted:
        return "members"
    if subject == "organisations" and counted and not _EACH_ORGANISATION.search(folded):
        return "members"
    return subject


_PERSON_TITLE = r"ông|bà|đồng chí|đ/c|ủy viên|uỷ viên|thành viên"
_TITLES = re.compile(rf"(?i)(?<!\w)({_PERSON_TITLE}|anh|chị|của|về)(?!\w)")
_WORD = re.compile(r"\s+([^\W\d_]+)")
_NOT_A_PERSON = frozenset({"xa", "phuong", "tinh", "thanh", "uy", "ban", "hoi", "mat", "dac", "doan", "cong", "ub"})
_PETITION = re.compile(r"\b(?:don|phan anh|kien nghi|khieu nai|to cao|ho so|dai hoi)\b")


def _titled_name(text: str) -> tuple[str, str] | None:
    """The first title and the name written with capitals right after it ("bà Trần Thị Lan": ``("bà", "Trần Thị
    Lan")``), two to five words."""
    clean = nfc(text)
    for title in _TITLES.finditer(clean):
        words: list[str] = []
        at = title.end()
        while len(words) < 5 and (word := _WORD.match(clean, at)) and word.group(1)[0].isupper():
            words.append(word.group(1))
            at = word.end()
        if len(words) >= 2 and fold(words[0]) not in _NOT_A_PERSON:
            return title.group(1), " ".join(words)
    return None


def member_name(text: str) -> str | None:
    """The name of the person a question is about, as written with capitals ("lịch sử của bà Trần Thị Lan")."""
    named = _titled_name(text)
    return named[1] if named else None


def asks_history(text: str) -> bool:
    """A question about the history of a person named with a title ("lịch sử thay đổi của bà Trần Thị Lan"), not
    about a petition or a congress."""
    folded = fold(text)
    named = _titled_name(text)
    return bool(
        re.search(rf"\b(?:{_HISTORY})\b", folded)
        and named
        and re.fullmatch(_PERSON_TITLE, named[0].lower())
        and not _PETITION.search(folded)
    )


# Women against men ("nữ nhiều hơn nam mấy người", "chênh lệch nam nữ").
_GENDER_GAP = re.compile(
    r"\b(?:nu|nam)(?: \w+){0,4} (?:nhieu|it|dong) hon(?: \w+){0,4} (?:nam|nu)\b|\bchenh lech (?:giua )?(?:nam|nu)\b"
)
# The committee of the unit itself, not those of the units below ("chỉ cấp tỉnh", "ủy ban tỉnh", "ub tw").
_OWN_COMMITTEE = re.compile(
    r"\b(?:chi|rieng|khong tinh|ko tinh|k tinh|tru) (?:\w+ ){0,3}(?:cap|xa|phuong|cac xa)\b"
    r"|\b(?:uy ban|ub|ubmttq|ban thuong truc|btt)(?: mttq| mat tran(?: to quoc)?)?"
    r" (?:tinh|tp|thanh pho|tw|trung uong)\b"
)
# … unless the question says the whole ("cả tỉnh", "tính cả các xã", "tất cả các cấp").
_WHOLE = re.compile(
    r"\b(?:ca|toan|tat ca cac|moi|cong voi|cung|va|gom ca|tinh ca|ke ca)"
    r" (?:tinh|thanh pho|nuoc|cap|xa|cac xa|uy ban cac)\b"
    r"|\b(?:cac|nhung) (?:xa|phuong|tinh|don vi)\b"
)


def congress_change(text: str) -> dict[str, Any]:
    """Fields of a congress update ("đã tổ chức ngày 12/5/2026, 120 đại biểu dự, bầu 35 ủy viên")."""
    folded = fold(text)
    change: dict[str, Any] = {}
    for pattern, status in _STATUS:
        if re.search(rf"\b(?:{pattern})\b", folded):
            change["status"] = status
            break
    if days := dates_in(text):
        prepared = change.get("status") in (None, "dang_chuan_bi", "chua_trien_khai")
        change["planned_date" if prepared else "held_date"] = days[-1 if prepared else 0].isoformat()
    plain = strip_marks(nfc(text)).lower()  # letter for letter with the text: what it finds is cut from the text
    if change.get("status") == "dang_chuan_bi" and (reason := _REASON.search(plain)) and "hoan" in folded:
        change["notes"] = "Hoãn: " + nfc(text)[reason.start(1) : reason.end(1)].strip()
    if n := _ATTENDING.search(folded):
        change["delegates_attending"] = int(next(g for g in n.groups() if g))
    if n := _OF_PLANNED.search(plain):
        change["delegates_attending"], change["delegates_planned"] = int(n.group(1)), int(n.group(2))
    elif n := _PLANNED.search(folded):
        change["delegates_planned"] = int(n.group(1))
    if n := _ELECTED.search(folded) or _MEMBERS.search(folded):
        change["committee_size"] = int(next(g for g in n.groups() if g))
    if chair := re.search(
        r"(?:ông|bà|đồng chí)\s+([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,4})"
        r"\s+(?:làm|được bầu làm|giữ chức)\s+(?i:chủ tịch)",
        text,
    ) or _CHAIR.search(nfc(text)):
        change["chair_name"] = chair.group(1)
    elif chair := _CHAIR_PLAIN.search(strip_marks(nfc(text))):  # "chu tich moi la ba Nguyen Thi Ha"
        change["chair_name"] = nfc(text)[chair.start(1) : chair.end(1)]
    return change


_COMMUNES_COUNTED = re.compile(r"\b(?:so|cac|nhung|bao nhieu|may|bn) (?:xa|phuong)\b|\bcap (?:xa|co so)\b")
_PROVINCES_COUNTED = re.compile(r"\bcap tinh\b|\b(?:uy ban|ub) (?:tinh|thanh pho)\b")


def compared_on(text: str) -> str:
    """What a comparison of two units' congresses compares: units not started, delegates present or summoned,
    members elected, or (by default) the units that held theirs."""
    folded = fold(text)
    if re.search(r"\bchua (?:trien khai|to chuc|dai hoi|dh)\b", folded):
        return "not_started"
    if re.search(r"\b(?:trieu tap|du kien)\b", folded) and re.search(r"\b(?:dai bieu|db)\b", folded):
        return "delegates_planned"
    if re.search(r"\b(?:dai bieu|db)\b", folded):
        return "delegates_attending"
    if re.search(r"\b(?:bau|uy vien|uv)\b", folded):
        return "committee_size"
    return "held"


def congress_level(text: str) -> int | None:
    """The level whose congresses a comparison counts: 2 for communes and wards ("số xã, phường đã tổ chức"), 1 for
    the provinces' own; None for every level."""
    folded = fold(text)
    return 2 if _COMMUNES_COUNTED.search(folded) else 1 if _PROVINCES_COUNTED.search(folded) else None


_MONTH = re.compile(r"\b(?:thang|thg|th)\s*(\d{1,2})(?:\s*(?:/|-|nam)?\s*(\d{4}))?(?!\s*[/.-]?\s*\d)\b")
_MONTH_RELATIVE = re.compile(r"\bthang (nay|truoc|roi|sau|toi)\b")
_THIS_YEAR = re.compile(r"\bnam nay\b")


def congress_month(text: str) -> dict[str, int]:
    """The month a question about congresses is limited to ("trong tháng 3", "tháng 5/2024", "tháng này", "tháng
    trước"): ``month`` and, when the text says which, ``year``; empty when it names none."""
    folded = fold(text)
    today = today_in_vietnam()
    if relative := _MONTH_RELATIVE.search(folded):
        shift = {"nay": 0, "truoc": -1, "roi": -1, "sau": 1, "toi": 1}[relative.group(1)]
        index = today.year * 12 + today.month - 1 + shift
        return {"month": index % 12 + 1, "year": index // 12}
    found = next((m for m in _MONTH.finditer(folded) if 1 <= int(m.group(1)) <= 12), None)
    if found is None:
        return {}
    if found.group(2):
        return {"month": int(found.group(1)), "year": int(found.group(2))}
    this_year = _THIS_YEAR.search(folded[found.end() : found.end() + 12])
    return {"month": int(found.group(1))} | ({"year": today.year} if this_year else {})


_CATEGORY_WORDS = {fold(label): key for key, label in CATEGORIES.items() if key != "khac"} | {
    "nha dat|dat dai|tranh chap dat|lan chiem dat|so do|so hong|giai phong mat bang|gpmb|thu hoi dat": "dat_dai",
    "o nhiem|rac thai|nuoc thai|khoi bui|tieng on": "moi_truong",
    "duong sa|giao thong|cau cong|den duong|thoat nuoc|ngap ung": "ha_tang",
    "tro cap|ho ngheo|bao tro xa hoi|chinh sach xa hoi|nguoi co cong": "an_sinh",
    "benh vien|tram y te|kham chua benh|bao hiem y te|bhyt": "y_te",
    "truong hoc|hoc phi|hoc sinh|giao vien": "giao_duc",
    "trat tu|trom cap|ma tuy|an ninh": "an_ninh",
    "thu tuc|giay to|cong chung|chung thuc|ho tich": "hanh_chinh",
}


_UNITS = r"(?:don vi|dv|xa|phuong|dac khu|tinh|thanh pho|tp|dia phuong|co so)"
_LATE = r"(?:qua han|qh|cham|tre han|tre|ton dong|no dong)"
_LATE_UNITS = re.compile(  # "đơn vị nào quá hạn?", "xã nào chậm xử lý phản ánh?", "các xã còn tồn đọng"
    rf"\b{_UNITS}(?: \w+)? nao\b.*\b{_LATE}\b|\b{_LATE}\b.*\b{_UNITS} nao\b"
    rf"|\b(?:danh sach|cac|nhung) {_UNITS}(?: \w+)? (?:co (?:phan anh|don|pa) |con )?{_LATE}\b"
)


def petition_filters(text: str) -> dict[str, Any]:
    """Filters of a cadre's question about their unit's petitions: a category named ("về đất đai", "ô nhiễm"), or
    which units below are late ("xã nào chậm xử lý phản ánh?")."""
    folded = fold(text)
    found = {key for words, key in _CATEGORY_WORDS.items() if re.search(rf"\b(?:{words})\b", folded)}
    late = {"overdue_units": True} if _LATE_UNITS.search(folded) else {}
    return ({"category": found.pop()} if len(found) == 1 else {}) | late
