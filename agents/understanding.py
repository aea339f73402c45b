"""Offline understanding (no language model): intent by rules over folded Vietnamese, slots by patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mattran.domain.petition_text import suggest_category
from mattran.domain.text import fold, nfc, strip_marks

Intent = Literal["file_petition", "get_petition_status", "find_unit", "help", "out_of_scope"]

TRACKING_CODE = re.compile(r"\bpakn[\s-]*(\d{4})[\s-]*(\d{1,6})\b", re.IGNORECASE)
_CUES: dict[str, list[str]] = {
    "get_petition_status": ["tra cuu phan anh", "tinh trang", "den dau roi", "da xu ly chua", "ket qua xu ly",
                            "theo doi phan anh", "xu ly toi dau", "da co tra loi chua"],
    "find_unit": ["thuoc xa nao", "thuoc phuong nao", "thuoc tinh nao", "thuoc don vi nao", "don vi hanh chinh",
                  "dia chi moi", "sau sap nhap", "nay la xa nao", "nay la phuong nao", "tra cuu don vi",
                  "ma don vi", "la xa nao", "la phuong nao"],
    "file_petition": ["phan anh", "kien nghi", "gui don", "khieu nai", "to cao", "de nghi", "muon gui", "xin gui",
                      "bao viec", "keu cuu", "can giai quyet", "de xuat"],
    "help": ["xin chao", "chao ban", "ban la ai", "lam duoc gi", "giup gi", "huong dan", "tro giup", "help",
             "hello", "chao"],
}
_MANIPULATION = re.compile(
    r"\b(?:bo qua (?:moi |tat ca |cac )?(?:huong dan|chi dan|quy tac)|ignore (?:all |previous |the )*instructions"
    r"|system prompt|danh sach so dien thoai|so dien thoai cua nguoi|thong tin ca nhan cua nguoi"
    r"|so cccd cua|dong vai|jailbreak)\b")
_ADDRESS_LIKE = re.compile(r"(?:p|x|q|h|f|tp|tt|tx|dk|phuong|xa|dac khu|thi tran|tinh|thanh pho|quan|huyen)\s*\w")
_PATTERNS = {intent: re.compile(r"\b(?:" + "|".join(map(re.escape, cues)) + r")\b") for intent, cues in _CUES.items()}
_STOP = "bi|co|dang|rat|khong|da|va|nhung|thi|tu|nhieu|may|gay|lam|can|xin|de|nay|thuoc|o|tai"
_UNIT_SPAN = re.compile(
    r"\b(?:xa|phuong|dac khu|thi tran|tp|thanh pho|tinh)\s+"
    rf"(?:(?!(?:{_STOP})\b)[^,.;!?\n])+?"
    rf"(?:,\s*(?:(?!(?:{_STOP})\b)[^,.;!?\n])+?)?"
    rf"(?=\s+(?:{_STOP})\b|[.;!?\n]|,\s*(?:{_STOP})\b|$)",
)


@dataclass
class Understanding:
    """What the message asks for, and the slots found in it."""

    intent: Intent
    slots: dict[str, str] = field(default_factory=dict)


def tracking_code(text: str) -> str | None:
    """A tracking code in the text, normalised (``pakn 2026 123`` → ``PAKN-2026-000123``)."""
    found = TRACKING_CODE.search(text)
    return f"PAKN-{found.group(1)}-{int(found.group(2)):06d}" if found else None


def unit_mentions(text: str) -> list[str]:
    """Spans that name an administrative unit, folded ("xa tan lap, tinh tay ninh"); the resolver reads them."""
    folded = " ".join(re.sub(r"([,.;!?])", r" \1 ", nfc(text).lower()).split())
    folded = re.sub(r" ([,.;!?])", r"\1", fold_keep_punctuation(folded))
    return [m.group(0).strip(" ,") for m in _UNIT_SPAN.finditer(folded)]


def fold_keep_punctuation(text: str) -> str:
    """Lower case without diacritics, keeping the punctuation that separates parts of an address."""
    return strip_marks(text).lower()


def title_of(text: str) -> str:
    """A short title: the first sentence, at most 12 words."""
    first = re.split(r"(?<=[.!?])\s|\n", nfc(text).strip(), maxsplit=1)[0]
    words = first.split()
    title = " ".join(words[:12]).rstrip(",;:")
    return title[:1].upper() + title[1:] if title else ""


def understand(text: str) -> Understanding:
    """Intent and slots of one message."""
    folded = fold(text)
    code = tracking_code(text)
    if code:
        return Understanding("get_petition_status", {"tracking_code": code})
    if _MANIPULATION.search(folded):
        return Understanding("out_of_scope", {})  # attempts to steer the assistant or to obtain personal data
    hits = {intent: bool(pattern.search(folded)) for intent, pattern in _PATTERNS.items()}
    mentions = unit_mentions(text)
    slots = {"unit_text": mentions[-1]} if mentions else {}
    problem = suggest_category(text) != "khac"
    if hits["get_petition_status"] and "phan anh" in folded:
        return Understanding("get_petition_status", {})
    if hits["find_unit"]:
        return Understanding("find_unit", slots or {"unit_text": text})
    if hits["file_petition"] or (problem and len(folded.split()) >= 6):
        words = len(folded.split())
        if words >= 8:
            slots |= {"content": nfc(text).strip(), "title": title_of(text)}
        return Understanding("file_petition", slots)
    if hits["help"] and len(folded.split()) <= 8:
        return Understanding("help", {})
    if len(folded.split()) <= 10 and (mentions or _ADDRESS_LIKE.match(folded)):
        return Understanding("find_unit", {"unit_text": text})  # a bare address: which unit is it?
    return Understanding("out_of_scope", {})
