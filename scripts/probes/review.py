"""Probes of publication as a review (issue 14, items 1 and 7): personal data in a petition's title never reaches
a public door, publication needs the reviewed texts, similar petitions name only published ones."""

from __future__ import annotations

import re
import uuid

import httpx2
from probe_security import ProbeContext

NAME, PHONE = "Lê Thị Mai", "0987654321"
UNIT = "08611"  # Xã Văn Miếu, Phú Thọ: the demo commune cadre's unit


def _file(ctx: ProbeContext, title: str, content: str) -> str:
    r = ctx.client().post(
        "/api/petitions",
        json={
            "title": title,
            "content": content,
            "unit_code": UNIT,
            "contact": {"full_name": NAME, "phone": PHONE},
            "consent": True,
        },
    )
    assert r.status_code == 201, f"filing refused: {r.status_code} {r.text[:200]}"
    return str(r.json()["tracking_code"])


def _public_texts(ctx: ProbeContext, code: str) -> dict[str, str]:
    client = ctx.client()
    return {
        "GET /api/petitions/{code}": client.get(f"/api/petitions/{code}").text,
        "GET /api/petitions/public": client.get("/api/petitions/public", params={"unit": UNIT, "limit": 100}).text,
        "/ (home)": client.get("/", params={"tim": "van mieu"}).text,
        "/tra-cuu": client.get("/tra-cuu", params={"ma": code}).text,
        "Open311 GET requests/{id}": client.get(f"/open311/v2/requests/{code}.json").text,
        "Open311 GET requests": client.get("/open311/v2/requests.json").text,
        "chat status tool": client.post("/api/chat", json={"message": f"Tra cứu phản ánh {code}"}).text,
    }


def _leaking(texts: dict[str, str]) -> list[str]:
    return [door for door, text in texts.items() if NAME in text or PHONE in text]


def _answered(ctx: ProbeContext, cadre: httpx2.Client, code: str) -> None:
    for step in ({"action": "accept"}, {"action": "answer", "answer": f"Đã sửa đèn; đã báo bà {NAME} ({PHONE})."}):
        r = cadre.post(f"/api/petitions/{code}/actions", json=step)
        assert r.status_code == 200, f"{step['action']}: {r.status_code} {r.text[:200]}"


def probe_review_published_title_is_the_reviewed_one(ctx: ProbeContext) -> None:
    """A title "Tôi là bà Lê Thị Mai 0987654321 …" filed, answered and published: no public door shows it."""
    code = _file(
        ctx,
        f"Tôi là bà {NAME} {PHONE}, đèn đường xã Văn Miếu hỏng",
        f"Tôi là bà {NAME}, số {PHONE}. Đèn đường thôn Văn Miếu hỏng cả tháng nay, đề nghị sửa.",
    )
    cadre = ctx.signed_in("commune_cadre")
    _answered(ctx, cadre, code)
    assert not _leaking(_public_texts(ctx, code)), "personal data public before any review"
    unreviewed = cadre.post(f"/api/petitions/{code}/actions", json={"action": "publish"})
    assert unreviewed.status_code == 422, f"published without a review: {unreviewed.status_code}"
    draft = cadre.get(f"/api/petitions/{code}/publication")
    assert draft.status_code == 200, f"no publication draft: {draft.status_code}"
    proposed = {f"{k}_public": draft.json()[k]["proposed"] for k in ("title", "content", "answer")}
    proposed["title_public"] += f" {PHONE}"  # a careless edit: approval must still mask it
    done = cadre.post(f"/api/petitions/{code}/actions", json={"action": "publish", **proposed})
    assert done.status_code == 200, f"publish: {done.status_code} {done.text[:200]}"
    leaks = _leaking(_public_texts(ctx, code))
    assert not leaks, f"personal data of the title published through: {', '.join(leaks)}"


def probe_review_open311_shows_no_unreviewed_text(ctx: ProbeContext) -> None:
    """Open311 GET of an answered petition shows no text before the review, and no petitioner after it."""
    code = _file(ctx, f"Bà {NAME} {PHONE} báo rác thải", f"Tôi là {NAME} ({PHONE}). Rác thải đổ trộm ven đường.")
    cadre = ctx.signed_in("commune_cadre")
    _answered(ctx, cadre, code)
    [request] = ctx.client().get(f"/open311/v2/requests/{code}.json").json()
    assert request["description"] is None, "Open311 shows a text no cadre reviewed"
    draft = cadre.get(f"/api/petitions/{code}/publication")  # approved as proposed; an old server has no review
    review = (
        {f"{k}_public": draft.json()[k]["proposed"] for k in ("title", "content", "answer")}
        if draft.status_code == 200
        else {}
    )
    assert cadre.post(f"/api/petitions/{code}/actions", json={"action": "publish", **review}).status_code == 200
    for path in (f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml", "/open311/v2/requests.json"):
        text = ctx.client().get(path).text
        assert NAME not in text and PHONE not in text, f"Open311 {path} publishes the petitioner"


def probe_review_similar_names_no_unpublished_petition(ctx: ProbeContext) -> None:
    """File a complaint, then a probe with the same wording: the probe's similar list must not name it."""
    marker = uuid.uuid4().hex[:6]
    wording = (
        f"Khiếu nại việc thu hồi đất thửa số {marker} không bồi thường",
        f"Gia đình tôi bị thu hồi đất thửa số {marker} ở thôn Văn Miếu nhưng chưa được bồi thường.",
    )
    secret = _file(ctx, *wording)
    probe = _file(ctx, *wording)
    similar = ctx.client().get(f"/api/petitions/{probe}/similar").text
    assert secret not in similar, "the similar list names an unpublished petition"
    page = ctx.client().get("/tra-cuu", params={"ma": probe, "moi": "1"}).text
    assert secret not in page, "the confirmation page names an unpublished petition"
    assert not re.search(re.escape(NAME), similar), "the similar list shows personal data"
