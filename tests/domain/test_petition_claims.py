"""A guest's petition becomes a citizen's (issue 18): the guest's receipt e-mail (a real SMTP server) carries a signed
link bound to the petition and its contact e-mail; a signed-in citizen who opens it gets the petition in "Phản ánh
của tôi" (an event and an audit row; then only they see it); a forged, altered or expired link, a petition already
someone else's, a cadre or a guest are refused in Vietnamese."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mattran.auth.principal import Principal, Role
from mattran.domain.claim_links import CLAIM_PATH, ClaimLinks
from mattran.domain.errors import SignInRequired
from mattran.domain.notifications import SmtpConfig, SmtpSender
from mattran.domain.petitions import PetitionConflict, PetitionIn, PetitionNotFound, PetitionRefused, public_number
from mattran.domain.petitions.claims import ExpiredClaimLink, ForgedClaimLink, Outcome
from mattran.domain.petitions.models import Contact
from mattran.scope import Scope
from mattran.services import Services
from tests.support.mailbox import Mailbox, body, smtp_server
from tests.support.principals import VAN_MIEU, van_mieu_cadre

EMAIL = "Khach.Tam@Example.vn"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


def _citizen() -> Principal:
    tag = uuid.uuid4().hex[:8]
    return Principal(subject=f"nhan-{tag}", name=f"Công dân {tag}", roles=frozenset({Role.CITIZEN}))


async def _file(services: Services, who: Principal | None = None, email: str | None = EMAIL) -> str:
    filed = await services.petitions.intake.file(
        who or Principal.anonymous(),
        PetitionIn(
            title="Rác thải tập kết trước cổng trường",
            content="Điểm tập kết rác trước cổng trường tiểu học bốc mùi, các cháu đi học phải bịt mũi.",
            unit_code=VAN_MIEU,
            contact=Contact(full_name="Khách Tâm", email=email),
            consent=True,
        ),
        "web",
    )
    return public_number(filed.tracking_code)


async def _token(services: Services, code: str, email: str = EMAIL) -> str:
    """The claim token the receipt of ``code`` carries (computed as the outbox does)."""
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            "select p.id, e.at from petitions p join petition_events e on e.petition_id = p.id"
            " where p.tracking_code = %s and e.action = 'received'",
            (code,),
        )
        row = await cur.fetchone()
    assert row is not None
    return services.petitions.claims.links.token(row["id"], email, row["at"])


async def _submitter(services: Services, code: str) -> str | None:
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute("select submitter from petitions where tracking_code = %s", (code,))
        row = await cur.fetchone()
    assert row is not None
    return row["submitter"]


async def _audit(services: Services, actor: str) -> list[tuple[str | None, str, str]]:
    async with services.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            "select target, outcome, detail->>'reason' as reason from audit_log"
            " where actor = %s and action = 'petition.claim' order by id",
            (actor,),
        )
        return [(r["target"], r["outcome"], r["reason"]) for r in await cur.fetchall()]


async def test_the_guests_receipt_carries_a_link_that_puts_the_petition_in_my_petitions(
    services: Services, server: tuple[Mailbox, int]
) -> None:
    box, port = server
    sender = SmtpSender(SmtpConfig.parse(f"smtp://127.0.0.1:{port}"), "Mặt trận số <pakn@mattran.test>")
    outbox = replace(services.notifications, senders={"email": sender})
    code = await _file(services)
    signed_in = await _file(services, _citizen(), email="da.dang.nhap@example.vn")
    while await outbox.deliver_due():
        pass
    (receipt,) = box.about(code)
    link = re.search(rf"http://\S+{re.escape(CLAIM_PATH)}\?t=(\S+)", body(receipt))
    assert link is not None and "Phản ánh của tôi" in body(receipt)
    assert link.group(1) == await _token(services, code)  # bound to the petition and the address it went to
    (own,) = box.about(signed_in)
    assert CLAIM_PATH not in body(own)  # a signed-in petitioner's petition is theirs already

    citizen = _citizen()
    assert await services.petitions.followup.mine(citizen) == []
    preview = await services.petitions.claims.preview(citizen, link.group(1))  # the confirmation page's
    assert (preview.tracking_code, preview.outcome) == (code, Outcome.ATTACHED)
    assert await _submitter(services, code) is None  # a preview changes nothing
    claimed = await services.petitions.claims.claim(citizen, link.group(1))
    assert (claimed.tracking_code, claimed.outcome) == (code, Outcome.ATTACHED)
    (mine,) = await services.petitions.followup.mine(citizen)
    assert mine["tracking_code"] == code
    assert [s["label"] for s in mine["timeline"]] == ["Đã tiếp nhận", "Bạn đã nhận phản ánh vào tài khoản"]
    assert (await services.petitions.claims.preview(citizen, link.group(1))).outcome is Outcome.ALREADY_YOURS
    again = await services.petitions.claims.claim(citizen, link.group(1))
    assert again.outcome is Outcome.ALREADY_YOURS
    assert await _audit(services, str(citizen.subject)) == [
        (code, "allowed", "attached"),
        (code, "allowed", "already_yours"),
    ]

    other = _citizen()
    with pytest.raises(PetitionConflict, match="đã thuộc về một tài khoản khác"):
        await services.petitions.claims.preview(other, link.group(1))
    with pytest.raises(PetitionConflict, match="đã thuộc về một tài khoản khác"):
        await services.petitions.claims.claim(other, link.group(1))
    assert await services.petitions.followup.mine(other) == []  # row-level security: still only the claimant's
    assert await _submitter(services, code) == citizen.subject
    assert await _audit(services, str(other.subject)) == [(code, "denied", "PetitionConflict")]


async def test_a_forged_or_altered_link_is_refused(services: Services) -> None:
    code = await _file(services)
    token = await _token(services, code)
    number, expires, signature = token.split(".")
    bumped = "A" if signature[0] != "A" else "B"
    someone_elses = await _token(services, await _file(services, email="nguoi.khac@example.vn"))
    forged = [
        "",
        "abc",
        f"{number}.{expires}",
        f"{number}.{expires}.{bumped}{signature[1:]}",  # another signature
        f"{int(number) + 1}.{expires}.{signature}",  # another petition
        f"{number}.{int(expires) + 86400 * 365}.{signature}",  # a later expiry
        await _token(services, code, "ke.gia.mao@example.vn"),  # signed for another address (a forger's guess)
        f"{number}.{expires}.{someone_elses.split('.')[2]}",  # another petition's signature
        ClaimLinks(b"k" * 32).token(int(number), EMAIL, datetime.now(UTC)),  # another key
    ]
    citizen = _citizen()
    for token_ in forged:
        with pytest.raises(ForgedClaimLink) as refused:
            await services.petitions.claims.claim(citizen, token_)
        assert refused.value.message.startswith("Đường dẫn nhận phản ánh không đúng"), token_
        assert isinstance(refused.value, PetitionNotFound)
        with pytest.raises(ForgedClaimLink):
            await services.petitions.claims.preview(citizen, token_)
    assert await _submitter(services, code) is None
    assert {r[1:] for r in await _audit(services, str(citizen.subject))} == {("denied", "ForgedClaimLink")}
    assert (await services.petitions.claims.claim(citizen, token)).outcome is Outcome.ATTACHED  # the true one holds


async def test_an_expired_link_and_the_wrong_people_are_refused(services: Services) -> None:
    code = await _file(services)
    token = await _token(services, code)
    later = datetime.now(UTC) + timedelta(days=31)
    with pytest.raises(ExpiredClaimLink, match="đã hết hạn"):
        await services.petitions.claims.preview(_citizen(), token, now=later)
    with pytest.raises(ExpiredClaimLink, match="đã hết hạn"):
        await services.petitions.claims.claim(_citizen(), token, now=later)
    with pytest.raises(SignInRequired, match="đăng nhập"):
        await services.petitions.claims.claim(Principal.anonymous(), token)
    with pytest.raises(PetitionRefused, match="Chỉ tài khoản công dân"):
        await services.petitions.claims.claim(van_mieu_cadre("nhan-can-bo"), token)
    with pytest.raises(SignInRequired):
        await services.petitions.claims.preview(Principal.anonymous(), token)
    no_email = await _file(services, email=None)  # no e-mail: no receipt by mail, nothing to bind a link to
    with pytest.raises(ForgedClaimLink):
        await services.petitions.claims.claim(_citizen(), await _token(services, no_email, ""))
    assert await _submitter(services, code) is None and await _submitter(services, no_email) is None
    still = await services.petitions.claims.claim(_citizen(), token, now=datetime.now(UTC) + timedelta(days=29))
    assert still.outcome is Outcome.ATTACHED
