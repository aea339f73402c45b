"""Filing a petition: the one intake pipeline of every door (web form, API, Open311, chat)."""

from __future__ import annotations

import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from mattran.auth.principal import Principal
from mattran.domain import holidays, idempotency, receipts
from mattran.domain.attachments import Attachment
from mattran.domain.consent import CONSENT_REQUIRED, petition_consent
from mattran.domain.notifications.outbox import ADDRESS_FIELD
from mattran.domain.notifications.senders import Channel as NotifyChannel
from mattran.domain.petition_status import STATUS_LABELS, PetitionStatus
from mattran.domain.petition_text import CATEGORIES, Deadlines, suggest_category
from mattran.domain.petitions.errors import InvalidPetition
from mattran.domain.petitions.models import DENUNCIATION, Channel, Filed, PetitionIn
from mattran.domain.privacy import PersonalData
from mattran.domain.pseudonyms import Pseudonyms
from mattran.domain.rate_limits import Limit, RateLimits, caller_key
from mattran.domain.text import nfc
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Unit
from mattran.domain.units import Resolution, UnitResolver
from mattran.metrics import PETITIONS_FILED
from mattran.scope import Scope
from mattran.store import notifications
from mattran.store import petitions as store
from mattran.store.db import Conn, Database


@dataclass(frozen=True)
class PetitionIntake:
    """Files petitions: addresses them to a unit, limits anonymous callers, seals contacts, issues receipts."""

    db: Database
    resolver: UnitResolver
    deadlines: Deadlines
    personal: PersonalData  # seals the contacts
    limits: RateLimits  # callers who are not signed in, per address or API key
    pseudonyms: Pseudonyms  # the petitioner's account as the history records it

    def nearest_commune(self, latitude: float, longitude: float) -> Unit:
        """The commune whose centroid is nearest to a point."""

        def distance(point: tuple[Unit, float, float]) -> float:
            _, lat, lon = point
            dlat = math.radians(lat - latitude)
            dlon = math.radians(lon - longitude) * math.cos(math.radians(latitude))
            return dlat * dlat + dlon * dlon

        communes = [
            (u, u.latitude, u.longitude)
            for u in self.resolver.units.values()
            if u.is_commune and u.latitude is not None and u.longitude is not None
        ]
        return min(communes, key=distance)[0]

    async def _address(self, conn: Conn, data: PetitionIn) -> tuple[Unit | None, str | None]:
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

    async def place(self, principal: Principal, text: str) -> Resolution:
        """What the resolver makes of a typed place: the form has namesakes chosen and unknown names corrected."""
        async with self.db.transaction(Scope.public(principal.subject)) as conn:
            return await self.resolver.resolve(conn, text)

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
        notify = self._notified_by(data)
        files = [a.as_row() for a in attachments]
        body = data.model_dump(mode="json") | {"attachments": [f["sha256"] for f in files]}
        idem = idempotency.request(principal, idempotency_key, body, api_client)
        try:
            async with self.db.transaction(Scope.public(principal.subject)) as conn:
                if not principal.authenticated:
                    await self.limits.hit_in(conn, Limit.INTAKE, caller_key(principal, api_client))
                unit, address_text = await self._address(conn, data)
                number, days_off = await store.next_number(conn, now.date(), now.date() + holidays.HORIZON)
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
                    "due_at": self.deadlines.due(category, now, days_off),
                    **consented,
                }
                contact = data.contact.sealed(self.personal) if any(data.contact.model_dump().values()) else {}
                await store.insert(conn, values, contact, files, actor=self._pseudonym(principal, data.kind))
                if notify:
                    await self._subscribe(conn, number, notify, data, str(receipt))
        except psycopg.errors.UniqueViolation:
            existing = await self._replay(idem) if idem else None
            if existing:
                return existing
            raise
        PETITIONS_FILED.labels(channel=str(channel)).inc()
        return self._filed(str(receipt), PetitionStatus.RECEIVED, unit, category, values["due_at"])

    @staticmethod
    def _notified_by(data: PetitionIn) -> NotifyChannel | None:
        """The channel the petitioner chose to be told by (by default e-mail when they gave one), or None."""
        chosen = data.notify or ("email" if data.contact.email else "none")
        if chosen == "none":
            return None
        if chosen == "email" and not data.contact.email:
            raise InvalidPetition("Cần ghi email để nhận thông báo qua email.", "email")
        if chosen != "email" and not data.contact.phone:
            raise InvalidPetition("Cần ghi số điện thoại để nhận thông báo qua SMS hoặc Zalo.", "phone")
        return chosen

    async def _subscribe(self, conn: Conn, number: int, channel: NotifyChannel, data: PetitionIn, receipt: str) -> None:
        """Record where the petitioner is told and enqueue the receipt (with its secret, sealed) in the filing's
        transaction."""
        address = data.contact.email if channel == "email" else data.contact.phone
        sealed = self.personal.encrypt(ADDRESS_FIELD[channel], address)
        assert sealed is not None
        await notifications.subscribe(conn, number, channel, sealed)
        await notifications.enqueue_receipt(conn, number, channel, self.personal.encrypt("receipt", receipt))

    def _pseudonym(self, principal: Principal, kind: str) -> str | None:
        """The petitioner as the history records them: a pseudonym of the account (none for a denouncer)."""
        if principal.subject is None or kind == DENUNCIATION:
            return None
        return self.pseudonyms.of(principal.subject)

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
