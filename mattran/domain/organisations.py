"""Member organisations (tổ chức thành viên) of each unit: records with a kind, contacts and status, rolled up
by name to the organisation of the same name at the level above.

Contacts follow the members' personal-data rules: phone and e-mail stored encrypted, shown only to cadres in scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain.access import target_unit
from mattran.domain.errors import Conflict, Invalid, NotFound
from mattran.domain.labelled import labels
from mattran.domain.member_vocab import canonical_organisation, clean_text
from mattran.domain.members import FieldError, parse_email, parse_phone
from mattran.domain.permissions import Operation
from mattran.domain.privacy import PersonalData, mask_email, mask_phone
from mattran.store import organisations as store
from mattran.store.db import Conn


class Kind(StrEnum):
    """What an organisation is."""

    POLITICAL_SOCIAL = "political_social"
    SOCIAL = "social"
    PROFESSIONAL = "professional"
    RELIGIOUS = "religious"
    ECONOMIC = "economic"
    OTHER = "other"


KIND_LABELS = labels(
    Kind,
    "Tổ chức chính trị - xã hội",
    "Tổ chức xã hội",
    "Tổ chức xã hội - nghề nghiệp",
    "Tổ chức tôn giáo",
    "Tổ chức kinh tế",
    "Khác",
)


class Status(StrEnum):
    """Whether an organisation is active."""

    ACTIVE = "active"
    INACTIVE = "inactive"


STATUS_LABELS = labels(Status, "Đang hoạt động", "Ngừng hoạt động")


class OrganisationIn(BaseModel):
    """An organisation to add (``unit_code`` default: the caller's unit)."""

    unit_code: str | None = Field(default=None, min_length=2, max_length=10)
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = Kind.OTHER
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=300)
    status: Status = Status.ACTIVE


class OrganisationChange(BaseModel):
    """Fields to change; those left out stay, ``null`` clears a contact."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: Kind | None = None
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=300)
    status: Status | None = None


class Organisation(BaseModel):
    """An organisation as shown to a cadre in scope."""

    id: int
    unit_code: str
    unit_name: str
    name: str
    kind: Kind
    kind_label: str
    parent_id: int | None = Field(description="Tổ chức cùng tên ở cấp trên (tổng hợp lên).")
    parent_name: str | None
    contact_name: str | None
    phone: str | None
    email: str | None
    address: str | None
    status: Status
    status_label: str
    members: int = Field(description="Thành viên đang sinh hoạt thuộc tổ chức ở đơn vị này.")
    members_rolled_up: int = Field(description="Cùng các tổ chức cùng tên ở các đơn vị cấp dưới trong phạm vi.")
    updated_at: datetime

    def __repr__(self) -> str:
        return (
            f"Organisation(id={self.id}, unit_code={self.unit_code!r}, name={self.name!r}, "
            f"phone={mask_phone(self.phone)!r}, email={mask_email(self.email)!r})"
        )

    __str__ = __repr__


class InvalidOrganisation(Invalid):
    """An organisation refused, with the errors by field (Vietnamese)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class UnknownOrganisation(NotFound):
    """No organisation with that id in the caller's scope."""

    def __init__(self, organisation_id: int) -> None:
        super().__init__(f"Không tìm thấy tổ chức thành viên số {organisation_id} trong phạm vi của bạn.")


def view(row: Mapping[str, Any], protector: PersonalData) -> Organisation:
    """A stored row as shown."""
    kind, status = Kind(row["kind"]), Status(row["status"])
    return Organisation(
        id=row["id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        name=row["name"],
        kind=kind,
        kind_label=KIND_LABELS[kind],
        parent_id=row["parent_id"],
        parent_name=row["parent_name"],
        contact_name=row["contact_name"],
        phone=protector.decrypt("phone", row["phone_enc"]),
        email=protector.decrypt("email", row["email_enc"]),
        address=row["address"],
        status=status,
        status_label=STATUS_LABELS[status],
        members=row["members"],
        members_rolled_up=row["members_rolled_up"],
        updated_at=row["updated_at"],
    )


def _stored(values: Mapping[str, Any], protector: PersonalData) -> dict[str, Any]:
    """Validated values as stored (contacts encrypted); raises :class:`InvalidOrganisation`."""
    stored: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            if name == "name":
                text = canonical_organisation(value or "")
                if not text:
                    raise FieldError("Tên tổ chức không được để trống.")
                stored[name] = text
            elif name in ("contact_name", "address"):
                stored[name] = clean_text(value) or None if value is not None else None
            elif name == "phone":
                stored["phone_enc"] = protector.encrypt("phone", parse_phone(value) if value else None)
            elif name == "email":
                stored["email_enc"] = protector.encrypt("email", parse_email(value) if value else None)
            elif name in ("kind", "status") and value is not None:
                stored[name] = str(value)
        except FieldError as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidOrganisation(errors)
    return stored


def _duplicate(name: str, unit_name: str) -> Conflict:
    return Conflict(f"{unit_name} đã có tổ chức thành viên “{name}”.", "name")


async def list_organisations(
    conn: Conn,
    principal: Principal,
    protector: PersonalData,
    unit_code: str | None = None,
    *,
    subtree: bool = False,
    search: str | None = None,
) -> list[Organisation]:
    """A unit's organisations (default: the caller's unit), with those of the units below when ``subtree``."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    rows = await store.list_in(conn, unit.code, subtree=subtree, search=search)
    return [view(r, protector) for r in rows]


async def get_organisation(
    conn: Conn, principal: Principal, protector: PersonalData, organisation_id: int, operation: Operation
) -> Organisation:
    """One organisation in the caller's scope, once ``operation`` is allowed on its unit."""
    row = await store.get(conn, organisation_id)
    if row is None:
        raise UnknownOrganisation(organisation_id)
    await target_unit(conn, principal, operation, row["unit_code"])
    return view(row, protector)


async def add_organisation(
    conn: Conn, principal: Principal, protector: PersonalData, new: OrganisationIn
) -> Organisation:
    """Add an organisation to a unit within scope (409 when the unit has one of that name)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_WRITE, new.unit_code)
    values = _stored(new.model_dump(exclude={"unit_code"}, exclude_none=True), protector)
    if await store.by_name(conn, unit.code, values["name"]):
        raise _duplicate(values["name"], unit.name)
    organisation_id = await store.add(conn, unit.code, values)
    return await get_organisation(conn, principal, protector, organisation_id, Operation.MEMBER_WRITE)


async def update_organisation(
    conn: Conn, principal: Principal, protector: PersonalData, organisation_id: int, change: OrganisationChange
) -> Organisation:
    """Change an organisation's fields (a new name is carried to its members' records)."""
    current = await get_organisation(conn, principal, protector, organisation_id, Operation.MEMBER_WRITE)
    values = _stored({k: getattr(change, k) for k in change.model_fields_set}, protector)
    if values.get("name") and values["name"] != current.name:
        same = await store.by_name(conn, current.unit_code, values["name"])
        if same and same["id"] != organisation_id:
            raise _duplicate(values["name"], current.unit_name)
    await store.update(conn, organisation_id, values)
    return await get_organisation(conn, principal, protector, organisation_id, Operation.MEMBER_WRITE)


async def delete_organisation(conn: Conn, principal: Principal, protector: PersonalData, organisation_id: int) -> None:
    """Remove an organisation no member refers to; one with members is set “ngừng hoạt động” instead."""
    current = await get_organisation(conn, principal, protector, organisation_id, Operation.MEMBER_WRITE)
    used = await store.member_count(conn, organisation_id)
    if used:
        raise Conflict(
            f"Tổ chức “{current.name}” còn {used} thành viên (kể cả đã thôi): không thể xóa, hãy chuyển trạng thái"
            " sang “Ngừng hoạt động”."
        )
    await store.delete(conn, organisation_id)
