"""Front committee members: validation of every field, protection of personal data, listing and adding.

The same field parsers serve the API, the web forms and the spreadsheet import, so a value is accepted
or refused with the same Vietnamese message everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain import member_vocab as vocab
from mattran.domain.access import target_unit
from mattran.domain.errors import Conflict, Invalid
from mattran.domain.permissions import Operation
from mattran.domain.privacy import PersonalData, mask_email, mask_national_id, mask_phone
from mattran.domain.sectors import Sector, SectorError, parse_sector, sector_text
from mattran.domain.text import fold
from mattran.store import members as store
from mattran.store.db import Conn

MIN_AGE = 18
_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_TERM = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4})")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_MASKED_ID = re.compile(r"^[*xX•]{6,}(\d{3})$")


class FieldError(Invalid):
    """A value refused, with the Vietnamese reason."""


def parse_full_name(value: str) -> str:
    """Full name: 1–200 characters, starting with a letter."""
    name = vocab.clean_text(value)
    if not name:
        raise FieldError("Họ và tên không được để trống.")
    if len(name) > 200:
        raise FieldError("Họ và tên dài quá 200 ký tự.")
    if not name[0].isalpha():
        raise FieldError(f"Họ và tên “{name}” phải bắt đầu bằng chữ cái.")
    return name


def parse_gender(value: str) -> str:
    """``Nam`` / ``Nữ`` / ``Khác`` (any case, with or without diacritics) → ``nam`` / ``nu`` / ``khac``."""
    code = vocab.gender_code(value)
    if code is None:
        raise FieldError(f"Giới tính “{value}” không hợp lệ: ghi Nam, Nữ hoặc Khác.")
    return code


def parse_birth_year(value: Any, today: date | None = None) -> int:
    """A year (``1975``), a date (``15/08/1975``, ``1975-08-15``, a spreadsheet date) → the birth year."""
    latest = (today or date.today()).year - MIN_AGE
    if isinstance(value, datetime | date):
        year = value.year
    elif isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        year = int(value)
    else:
        text = str(value).strip()
        year = _year_from_text(text)
    if not 1900 <= year <= latest:
        raise FieldError(f"Năm sinh {year} không hợp lệ: phải từ 1900 đến {latest} (đủ {MIN_AGE} tuổi).")
    return year


def _year_from_text(text: str) -> int:
    if text.isdigit() and len(text) == 4:
        return int(text)
    match = _DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif iso := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise FieldError(f"Năm sinh “{text}” không hợp lệ: ghi năm (1975) hoặc ngày sinh (15/08/1975).")
    try:
        date(year, month, day)
    except ValueError:
        raise FieldError(f"Ngày sinh “{text}” không tồn tại.") from None
    return year


def parse_ethnicity(value: str) -> str:
    """One of the 54 ethnic groups."""
    name = vocab.canonical_ethnicity(value)
    if name is None:
        raise FieldError(f"Dân tộc “{vocab.clean_text(value)}” không có trong danh mục 54 dân tộc Việt Nam.")
    return name


def parse_short_text(label: str, canonical: Callable[[str], str]) -> Callable[[str], str]:
    """A parser for a free text field of at most 200 characters, spelled canonically when known."""

    def parse(value: str) -> str:
        text = canonical(value)
        if len(text) > 200:
            raise FieldError(f"{label} dài quá 200 ký tự.")
        return text

    return parse


parse_religion = parse_short_text("Tôn giáo", vocab.canonical_religion)
parse_position = parse_short_text("Chức vụ", vocab.canonical_position)
parse_organisation = parse_short_text("Tổ chức", vocab.canonical_organisation)


def parse_term(value: Any) -> str:
    """``2024-2029``, ``nhiệm kỳ 2024 – 2029`` → ``2024–2029`` (five years)."""
    match = _TERM.search(str(value))
    if not match:
        raise FieldError(f"Nhiệm kỳ “{value}” không hợp lệ: ghi dạng 2024–2029.")
    start, end = int(match.group(1)), int(match.group(2))
    if not 1955 <= start <= 2100 or end - start != 5:
        raise FieldError(f"Nhiệm kỳ “{value}” không hợp lệ: một nhiệm kỳ kéo dài 5 năm, ví dụ 2024–2029.")
    return f"{start}–{end}"


def parse_day(value: Any) -> date:
    """A date: ``15/08/2024``, ``2024-08-15`` or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if match := _DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise FieldError(f"Ngày “{text}” không hợp lệ: ghi dạng 15/08/2024.")
    try:
        found = date(year, month, day)
    except ValueError:
        raise FieldError(f"Ngày “{text}” không tồn tại.") from None
    if not 1955 <= found.year <= 2100:
        raise FieldError(f"Ngày “{text}” không hợp lệ.")
    return found


def parse_member_sector(value: Any) -> tuple[Sector, str | None]:
    """The sector a seat represents (see :func:`mattran.domain.sectors.parse_sector`)."""
    try:
        return parse_sector(str(value))
    except SectorError as exc:
        raise FieldError(str(exc)) from None


def parse_phone(value: Any) -> str:
    """A Vietnamese phone number → ``0`` followed by 9 or 10 digits (``+84``/``84`` accepted)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        digits = "0" + digits if len(digits) in (9, 10) and not digits.startswith(("0", "84")) else digits
    else:
        digits = re.sub(r"[\s.\-()]", "", str(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0[1-9]\d{8,9}", digits):
        raise FieldError("Số điện thoại không hợp lệ: cần 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84.")
    return digits


def parse_email(value: str) -> str:
    """An e-mail address (lower-cased domain)."""
    text = value.strip()
    if not _EMAIL.match(text) or len(text) > 254:
        raise FieldError(f"Email “{mask_email(text) or text}” không hợp lệ.")
    local, _, domain = text.partition("@")
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class NationalId:
    """A national ID as given: the full 12 digits, or only the last 3 (a masked value from an export)."""

    digits: str | None
    last3: str

    def __repr__(self) -> str:
        return f"NationalId({mask_national_id(self.last3)})"


def parse_national_id(value: Any, birth_year: int | None = None) -> NationalId:
    """A 12-digit CCCD number (digits 4–6 encode the century and year of birth), or its masked form."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)).zfill(12)
    else:
        text = re.sub(r"[\s.\-]", "", str(value))
    masked = _MASKED_ID.match(text)
    if masked:
        return NationalId(None, masked.group(1))
    if not re.fullmatch(r"\d{12}", text):
        raise FieldError("Số CCCD phải gồm đúng 12 chữ số.")
    if not 1 <= int(text[:3]) <= 96:
        raise FieldError("Số CCCD không hợp lệ: 3 chữ số đầu là mã tỉnh nơi đăng ký khai sinh (001–096).")
    if birth_year is not None and 1900 + 100 * (int(text[3]) // 2) + int(text[4:6]) != birth_year:
        raise FieldError("Số CCCD không khớp với năm sinh (chữ số thứ 4–6 ghi thế kỷ và năm sinh).")
    return NationalId(text, text[-3:])


@dataclass(frozen=True)
class MemberDraft:
    """A validated member, not yet stored; personal fields never appear in its ``repr``."""

    unit_code: str
    full_name: str
    gender: str | None = None
    birth_year: int | None = None
    ethnicity: str | None = None
    religion: str | None = None
    position: str | None = None
    organisation: str | None = None
    term: str | None = None
    sector: str | None = None
    sector_detail: str | None = None
    started_on: date | None = None
    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    national_id: NationalId | None = None

    @cached_property
    def key(self) -> tuple[str, str, int | None]:
        """What makes two rows the same person: unit, full name (folded) and birth year."""
        return self.unit_code, fold(self.full_name), self.birth_year

    def stored(self, protector: PersonalData) -> tuple[Any, ...]:
        """The row for :data:`mattran.store.members.MEMBER_COLUMNS`, personal data protected."""
        nid = self.national_id
        return (
            self.unit_code,
            self.full_name,
            self.gender,
            self.birth_year,
            self.ethnicity,
            self.religion,
            self.position,
            self.organisation,
            self.term,
            protector.encrypt("phone", self.phone),
            protector.encrypt("email", self.email),
            protector.national_id_hash(nid.digits) if nid and nid.digits else None,
            nid.last3 if nid else None,
            self.sector,
            self.sector_detail,
            self.started_on,
        )


# field → (Vietnamese label, parser); the birth year is parsed first, the national ID checked against it.
FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "full_name": ("Họ và tên", lambda v: parse_full_name(str(v))),
    "gender": ("Giới tính", lambda v: parse_gender(str(v))),
    "birth_year": ("Năm sinh", parse_birth_year),
    "ethnicity": ("Dân tộc", lambda v: parse_ethnicity(str(v))),
    "religion": ("Tôn giáo", lambda v: parse_religion(str(v))),
    "position": ("Chức vụ", lambda v: parse_position(str(v))),
    "organisation": ("Tổ chức thành viên", lambda v: parse_organisation(str(v))),
    "term": ("Nhiệm kỳ", parse_term),
    "sector": ("Thành phần đại diện", parse_member_sector),
    "started_on": ("Ngày bắt đầu", parse_day),
    "phone": ("Số điện thoại", parse_phone),
    "email": ("Email", lambda v: parse_email(str(v))),
    "national_id": ("Số CCCD", parse_national_id),
}


def blank(value: Any) -> bool:
    """True for a missing or empty cell."""
    return value is None or (isinstance(value, str) and not value.strip())


def validate(unit_code: str, values: Mapping[str, Any]) -> tuple[MemberDraft | None, dict[str, str]]:
    """A draft from raw values (field → value), or the errors by field (Vietnamese messages)."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, (_label, parser) in FIELDS.items():
        value = values.get(name)
        if blank(value):
            if name == "full_name":
                errors[name] = "Họ và tên không được để trống."
            continue
        try:
            parsed[name] = (
                parse_national_id(value, parsed.get("birth_year")) if name == "national_id" else parser(value)
            )
        except FieldError as exc:
            errors[name] = str(exc)
    if "sector" in parsed:
        parsed["sector"], parsed["sector_detail"] = parsed["sector"]
    elif "organisation" in parsed:
        parsed["sector"] = Sector.ORGANISATION  # a member named with an organisation represents it
    if parsed.get("sector") == Sector.ORGANISATION and "organisation" not in parsed and not errors:
        errors["sector"] = ORGANISATION_MISSING
    if errors:
        return None, errors
    return MemberDraft(unit_code=unit_code, **parsed), {}


ORGANISATION_MISSING = "Đại diện tổ chức thành viên nhưng chưa ghi tên tổ chức."


class InvalidMember(Invalid):
    """A member refused, with the errors by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class DuplicateMember(Conflict):
    """The unit already has a member with that full name and birth year."""


class MemberView(BaseModel):
    """A member as shown to cadres within scope: contacts decrypted, national ID masked."""

    id: int
    unit_code: str
    unit_name: str | None = None
    full_name: str
    gender: str | None
    birth_year: int | None
    ethnicity: str | None
    religion: str | None
    position: str | None
    organisation: str | None
    term: str | None
    phone: str | None
    email: str | None
    national_id: str | None
    organisation_id: int | None = None
    sector: Sector | None = Field(default=None, description="Loại thành phần đại diện.")
    sector_detail: str | None = Field(default=None, description="Tôn giáo, dân tộc… mà ủy viên đại diện.")
    sector_text: str | None = Field(default=None, description="Thành phần đại diện như cán bộ ghi.")
    started_on: date | None = Field(default=None, description="Ngày bắt đầu giữ ghế trong Ủy ban.")
    ended_on: date | None = Field(default=None, description="Ngày thôi tham gia (thành viên vẫn được lưu).")
    end_reason: str | None = Field(default=None, description="left, moved, deceased, term_ended, duplicate")
    end_note: str | None = None

    def __repr__(self) -> str:
        return (
            f"MemberView(id={self.id}, unit_code={self.unit_code!r}, phone={mask_phone(self.phone)!r}, "
            f"email={mask_email(self.email)!r}, national_id={self.national_id!r})"
        )

    __str__ = __repr__


def view(row: Mapping[str, Any], protector: PersonalData) -> MemberView:
    """A stored row as shown to a cadre."""
    return MemberView(
        id=row["id"],
        unit_code=row["unit_code"],
        unit_name=row.get("unit_name"),
        full_name=row["full_name"],
        gender=row["gender"],
        birth_year=row["birth_year"],
        ethnicity=row.get("ethnicity"),
        religion=row.get("religion"),
        position=row["position"],
        organisation=row["organisation"],
        term=row.get("term"),
        phone=protector.decrypt("phone", row.get("phone_enc")),
        email=protector.decrypt("email", row.get("email_enc")),
        national_id=mask_national_id(row.get("national_id_last3")) or None,
        organisation_id=row.get("organisation_id"),
        sector=row.get("sector"),
        sector_detail=row.get("sector_detail"),
        sector_text=sector_text(row.get("sector"), row.get("sector_detail")),
        started_on=row.get("started_on"),
        ended_on=row.get("ended_on"),
        end_reason=row.get("end_reason"),
        end_note=row.get("end_note"),
    )


async def list_members(
    conn: Conn,
    principal: Principal,
    protector: PersonalData,
    unit_code: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    search: str | None = None,
    sector: Sector | None = None,
) -> list[MemberView]:
    """Members in the principal's scope (or one unit's subtree within it), name search and sector optional."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    rows = await store.list_members(conn, unit.code, limit=limit, offset=offset, search=search, sector=sector)
    return [view(r, protector) for r in rows]


async def add_member(
    conn: Conn, principal: Principal, protector: PersonalData, unit_code: str, values: Mapping[str, Any]
) -> MemberView:
    """Validate and add one member to a unit within the principal's scope (refused when a duplicate)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_WRITE, unit_code)
    draft, errors = validate(unit.code, values)
    if draft is None:
        raise InvalidMember(errors)
    existing = {
        (r["unit_code"], fold(r["full_name"]), r["birth_year"])
        for r in await store.member_keys(conn, [draft.unit_code])
    }
    if draft.key in existing:
        raise DuplicateMember(
            f"{unit.name} đã có thành viên “{draft.full_name}”"
            f"{f' sinh năm {draft.birth_year}' if draft.birth_year else ''}."
        )
    row = await store.add_member(conn, dict(zip(store.MEMBER_COLUMNS, draft.stored(protector), strict=True)))
    return view({**row, "unit_name": unit.name}, protector)


class MemberPage(BaseModel):
    """One page of a member list."""

    members: list[MemberView]
    total: int
    page: int
    pages: int


async def member_page(
    conn: Conn,
    principal: Principal,
    protector: PersonalData,
    unit_code: str | None = None,
    search: str | None = None,
    page: int = 1,
    size: int = 50,
    *,
    sector: Sector | None = None,
) -> MemberPage:
    """Page ``page`` (from 1) of the members of the principal's scope or of one unit within it (of one sector)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    total = await store.count_in_unit(conn, unit.code, search, sector)
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = await store.list_members(conn, unit.code, limit=size, offset=(page - 1) * size, search=search, sector=sector)
    return MemberPage(members=[view(r, protector) for r in rows], total=total, page=page, pages=pages)
