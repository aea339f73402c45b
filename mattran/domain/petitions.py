"""Petitions (phản ánh, kiến nghị): one intake pipeline for every door, routing, handling, publication."""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import psycopg
from pydantic import BaseModel, Field, field_validator

from mattran.auth.principal import Principal
from mattran.domain import idempotency, receipts
from mattran.domain.attachments import Attachment
from mattran.domain.consent import CONSENT_REQUIRED, PETITION_NOTICE, petition_consent
from mattran.domain.embedding import Embedder
from mattran.domain.errors import Conflict, DomainError, Invalid, NotFound, Refused, SignInRequired
from mattran.domain.masking import mask_personal_data
from mattran.domain.permissions import Operation, is_allowed
from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.domain.petition_text import (
    CATEGORIES,
    add_working_days,
    suggest_category,
)
from mattran.domain.privacy import PersonalData
from mattran.domain.pseudonyms import DENOUNCER, GUEST, SIGNED_IN_CITIZEN, Pseudonyms
from mattran.domain.publication import FIELDS as PUBLIC_FIELDS
from mattran.domain.publication import PublicationDraft, approved, review
from mattran.domain.rate_limits import Limit, RateLimits, caller_key
from mattran.domain.text import nfc
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Unit
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store import petitions as store
from mattran.store.db import Conn, Database
from mattran.store.library import vector_literal

Category = Literal["dat_dai", "moi_truong", "ha_tang", "an_sinh", "y_te", "giao_duc", "an_ninh", "hanh_chinh", "khac"]
Channel = Literal["web", "api", "chat", "open311"]
Kind = Literal["phan_anh", "kien_nghi", "khieu_nai", "to_cao"]
DENUNCIATION = "to_cao"  # the denouncer's identity: only the cadre the petition is assigned to (Luật Tố cáo 2018)
STATUS_LABELS = {
    PetitionStatus.RECEIVED: "Đã tiếp nhận",
    PetitionStatus.ACCEPTED: "Đã thụ lý",
    PetitionStatus.DECLINED: "Không thụ lý",
    PetitionStatus.IN_PROGRESS: "Đang xử lý",
    PetitionStatus.ANSWERED: "Đã trả lời",
    PetitionStatus.PUBLISHED: "Đã công khai trả lời",
    PetitionStatus.MERGED: "Đã gộp với phản ánh cùng nội dung",
}
OPEN_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS)
# Cosine similarity (multilingual-e5-small passages) from which two petitions are about the same matter.
SIMILAR_MEANING = 0.9
_PHONE_CHARS = set("0123456789 +.-()")


def public_number(text: str) -> str:
    """The petition number a cadre means (``PAKN-2026-000123``), from a number or a receipt however written."""
    receipt = receipts.parse(text)
    return receipt.public_code if receipt else text.strip().upper()


class PetitionError(DomainError):
    """A petition request that cannot be carried out; ``field`` names the input at fault. Raised as one of the kinds
    below; raised as itself, the platform is at fault (say, its keys are not loaded)."""


class InvalidPetition(PetitionError, Invalid):
    """A petition request that is wrong or incomplete."""


class PetitionNotFound(PetitionError, NotFound):
    """No such petition (or attachment) within the caller's reach."""


class PetitionRefused(PetitionError, Refused):
    """The caller may not do this with the petition."""


class PetitionSignInRequired(PetitionError, SignInRequired):
    """Only a signed-in person may do this."""


class PetitionConflict(PetitionError, Conflict):
    """The petition's state does not allow this now."""


class Contact(BaseModel):
    """How the petitioner can be reached: personal data, never published."""

    full_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = [c for c in value if c.isdigit()]
        if not set(value) <= _PHONE_CHARS or not 9 <= len(digits) <= 12:
            raise ValueError("số điện thoại không hợp lệ")
        return value.strip()

    def sealed(self, protector: PersonalData) -> dict[str, bytes | None]:
        """The columns stored: every value encrypted."""
        return {f"{k}_enc": protector.encrypt(k, v) for k, v in self.model_dump().items()}  # type: ignore[arg-type]

    @staticmethod
    def opened(row: dict[str, Any], protector: PersonalData) -> dict[str, str | None]:
        """The clear contact of a stored row."""
        return {k: protector.decrypt(k, row[f"{k}_enc"]) for k in Contact.model_fields}  # type: ignore[arg-type]


class PetitionIn(BaseModel):
    """A new petition, from any door."""

    title: str = Field(min_length=5, max_length=200, description="Tiêu đề ngắn gọn.")
    content: str = Field(min_length=20, max_length=5000, description="Nội dung phản ánh, kiến nghị.")
    unit_code: str | None = Field(default=None, max_length=10, description="Mã đơn vị nhận (xã, tỉnh hoặc TW).")
    unit_text: str | None = Field(default=None, max_length=300, description="Hoặc: tên đơn vị/địa chỉ tự do.")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    category: Category | None = None
    kind: Kind = Field(default="phan_anh", description="Phản ánh, kiến nghị, khiếu nại hoặc tố cáo.")
    contact: Contact = Field(default_factory=Contact)
    consent: bool = Field(
        default=False,
        description=f"Đồng ý xử lý thông tin liên hệ (bắt buộc khi có `contact`, "
        f"ghi lại cùng phiên bản thông báo): {PETITION_NOTICE}",
    )


class Similar(BaseModel):
    """A published petition of the same unit with close public text, and its reviewed public title."""

    tracking_code: str
    status_label: str
    title: str | None


class Filed(BaseModel):
    """What the petitioner is told once the petition is safely stored."""

    tracking_code: str
    status: str
    status_label: str
    unit_code: str | None
    unit_name: str | None
    needs_addressing: bool
    category: str
    category_label: str
    due_at: datetime
    message: str


class PublicStatus(BaseModel):
    """What anyone holding the tracking code may see (no personal data)."""

    tracking_code: str
    status: str
    status_label: str
    category: str
    category_label: str
    unit_code: str | None
    unit_name: str | None
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    published_at: datetime | None
    title: str | None
    content: str | None
    answer: str | None


class Action(BaseModel):
    """A cadre's action on a petition."""

    action: Literal[
        PetitionAction.ACCEPT,
        PetitionAction.DECLINE,
        PetitionAction.START,
        PetitionAction.ANSWER,
        PetitionAction.PUBLISH,
        PetitionAction.TRANSFER,
        PetitionAction.ASSIGN,
        PetitionAction.FORWARD,
        PetitionAction.RECORD_REPLY,
        PetitionAction.SET_CATEGORY,
        PetitionAction.MERGE,
    ]
    reason: str | None = Field(default=None, max_length=1000)
    answer: str | None = Field(default=None, max_length=10000)
    unit_code: str | None = Field(default=None, max_length=10)
    assignee: str | None = Field(default=None, max_length=100)
    agency: str | None = Field(default=None, max_length=300)
    reply_due: date | None = None
    reply_text: str | None = Field(default=None, max_length=10000)
    category: Category | None = None
    into: str | None = Field(default=None, max_length=40, description="merge: mã phản ánh giữ lại")
    title_public: str | None = Field(default=None, max_length=200, description="publish: tiêu đề công khai")
    content_public: str | None = Field(default=None, max_length=5000, description="publish: nội dung công khai")
    answer_public: str | None = Field(default=None, max_length=10000, description="publish: trả lời công khai")


_TRANSITIONS: dict[PetitionAction, tuple[tuple[PetitionStatus, ...], PetitionStatus | None]] = {
    PetitionAction.ACCEPT: ((PetitionStatus.RECEIVED,), PetitionStatus.ACCEPTED),
    PetitionAction.DECLINE: ((PetitionStatus.RECEIVED,), PetitionStatus.DECLINED),
    PetitionAction.START: ((PetitionStatus.ACCEPTED,), PetitionStatus.IN_PROGRESS),
    PetitionAction.ANSWER: ((PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS), PetitionStatus.ANSWERED),
    # a published version may be reviewed again
    PetitionAction.PUBLISH: ((PetitionStatus.ANSWERED, PetitionStatus.PUBLISHED), PetitionStatus.PUBLISHED),
    PetitionAction.TRANSFER: (OPEN_STATUSES, PetitionStatus.RECEIVED),
    PetitionAction.ASSIGN: (OPEN_STATUSES, None),
    PetitionAction.FORWARD: ((PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS), PetitionStatus.IN_PROGRESS),
    PetitionAction.RECORD_REPLY: ((PetitionStatus.IN_PROGRESS,), None),
    PetitionAction.SET_CATEGORY: (OPEN_STATUSES, None),
    PetitionAction.MERGE: (OPEN_STATUSES, PetitionStatus.MERGED),
}
# what happens to a petition happens to those merged into it
_PROPAGATED = {PetitionAction.ANSWER, PetitionAction.PUBLISH}


_DENOUNCER_HIDDEN = (
    "Thông tin và tài liệu của người tố cáo chỉ cán bộ được giao xử lý tố cáo được xem (Luật Tố cáo 2018)."
)


def identity_visible(principal: Principal, row: dict[str, Any]) -> bool:
    """Whether the caller may see who sent the petition: anyone in scope, but for a denunciation only the cadre
    it is assigned to (row-level security enforces the same on contacts and attachments)."""
    return row["kind"] != DENUNCIATION or (principal.subject is not None and row["assigned_to"] == principal.subject)


def as_seen_by(principal: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """A petition as a cadre sees it: a denunciation not assigned to them with the personal data found in its
    title and text masked (a denouncer often names themself there)."""
    if identity_visible(principal, row):
        return row
    return row | {"title": mask_personal_data(row["title"]), "content": mask_personal_data(row["content"])}


def submitter_label(row: dict[str, Any]) -> str:
    """Who sent a petition, as cadres see it: by role, never by account; a denouncer not even by that."""
    if row["kind"] == DENUNCIATION:
        return DENOUNCER
    return SIGNED_IN_CITIZEN if row["signed_in"] else GUEST


def _shown_event(event: dict[str, Any], submitter: str) -> dict[str, Any]:
    """A history event as cadres see it: the petitioner's event names them by ``submitter``."""
    return event | {"actor": submitter} if event["action"] == PetitionAction.RECEIVED else event


async def _handled(conn: Conn, principal: Principal, code: str, for_update: bool = False) -> dict[str, Any]:
    """The petition ``code`` (its number, or a receipt) as the cadre handling it reads it: not found outside their
    scope, refused without the right."""
    code = public_number(code)
    row = await store.get(conn, code, for_update=for_update)
    if row is None:
        raise PetitionNotFound(f"Không tìm thấy phản ánh mã “{code}” trong phạm vi của bạn.")
    if not is_allowed(principal, Operation.PETITION_HANDLE, row["unit_path"] or "vn"):
        raise PetitionRefused("Tài khoản không có quyền xử lý phản ánh này.")
    return row


class PetitionService:
    """The domain operations on petitions; web routes, Open311 and the assistant's tools call these."""

    def __init__(
        self,
        db: Database,
        resolver: UnitResolver,
        due_days: int,
        due_days_by_category: dict[str, int],
        embedder: Embedder | None = None,
        limits: RateLimits | None = None,
        pseudonyms: Pseudonyms | None = None,
        *,
        personal: PersonalData | None = None,
    ):
        self.db, self.resolver = db, resolver
        self.pseudonyms = pseudonyms  # None: the history keeps no trace of the petitioner's account
        self.due_days, self.due_days_by_category = due_days, due_days_by_category
        self._embedder = embedder  # None (or not loaded yet): similar petitions by wording only
        self.limits = limits  # None: no intake limit (the web app always has one)
        self._personal = personal  # None: contacts can be neither stored nor read

    def _protector(self) -> PersonalData:
        if self._personal is None:
            raise PetitionError(
                "Chưa nạp khóa dữ liệu cá nhân (DATA_DIR/keys/): không lưu hay đọc được thông tin liên hệ."
            )
        return self._personal

    async def embed_pending(self, batch: int = 64) -> int:
        """Embed the text of petitions filed since the last call (intake never waits for the model)."""
        embedder = self._embedder
        if embedder is None:
            return 0
        async with self.db.transaction(Scope.everything()) as conn:
            rows = await store.unembedded(conn, batch)
        if not rows:
            return 0
        vectors = await asyncio.to_thread(embedder.passages, [f"{r['title']}\n{r['content']}" for r in rows])
        async with self.db.transaction(Scope.everything()) as conn:
            await store.set_embeddings(conn, [r["id"] for r in rows], [vector_literal(v) for v in vectors])
        return len(rows)

    async def _similar_rows(
        self, conn: Conn, unit_code: str, text: str, petition_id: int | None
    ) -> list[dict[str, Any]]:
        """Similar petitions of a unit by wording (pg_trgm) and, with embeddings, by meaning; best first."""
        found = {r["id"]: dict(r) for r in await store.similar(conn, unit_code, text, petition_id)}
        embedder = self._embedder
        if embedder is not None and embedder.ready:  # never wait for the model to load here
            vector = (await asyncio.to_thread(embedder.passages, [text]))[0]
            for row in await store.similar_by_meaning(
                conn, unit_code, vector_literal(vector), petition_id, SIMILAR_MEANING
            ):
                if row["id"] not in found or found[row["id"]]["score"] < row["score"]:
                    found[row["id"]] = dict(row)
        return sorted(found.values(), key=lambda r: (-r["score"], -r["id"]))[:5]

    def _due(self, category: str, start: datetime) -> datetime:
        return add_working_days(start.astimezone(VIETNAM), self.due_days_by_category.get(category, self.due_days))

    def nearest_commune(self, latitude: float, longitude: float) -> Unit:
        """The commune whose centroid is nearest to a point."""

        def distance(u: Unit) -> float:
            dlat = math.radians(u.latitude - latitude)
            dlon = math.radians(u.longitude - longitude) * math.cos(math.radians(latitude))
            return dlat * dlat + dlon * dlon

        communes = [u for u in self.resolver.units.values() if u.is_commune and u.latitude is not None]
        return min(communes, key=distance)

    async def _address(self, conn: Any, data: PetitionIn) -> tuple[Unit | None, str | None]:
        if data.unit_code:
            code = data.unit_code.strip()
            unit = self.resolver.units.get(code.upper() if code.lower() == "tw" else code)
            if unit is None:
                raise InvalidPetition(f"Không có đơn vị mã “{data.unit_code}”.", "unit_code")
            return unit, None
        if data.unit_text and data.unit_text.strip():
            result = await self.resolver.resolve(conn, data.unit_text)
            if result.status == "resolved":
                return self.resolver.units[result.results[0].code], data.unit_text
            return None, data.unit_text
        if data.latitude is not None and data.longitude is not None:
            return self.nearest_commune(data.latitude, data.longitude), None
        return None, None

    async def file(
        self,
        principal: Principal,
        data: PetitionIn,
        channel: Channel,
        idempotency_key: str | None = None,
        attachments: Sequence[Attachment] = (),
        api_client: str | None = None,
    ) -> Filed:
        """Store a new petition and give its receipt; a retry with the caller's idempotency key and the same body
        gets the receipt the first attempt got, with another body a refusal (``InvalidPetition``).

        Callers who are not signed in are limited (``Limit.INTAKE``) per address, API clients (``api_client``: their
        key's id) per key, whatever the door. A replayed key is detected by the key's unique index, so a first
        attempt costs one transaction.
        """
        now = datetime.now(UTC)
        text = f"{data.title}\n{data.content}"
        suggested = suggest_category(text)
        category = data.category or suggested
        consented = petition_consent(data.contact.model_dump(), data.consent, channel, now)
        if consented is None:
            raise InvalidPetition(CONSENT_REQUIRED, "consent")
        files = [a.as_row() for a in attachments]
        body = data.model_dump(mode="json") | {"attachments": [f["sha256"] for f in files]}
        idem = idempotency.request(principal, idempotency_key, body, api_client)
        try:
            async with self.db.transaction(Scope.public(principal.subject)) as conn:
                if self.limits and not principal.authenticated:
                    await self.limits.hit_in(conn, Limit.INTAKE, caller_key(principal, api_client))
                unit, address_text = await self._address(conn, data)
                number = await store.next_number(conn)
                receipt = receipts.issue(number, now.astimezone(VIETNAM))
                assert receipt.secret is not None
                salt = receipts.new_salt()
                values = {
                    "id": number,
                    "tracking_code": receipt.public_code,
                    "receipt_salt": salt,
                    "receipt_hash": receipts.digest(salt, receipt.secret),
                    "idempotency_digest": idem.key_digest if idem else None,
                    "request_digest": idem.body_digest if idem else None,
                    "receipt_sealed": receipts.seal(receipt.secret, idem.seal_key) if idem else None,
                    "unit_code": unit.code if unit else None,
                    "unit_path": unit.path if unit else None,
                    "needs_addressing": unit is None,
                    "address_text": address_text,
                    "latitude": data.latitude,
                    "longitude": data.longitude,
                    "title": nfc(data.title.strip()),
                    "content": nfc(data.content.strip()),
                    "kind": data.kind,
                    "category": category,
                    "suggested_category": suggested,
                    "submitter": principal.subject,
                    "channel": channel,
                    "due_at": self._due(category, now),
                    **consented,
                }
                contact = data.contact.sealed(self._protector()) if any(data.contact.model_dump().values()) else {}
                await store.insert(conn, values, contact, files, actor=self._pseudonym(principal, data.kind))
        except psycopg.errors.UniqueViolation:
            existing = await self._replay(idem) if idem else None
            if existing:
                return existing
            raise
        return self._filed(str(receipt), PetitionStatus.RECEIVED, unit, category, values["due_at"])

    def _pseudonym(self, principal: Principal, kind: str) -> str | None:
        """The petitioner as the history records them: a pseudonym of the account (none for a denouncer)."""
        if principal.subject is None or kind == DENUNCIATION or self.pseudonyms is None:
            return None
        return self.pseudonyms.of(principal.subject)

    async def similar_to(self, code: str, principal: Principal | None = None) -> list[Similar]:
        """Published petitions of the same unit close to the petition ``code`` (one the caller may see, see
        :meth:`status`), as the public may see them.

        Unpublished petitions are never named to the public, whatever their wording; cadres see those on the
        petition's detail page, within their scope.
        """
        receipt = receipts.parse(code)
        if receipt is None or await self.status(code, principal) is None:
            return []
        async with self.db.transaction(Scope.everything()) as conn:
            row = await store.get(conn, receipt.public_code)
        if row is None or not row["unit_code"]:
            return []
        unit = self.resolver.units[row["unit_code"]]
        text = f"{row['title']}\n{row['content']}"
        async with self.db.transaction(Scope.public()) as conn:
            found = {
                r["tracking_code"]: dict(r)
                for r in await store.similar_published(conn, unit.code, text, row["tracking_code"])
            }
        embedder = self._embedder
        if embedder is not None and embedder.ready:  # by meaning too, among published petitions only
            vector = (await asyncio.to_thread(embedder.passages, [text]))[0]
            async with self.db.transaction(Scope.of_unit(unit.path)) as conn:
                for r in await store.similar_by_meaning(
                    conn, unit.code, vector_literal(vector), row["id"], SIMILAR_MEANING, published_only=True
                ):
                    if r["tracking_code"] not in found or found[r["tracking_code"]]["score"] < r["score"]:
                        found[r["tracking_code"]] = dict(r)
        best = sorted(found.values(), key=lambda r: -r["score"])[:5]
        return [
            Similar(tracking_code=r["tracking_code"], status_label=STATUS_LABELS[r["status"]], title=r["title"])
            for r in best
        ]

    def _filed(self, code: str, status: PetitionStatus, unit: Unit | None, category: str, due_at: datetime) -> Filed:
        if unit:
            message = (
                f"Phản ánh, kiến nghị đã được tiếp nhận với mã {code}, chuyển đến {unit.name}. "
                f"Hạn trả lời: {due_at.astimezone(VIETNAM):%d/%m/%Y}."
            )
        else:
            message = (
                f"Phản ánh, kiến nghị đã được tiếp nhận với mã {code}. Chưa xác định được đơn vị nhận: "
                "cán bộ sẽ chuyển đến đúng nơi."
            )
        return Filed(
            tracking_code=code,
            status=status,
            status_label=STATUS_LABELS[status],
            unit_code=unit.code if unit else None,
            unit_name=unit.name if unit else None,
            needs_addressing=unit is None,
            category=category,
            category_label=CATEGORIES[category],
            due_at=due_at,
            message=message,
        )

    async def _replay(self, idem: idempotency.IdempotentRequest) -> Filed | None:
        """What the first create with this caller's key answered (None when the key made nothing)."""
        async with self.db.transaction(Scope.public()) as conn:
            found = await store.find_by_idempotency(conn, idem.key_digest)
            row = await store.public_status(conn, found["tracking_code"]) if found else None
        if found is None or row is None:
            return None
        if not hmac.compare_digest(found["request_digest"], idem.body_digest):
            raise InvalidPetition(
                "Khóa Idempotency-Key này đã được dùng cho một phản ánh có nội dung khác: "
                "mỗi phản ánh mới cần một khóa mới.",
                "idempotency_key",
            )
        secret = receipts.unseal(found["receipt_sealed"], idem.seal_key)
        unit = self.resolver.units.get(row["unit_code"]) if row["unit_code"] else None
        return self._filed(f"{row['tracking_code']}-{secret}", row["status"], unit, row["category"], row["due_at"])

    async def status(self, code: str, principal: Principal | None = None) -> PublicStatus | None:
        """Public status (text and answer only once published) for the full receipt; the number alone shows only
        a published petition, or to a signed-in caller their own petitions and, to a cadre, those in scope."""
        receipt = receipts.parse(code)
        if receipt is None:
            return None
        async with self.db.transaction(Scope.public()) as conn:
            row = await store.public_status(conn, receipt.public_code)
        if row is None:
            return None
        if receipts.opens(receipt, row["receipt_salt"], row["receipt_hash"]):
            shown = str(receipt)
        elif row["status"] == PetitionStatus.PUBLISHED or await self._visible(principal, receipt.public_code):
            shown = receipt.public_code
        else:
            return None
        return PublicStatus(
            tracking_code=shown,
            status=row["status"],
            status_label=STATUS_LABELS[row["status"]],
            category=row["category"],
            category_label=CATEGORIES[row["category"]],
            unit_code=row["unit_code"],
            unit_name=row["unit_name"],
            created_at=row["created_at"],
            due_at=row["due_at"],
            answered_at=row["answered_at"],
            published_at=row["published_at"],
            title=row["title"],
            content=row["content_public"],
            answer=row["answer_public"],
        )

    async def _visible(self, principal: Principal | None, public_code: str) -> bool:
        """Whether a signed-in caller sees the petition in their own scope (their own, or a cadre's units)."""
        if principal is None or not principal.authenticated:
            return False
        async with self.db.transaction(principal.scope()) as conn:
            return await store.get(conn, public_code) is not None

    async def published(
        self,
        *,
        province_code: str | None = None,
        unit_code: str | None = None,
        category: str | None = None,
        query: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Published answers for the home page."""
        async with self.db.transaction(Scope.public()) as conn:
            return await store.published(
                conn,
                province_code=province_code,
                unit_code=unit_code,
                category=category,
                query=query or None,
                limit=limit,
                offset=offset,
            )

    async def in_scope(
        self, principal: Principal, *, status: str | None = None, overdue: bool = False, mine: bool = False
    ) -> list[dict[str, Any]]:
        """Petitions the caller handles (cadres) or filed (``mine``)."""
        if not mine and not is_allowed(principal, Operation.PETITION_HANDLE):
            raise PetitionRefused("Tài khoản không có quyền xử lý phản ánh, kiến nghị.")
        if mine and not principal.authenticated:
            raise PetitionSignInRequired("Vui lòng đăng nhập để xem phản ánh của mình.")
        scope = Scope.public(principal.subject) if mine else principal.scope()
        async with self.db.transaction(scope) as conn:
            rows = await store.list_in_scope(
                conn,
                status=status,
                overdue_at=datetime.now(UTC) if overdue else None,
                submitter=principal.subject if mine else None,
            )
        return rows if mine else [as_seen_by(principal, r) for r in rows]

    async def detail(self, principal: Principal, code: str) -> dict[str, Any]:
        """A petition with its history, contact and similar petitions of its unit, for a cadre within scope."""
        code = public_number(code)
        async with self.db.transaction(principal.scope()) as conn:
            row = await _handled(conn, principal, code)
            similar = (
                await self._similar_rows(conn, row["unit_code"], f"{row['title']}\n{row['content']}", row["id"])
                if row["unit_code"]
                else []
            )
            hidden, submitter = not identity_visible(principal, row), submitter_label(row)
            events = [_shown_event(e, submitter) for e in await store.events(conn, row["id"])]
            contact = None if hidden else await store.contact(conn, row["id"])
            return {
                "petition": as_seen_by(principal, row),
                "events": events,
                "submitter": submitter,
                "identity_hidden": hidden,
                "similar": similar,
                "contact": Contact.opened(contact, self._protector()) if contact else None,
                "attachments": [] if hidden else await store.attachments(conn, row["id"]),
            }

    async def attachment(self, principal: Principal, code: str, attachment_id: int) -> dict[str, Any]:
        """One attachment's bytes, for a cadre within scope (of a denunciation: the assigned cadre only)."""
        found = await self.detail(principal, code)
        if found["identity_hidden"]:
            raise PetitionRefused(_DENOUNCER_HIDDEN)
        async with self.db.transaction(principal.scope()) as conn:
            row = await store.attachment(conn, found["petition"]["id"], attachment_id)
        if row is None:
            raise PetitionNotFound("Không tìm thấy tệp đính kèm.")
        return row

    async def act(self, principal: Principal, code: str, action: Action) -> dict[str, Any]:
        """Carry out a cadre's action; every change is appended to the petition's history."""
        code = public_number(code)
        allowed_from, to_status = _TRANSITIONS[action.action]
        target = self.resolver.units.get(action.unit_code or "") if action.action == PetitionAction.TRANSFER else None
        if action.action == PetitionAction.TRANSFER and target is None:
            raise InvalidPetition("Cần chọn đơn vị Mặt trận nhận chuyển.", "unit_code")
        scope = principal.scope().widened(target.path) if target else principal.scope()
        async with self.db.transaction(scope) as conn:
            row = await _handled(conn, principal, code, for_update=True)
            if row["status"] not in allowed_from:
                raise PetitionConflict(
                    f"Không thể “{action.action}” khi phản ánh đang ở trạng thái “{STATUS_LABELS[row['status']]}”.",
                    "action",
                )
            if action.action == PetitionAction.MERGE:
                changes, detail = await self._merge_target(conn, row, action)
            elif action.action == PetitionAction.PUBLISH:
                changes, detail = await self._reviewed(conn, principal, row, action)
            else:
                changes, detail = self._changes(row, action, target)
            if to_status and to_status != row["status"]:
                changes["status"] = to_status
            await store.update(conn, row["id"], changes)
            await store.add_event(
                conn,
                row["id"],
                changes.get("unit_path", row["unit_path"]),
                principal.subject,
                action.action,
                row["status"],
                changes.get("status", row["status"]),
                detail,
            )
            if action.action in _PROPAGATED:
                await self._propagate(conn, row, action.action, changes, principal)
            updated = await store.get(conn, code)
        assert updated is not None
        return updated

    async def _merge_target(
        self, conn: Any, row: dict[str, Any], action: Action
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Merging a duplicate into another open petition of the same unit."""
        main = await store.get(conn, public_number(action.into)) if action.into else None
        if main is None or main["id"] == row["id"]:
            raise InvalidPetition("Cần chọn phản ánh giữ lại (mã tra cứu) trong phạm vi của bạn.", "into")
        if main["unit_code"] != row["unit_code"] or main["status"] not in OPEN_STATUSES or main["merged_into"]:
            raise PetitionConflict("Chỉ gộp được vào phản ánh đang xử lý của cùng đơn vị.", "into")
        return {"merged_into": main["id"]}, {"into": main["tracking_code"]}

    async def _reviewed(
        self, conn: Any, principal: Principal, row: dict[str, Any], action: Action
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The public versions a cadre approved, made safe (what the detector still finds is masked)."""
        if not identity_visible(principal, row):
            raise PetitionRefused("Chỉ cán bộ được giao xử lý tố cáo mới được duyệt công khai.", "action")
        known = await self._known(conn, row)
        changes: dict[str, Any] = {}
        masked = 0
        for field, label in PUBLIC_FIELDS.items():
            text = nfc((getattr(action, field) or "").strip())
            if not text:
                raise InvalidPetition(
                    f"Cần duyệt {label} công khai (đã che thông tin cá nhân) trước khi công khai.", field
                )
            changes[field], found = approved(text, known)
            masked += found
        now = datetime.now(UTC)
        changes |= {"reviewed_by": principal.subject, "reviewed_at": now, "published_at": now}
        return changes, {"masked_on_approval": masked}

    async def _known(self, conn: Any, row: dict[str, Any]) -> list[str | None]:
        """The petitioner's own name and contacts, to be found wherever they appear in a text."""
        stored = await store.contact(conn, row["id"])
        return list(Contact.opened(stored, self._protector()).values()) if stored else []

    async def publication_draft(self, principal: Principal, code: str) -> PublicationDraft:
        """The public title, text and answer to review: as written with the personal data found, and proposed
        masked (or as last approved)."""
        async with self.db.transaction(principal.scope()) as conn:
            row = await _handled(conn, principal, code)
            if not identity_visible(principal, row):
                raise PetitionRefused("Chỉ cán bộ được giao xử lý tố cáo mới được duyệt công khai.")
            if row["status"] not in _TRANSITIONS[PetitionAction.PUBLISH][0]:
                raise PetitionConflict("Chỉ duyệt công khai được phản ánh đã có trả lời.", "action")
            known = await self._known(conn, row)
        return PublicationDraft(
            tracking_code=row["tracking_code"],
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            title=review(row["title"], known, row["title_public"]),
            content=review(row["content"], known, row["content_public"]),
            answer=review(row["answer"] or "", known, row["answer_public"]),
        )

    async def _propagate(
        self, conn: Any, main: dict[str, Any], action: PetitionAction, changes: dict[str, Any], principal: Principal
    ) -> None:
        """The answer (and its reviewed publication) of a petition reaches every petitioner merged into it: a
        published duplicate shows the main petition's reviewed public version, never its own text."""
        for dup in await store.merged_ids(conn, main["id"]):
            status = PetitionStatus.ANSWERED if action == PetitionAction.ANSWER else PetitionStatus.PUBLISHED
            dup_changes = changes | {"status": status}
            await store.update(conn, dup["id"], dup_changes)
            await store.add_event(
                conn,
                dup["id"],
                dup["unit_path"],
                principal.subject,
                action,
                dup["status"],
                status,
                {"via": main["tracking_code"]},
            )

    def _changes(
        self, row: dict[str, Any], action: Action, target: Unit | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        now = datetime.now(UTC)
        match action.action:
            case PetitionAction.DECLINE | PetitionAction.TRANSFER if not (action.reason and action.reason.strip()):
                raise InvalidPetition("Cần ghi rõ lý do.", "reason")
            case PetitionAction.DECLINE:
                return {}, {"reason": action.reason}
            case PetitionAction.TRANSFER:
                assert target is not None
                return (
                    {
                        "unit_code": target.code,
                        "unit_path": target.path,
                        "needs_addressing": False,
                        "due_at": self._due(row["category"], now),
                    },
                    {"reason": action.reason, "from_unit": row["unit_code"], "to_unit": target.code},
                )
            case PetitionAction.ANSWER:
                if not (action.answer and action.answer.strip()):
                    raise InvalidPetition("Cần nhập nội dung trả lời.", "answer")
                return {"answer": nfc(action.answer.strip()), "answered_at": now}, {}
            case PetitionAction.ASSIGN:
                if not action.assignee:
                    raise InvalidPetition("Cần chọn cán bộ được giao.", "assignee")
                return {"assigned_to": action.assignee}, {"assignee": action.assignee}
            case PetitionAction.FORWARD:
                if not (action.agency and action.agency.strip()):
                    raise InvalidPetition("Cần ghi rõ cơ quan nhận chuyển.", "agency")
                due = (
                    datetime.combine(action.reply_due, time(17), tzinfo=UTC)
                    if action.reply_due
                    else add_working_days(now, 15)
                )
                return (
                    {"forwarded_to": action.agency.strip(), "forwarded_at": now, "reply_due_at": due},
                    {"agency": action.agency.strip(), "reply_due": due.isoformat()},
                )
            case PetitionAction.RECORD_REPLY:
                if not row["forwarded_to"]:
                    raise PetitionConflict("Phản ánh chưa được chuyển đến cơ quan nào.", "action")
                if not (action.reply_text and action.reply_text.strip()):
                    raise InvalidPetition("Cần nhập nội dung văn bản trả lời của cơ quan.", "reply_text")
                return (
                    {"reply_text": action.reply_text.strip(), "reply_received_at": now},
                    {"agency": row["forwarded_to"]},
                )
            case PetitionAction.SET_CATEGORY:
                if action.category is None:
                    raise InvalidPetition("Cần chọn lĩnh vực.", "category")
                return ({"category": action.category}, {"from": row["category"], "to": action.category})
        return {}, {}

    async def escalate_overdue(self) -> list[str]:
        """Move every open petition past its due date to the parent level; return their tracking codes."""
        now = datetime.now(UTC)
        moved: list[str] = []
        async with self.db.transaction(Scope.everything()) as conn:
            for row in await store.overdue_ids(conn, now):
                parent = self.resolver.units[row["parent_code"]]
                await store.update(
                    conn,
                    row["id"],
                    {
                        "unit_code": parent.code,
                        "unit_path": parent.path,
                        "due_at": add_working_days(now, self.due_days),
                        "escalations": row["escalations"] + 1,
                    },
                )
                await store.add_event(
                    conn,
                    row["id"],
                    parent.path,
                    None,
                    PetitionAction.ESCALATE,
                    row["status"],
                    row["status"],
                    {"from_unit": row["unit_code"], "to_unit": parent.code, "reason": "quá hạn trả lời"},
                )
                moved.append(row["tracking_code"])
        return moved
