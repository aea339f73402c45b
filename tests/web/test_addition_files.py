"""Photos added to an open petition through the API (issue 18): ``POST /api/petitions/{code}/additions/files``
(multipart), only by the petitioner, within the petition's file limit, each file checked as at filing."""

from __future__ import annotations

import uuid

import httpx2

from mattran.domain.attachments import MAX_FILES
from mattran.domain.petitions import public_number
from tests.support.platform import Platform

CADRE = {"sub": "anh-bo-sung-ba-dinh", "name": "Cán bộ phường", "roles": ["commune_cadre"], "unit": "00004"}
BODY = {
    "title": "Cây xanh đổ chắn lối đi",
    "content": "Cây xanh trước số 8 phố Đội Cấn bị đổ sau mưa, chắn lối đi bộ hai ngày nay chưa được dọn.",
    "unit_text": "P. Ba Đình, HN",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _auth(platform: Platform, claims: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _citizen() -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    return {"sub": f"anh-{tag}", "name": f"Công dân {tag}", "roles": ["citizen"]}


def test_the_petitioner_adds_photos_through_the_api(platform: Platform) -> None:
    owner, other = _auth(platform, _citizen()), _auth(platform, _citizen())
    with httpx2.Client(base_url=platform.base_url, timeout=60) as client:
        code = public_number(client.post("/api/petitions", json=BODY, headers=owner).json()["tracking_code"])
        url = f"/api/petitions/{code}/additions/files"
        photo = {"attachments": ("cay-do.png", PNG, "image/png")}
        assert client.post(url, files=photo).status_code == 401
        assert client.post(url, files=photo, headers=other).status_code == 404
        added = client.post(url, files=photo, data={"text": "Ảnh chụp sáng nay."}, headers=owner)
        assert added.status_code == 201, added.text
        assert added.json() == {"tracking_code": code, "files": 1}
        fake = client.post(url, files={"attachments": ("cay.png", b"MZ not an image", "image/png")}, headers=owner)
        assert fake.status_code == 422 and "không phải ảnh" in fake.text
        many = [("attachments", (f"anh-{i}.png", PNG, "image/png")) for i in range(MAX_FILES)]
        too_many = client.post(url, files=many, headers=owner)  # one is held already
        assert too_many.status_code == 422 and f"Tối đa {MAX_FILES} tệp" in too_many.text
        detail = client.get(f"/api/petitions/{code}/detail", headers=_auth(platform, CADRE)).json()
        assert [a["filename"] for a in detail["attachments"]] == ["cay-do.png"]
        assert [a["text"] for a in detail["additions"]] == ["Ảnh chụp sáng nay."]
