"""Probes for receipts, idempotency keys and rate limits (issue 14, items 9–11).

Each probe calls "from" addresses of its own (X-Forwarded-For, trusted from loopback), so that the limits it uses
up are its own.
"""

from __future__ import annotations

import random
import re
import uuid

from probe_security import ProbeContext, started_platform

PETITION = {
    "title": "Cống thoát nước bị tắc",
    "content": "Cống thoát nước đầu ngõ 7 bị tắc, mưa là nước tràn vào nhà.",
    "unit_text": "Phường Ba Đình, Hà Nội",
}
RECEIPT = re.compile(r"PAKN-(\d{4})-(\d{6})-([0-9A-Z]{6})")


def _address() -> dict[str, str]:
    return {"X-Forwarded-For": f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"}


def probe_receipts_enumeration(ctx: ProbeContext) -> None:
    """The review read every petition's status, unit, category and dates by counting up the tracking number."""
    with ctx.client(headers=_address()) as client:
        filed = client.post("/api/petitions", json=PETITION)
        assert filed.status_code == 201, filed.text
        receipt = RECEIPT.fullmatch(filed.json()["tracking_code"])
        assert receipt, f"the receipt has no secret part: {filed.json()['tracking_code']}"
        year, number = receipt.group(1), int(receipt.group(2))
        assert client.get(f"/api/petitions/{receipt.group(0)}").status_code == 200
        for n in (number, number - 1, 1):
            code = f"PAKN-{year}-{n:06d}"
            assert client.get(f"/api/petitions/{code}").status_code == 404, f"{code} opens without its secret"
            assert "Đã tiếp nhận" not in client.get("/tra-cuu", params={"ma": code}).text, f"/tra-cuu shows {code}"
        listed = client.get("/open311/v2/requests.json").json()
        open_ones = [r["service_request_id"] for r in listed if r["status"] == "open"]
        assert not open_ones, f"Open311 lists unpublished requests: {open_ones[:3]}"


def probe_receipts_idempotency_namespaces(ctx: ProbeContext) -> None:
    """A stranger's Idempotency-Key returned another client's receipt and dropped the stranger's petition."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first_address, stranger_address = _address(), _address()
    with ctx.client(headers=first_address | key) as first, ctx.client(headers=stranger_address | key) as stranger:
        mine = first.post("/api/petitions", json=PETITION)
        theirs = stranger.post(
            "/api/petitions",
            json={**PETITION, "title": "Đèn đường hỏng", "content": "Đèn đường đầu ngõ 9 hỏng đã hai tuần, rất tối."},
        )
        assert mine.status_code == theirs.status_code == 201, (mine.text, theirs.text)
        assert mine.json()["tracking_code"] != theirs.json()["tracking_code"], "a stranger got another's receipt"
        assert stranger.get(f"/api/petitions/{theirs.json()['tracking_code']}").status_code == 200
    with ctx.client(headers=first_address | key) as retry:  # no cookies: the same receipt again
        again = retry.post("/api/petitions", json=PETITION)
        assert again.status_code == 201 and again.json()["tracking_code"] == mine.json()["tracking_code"]
        other = retry.post("/api/petitions", json={**PETITION, "content": PETITION["content"] + " Đề nghị xử lý."})
        assert other.status_code == 422, f"the same key with another body: {other.status_code}"


def probe_receipts_chat_rate_limit(ctx: ProbeContext) -> None:
    """Messages to the assistant were never limited."""
    with ctx.client(headers=_address()) as client:
        for _ in range(200):
            r = client.post("/api/chat", json={"message": "Xin chào"})
            if r.status_code == 429:
                assert "Retry-After" in r.headers and "quá nhiều yêu cầu" in r.json()["detail"], r.text
                return
            assert r.status_code == 200, r.text
    raise AssertionError("200 messages a minute to /api/chat from one address were all answered")


def probe_receipts_chat_filing_is_limited(_ctx: ProbeContext) -> None:
    """Filing through the assistant escaped the intake limit (MATTRAN_INTAKE_RATE_PER_MINUTE) that the form and the
    API had, and the limit lived in one process."""
    with (
        started_platform({"MATTRAN_INTAKE_RATE_PER_MINUTE": "2", "MATTRAN_DEMO_DATA": "false"}) as own,
        own.client(headers=_address()) as client,
    ):
        for _ in range(2):
            assert client.post("/api/petitions", json=PETITION).status_code == 201
        third = "Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, phường Ba Đình, Hà Nội bị vỡ, nước tràn ra đường."
        asked = client.post("/api/chat", json={"message": third}).json()  # over the limit, through the assistant
        assert asked["confirmation"], asked
        done = client.post("/api/chat", json={"message": "có", "conversation_id": asked["conversation_id"]})
        reply = done.json()["reply"]
        assert not RECEIPT.search(reply) and "quá nhiều yêu cầu" in reply, f"filed through the chat: {reply}"
