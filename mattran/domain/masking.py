"""Personal data in free text: found as typed spans, then masked for the public, reports and language models.

One detector for every place text leaves the cadres' view: publication (pre-filled for a cadre's review),
Open311, reports and everything sent to a language model. Numbers and e-mails are found by patterns read on the
folded text (lower case, no diacritics, same offsets), so that "sdt", "SĐT" and "số điện thoại" are one cue;
names and house addresses by cues (honorifics, "tôi là", house and lane numbers), Vietnamese surnames and given
names, and ``underthesea``'s named-entity model where the text has diacritics (:mod:`mattran.domain.masking_people`).
``known`` carries the petitioner's own name and contacts, matched wherever they appear, also without diacritics
and in another grouping of their digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from mattran.domain import receipts
from mattran.domain.text import strip_marks


class PersonalKind(StrEnum):
    """The kinds of personal data the detector finds."""

    PHONE = "phone"
    ID_NUMBER = "id_number"
    EMAIL = "email"
    BANK_ACCOUNT = "bank_account"
    PERSON = "person"
    ADDRESS = "address"
    BIRTH = "birth"


PLACEHOLDERS: dict[PersonalKind, str] = {
    PersonalKind.PHONE: "[số điện thoại đã ẩn]",
    PersonalKind.ID_NUMBER: "[số giấy tờ đã ẩn]",
    PersonalKind.EMAIL: "[email đã ẩn]",
    PersonalKind.BANK_ACCOUNT: "[số tài khoản đã ẩn]",
    PersonalKind.PERSON: "[họ tên đã ẩn]",
    PersonalKind.ADDRESS: "[địa chỉ đã ẩn]",
    PersonalKind.BIRTH: "[năm sinh đã ẩn]",
}

# Where two kinds claim overlapping text, the more specific one names the joined span.
_PRIORITY = {
    PersonalKind.EMAIL: 0,
    PersonalKind.BANK_ACCOUNT: 1,
    PersonalKind.ID_NUMBER: 2,
    PersonalKind.PHONE: 3,
    PersonalKind.BIRTH: 4,
    PersonalKind.ADDRESS: 5,
    PersonalKind.PERSON: 6,
}


@dataclass(frozen=True, order=True)
class Found:
    """A span of personal data: ``text[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: PersonalKind


def folded(text: str) -> str:
    """``text`` in lower case without diacritics, character for character (the same offsets)."""
    return "".join(_fold_char(c) for c in text)


def _fold_char(c: str) -> str:
    if c.isascii():
        return c.lower()
    plain = strip_marks(c).lower()
    return plain if len(plain) == 1 else " "


_SEP = r"(?:\s?[.\-]\s?|\s)?"  # one separator between digit groups
_GLUED_CUES = ("sdt", "dt", "tel", "zalo", "so", "cccd", "cmnd", "stk", "tk")  # "sđt0912345678"
_NOT_AFTER_NUMBER = r"(?:(?<![\w])|" + "|".join(f"(?<={c})" for c in _GLUED_CUES) + r")(?<!\d[.,])"
_END = r"(?!\d)(?!" + _SEP + r"\d{1,3}(?!\d))"  # not followed by more digits of the same number
_PHONE = re.compile(
    _NOT_AFTER_NUMBER + r"(?:(?:\(\s?\+?\s?84\s?\)|\+\s?84|00\s?84|(?<!\d)84)" + _SEP + r"(?:\(0\)\s?)?|\(?0\s?)"
    r"[1-9](?:\)?" + _SEP + r"\d){8,9}" + _END
)
_DIGITS = re.compile(_NOT_AFTER_NUMBER + r"\d(?:" + _SEP + r"\d){7,18}" + _END)
_PASSPORT = re.compile(r"(?<![\w/])[A-Z]\s?\d{7}(?!\w)")
_PASSPORT_CUED = re.compile(r"(?:ho chieu|passport|hc)\s*(?:so)?\s*:?\s*([a-z]\s?\d{7})(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_AT = r"(?:\s?@\s?|\s?[(\[{]\s?(?:a|at|@|a cong)\s?[)\]}]\s?|\s(?:at|a cong|acong|a moc)\s)"
_DOT = r"(?:\s?\.\s?|\s?[(\[{]\s?(?:dot|cham|\.)\s?[)\]}]\s?|\s(?:dot|cham)\s)"
_EMAIL_SPOKEN = re.compile(
    r"(?<![\w.])[a-z0-9][\w.+-]*"
    + _AT
    + r"(?:[a-z0-9-]+(?:"
    + _DOT
    + r"[a-z0-9-]+)*"
    + _DOT
    + r"(?:com|vn|net|org|edu|gov|info|io|me)(?![\w])|gmail|yahoo|outlook|hotmail|icloud)(?!\w)"
)
_ID_CUE = re.compile(
    r"(?:cccd|cmnd|cmt|can cuoc|chung minh|dinh danh|giay to|ho chieu|passport|bhxh|bao hiem|"
    r"ma so thue|mst)\b[^.\n;]{0,30}$"
)
_BANK_CUE = re.compile(
    r"(?:\bstk|\bso tk|\btk\b|tai khoan|\bso the|\bthe atm|\batm\b|ngan hang|\bnh\b|chuyen khoan|\bck\b|account|"
    r"vietcombank|\bvcb|agribank|bidv|vietinbank|techcombank|\btcb\b|mb ?bank|\bmb\b|\bacb\b|tpbank|sacombank|"
    r"vpbank|\bshb\b|hdbank|\bocb\b|\bmsb\b|seabank|\bvib\b|eximbank|lienvietpostbank|lpbank|abbank|nam a|"
    r"pvcombank|kienlongbank|baovietbank|\bscb\b|oceanbank|dong a bank|vietbank|bac a bank|momo|zalopay|vi dien tu)"
    r"[^.\n;]{0,40}$"
)
_BANK_CUE_AFTER = re.compile(
    r"^\s*(?:tai|o|-|,|\()?\s*(?:ngan hang|vietcombank|vcb|agribank|bidv|vietinbank|"
    r"techcombank|mb|acb|tpbank|sacombank|vpbank)\b"
)
_MONEY_AFTER = re.compile(
    r"^\s*(?:d\b|dong|vnd|vnđ|trieu|ty|nghin|ngan\b(?! hang)|usd|\$|m2|m²|m\b|km|ha\b|kg|tan|nguoi|ho\b|"
    r"%|lit|cay|con|suat|chiec|phong|lan)"
)
_MONEY_BEFORE = re.compile(
    r"\b(?:so tien|tien|gia|phi|vay|no|tra|boi thuong|den bu|ho tro|tong|khoang|len den|hon)"
    r"\s*:?\s*$"
)
_BIRTH = re.compile(
    r"(?<!\w)(?<!hoc )(?:sinh nam|nam sinh|sinh ngay|ngay sinh|ngay thang nam sinh|sinh thang|sn|s/n|ns|sinh)"
    r"\s?[:.]?\s?"
    r"(?:(?:ngay\s?)?\d{1,2}\s?(?:[/.\-]|thang)\s?)?(?:\d{1,2}\s?(?:[/.\-]|nam)\s?)?(?:19|20)\d{2}(?!\d)"
    r"|(?<!\w)(?:sinh nam|nam sinh|sn)\s?[:.]?\s?[3-9]\d(?!\d|[/.,]\d)"
)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _number_spans(text: str, fold: str) -> list[Found]:
    """Phones, ID numbers and bank accounts: every number by its length, grouping and the words around it."""
    found = [Found(m.start(), m.end(), PersonalKind.PHONE) for m in _PHONE.finditer(fold)]
    phones = list(found)
    for m in _DIGITS.finditer(fold):
        before, after = fold[max(0, m.start() - 60) : m.start()], fold[m.end() : m.end() + 25]
        kind = _number_kind(m.group(), before, after)
        in_phone = any(p.start <= m.start() and m.end() <= p.end for p in phones)
        if kind and not (in_phone and not (_BANK_CUE.search(before) or _BANK_CUE_AFTER.match(after))):
            found.append(Found(m.start(), m.end(), kind))  # a phone is a phone unless a bank is named
    found += [Found(m.start(), m.end(), PersonalKind.ID_NUMBER) for m in _PASSPORT.finditer(text)]
    found += [Found(m.start(1), m.end(1), PersonalKind.ID_NUMBER) for m in _PASSPORT_CUED.finditer(fold)]
    return found


def _number_kind(number: str, before: str, after: str) -> PersonalKind | None:
    """What a run of 8–19 digits is, if it is personal: read from its cue, its length and its grouping."""
    digits = _digits(number)
    grouped = len(digits) != len(number)
    if _MONEY_AFTER.match(after):
        return None
    if _BANK_CUE.search(before) or _BANK_CUE_AFTER.match(after):
        return PersonalKind.BANK_ACCOUNT
    if _ID_CUE.search(before):
        return PersonalKind.ID_NUMBER
    if grouped and _MONEY_BEFORE.search(before):
        return None
    if len(digits) in (9, 12):
        money_like = grouped and digits[0] != "0" and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number)
        return (
            None
            if money_like and digits.endswith("000")
            else (None if money_like and len(digits) == 12 else PersonalKind.ID_NUMBER)
        )
    if len(digits) >= 13 or (len(digits) in (10, 11) and not grouped and digits[0] != "0"):
        return PersonalKind.BANK_ACCOUNT
    return None


def _email_spans(fold: str) -> list[Found]:
    return [
        Found(m.start(), m.end(), PersonalKind.EMAIL)
        for pattern in (_EMAIL, _EMAIL_SPOKEN)
        for m in pattern.finditer(fold)
    ]


def _birth_spans(fold: str) -> list[Found]:
    return [Found(m.start(), m.end(), PersonalKind.BIRTH) for m in _BIRTH.finditer(fold)]


def _known_spans(text: str, fold: str, known: Iterable[str | None]) -> list[Found]:
    """The petitioner's own name and contacts wherever they appear: case- and diacritic-insensitive, numbers in
    any grouping of their digits."""
    found = []
    for value in known:
        value = (value or "").strip()
        if len(value) < 3:
            continue
        digits = _digits(value)
        if "@" in value:
            kind, pattern = PersonalKind.EMAIL, re.escape(folded(value))
        elif len(digits) >= 8:
            kind = PersonalKind.PHONE
            tail = digits[1:] if digits.startswith("0") else digits[2:] if digits.startswith("84") else digits
            pattern = r"(?<!\d)(?:\+?\s?\(?84\)?|\(?0)?" + _SEP.join(tail) + r"(?!\d)"
        elif not digits and len(value.split()) >= 2:  # a single word ("Hạnh") would also be "hành chính"
            words = r"\s+".join(map(re.escape, folded(value).split()))
            kind, pattern = PersonalKind.PERSON, r"(?<!\w)" + words + r"(?!\w)"
        else:
            continue
        found += [Found(m.start(), m.end(), kind) for m in re.finditer(pattern, fold)]
    return found


def _merged(spans: Iterable[Found]) -> list[Found]:
    """Spans sorted, overlapping ones joined under the most specific of their kinds."""
    result: list[Found] = []
    for span in sorted(spans):
        if result and span.start < result[-1].end:
            last = result[-1]
            kind = min(last.kind, span.kind, key=_PRIORITY.__getitem__)
            result[-1] = Found(last.start, max(last.end, span.end), kind)
        else:
            result.append(span)
    return result


def find_personal_data(text: str, known: Iterable[str | None] = (), *, names: bool = True) -> list[Found]:
    """Every span of personal data in ``text``, in order, not overlapping. ``names=False`` keeps to the patterns
    (numbers, e-mails, birth dates and ``known``), without the language model for names and addresses. Text typed
    with decomposed diacritics is read composed; the spans are those of ``text`` as given."""
    if unicodedata.is_normalized("NFC", text):
        return _find(text, known, names)
    composed, origin = _composed(text)
    return [Found(origin[f.start], origin[f.end], f.kind) for f in _find(composed, known, names)]


def _composed(text: str) -> tuple[str, list[int]]:
    """``text`` in NFC, and for each of its offsets (and its end) the offset in ``text`` it comes from."""
    parts: list[str] = []
    origin: list[int] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or not unicodedata.combining(text[end]):
            piece = unicodedata.normalize("NFC", text[start:end])
            parts.append(piece)
            origin += [start] * len(piece)
            start = end
    return "".join(parts), [*origin, len(text)]


def _find(text: str, known: Iterable[str | None], names: bool) -> list[Found]:
    from mattran.domain.masking_people import address_spans, person_spans

    fold = folded(text)
    spans = _known_spans(text, fold, known) + _email_spans(fold) + _number_spans(text, fold) + _birth_spans(fold)
    if names:
        spans += address_spans(text, fold)
        people = person_spans(text, fold, _merged(spans))
        spans += people + _years_after_names(fold, people)
    references = receipts.spans(text)  # "PAKN-2026-000123-7KQ4XZ" holds digits but is no one's data
    return _merged(s for s in spans if not any(a < s.end and s.start < b for a, b in references))


_YEAR_AFTER_NAME = re.compile(r"\s?[,(]\s?(?:sn\s?|sinh\s?)?((?:19|20)\d{2})\s?\)")


def _years_after_names(fold: str, people: Iterable[Found]) -> list[Found]:
    """A year in brackets right after a person's name is their birth year: "ông Nguyễn Văn Tý (1930)"."""
    found = []
    for person in people:
        if m := _YEAR_AFTER_NAME.match(fold, person.end):
            found.append(Found(m.start(1), m.end(1), PersonalKind.BIRTH))
    return found


def warm_up() -> None:
    """Load what the detector reads names with (the named-entity model, the place names: about 4 s, once per
    process), e.g. at a server's start, so that the first review does not wait."""
    from mattran.domain.masking_people import warm_up as load

    load()


def mask_spans(text: str, spans: Iterable[Found]) -> str:
    """``text`` with each span replaced by its kind's placeholder."""
    parts, at = [], 0
    for span in _merged(spans):
        parts += [text[at : span.start], PLACEHOLDERS[span.kind]]
        at = span.end
    return "".join(parts) + text[at:]


def mask_personal_data(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with every personal data span found replaced by a notice of its kind."""
    return mask_spans(text, find_personal_data(text, known))
