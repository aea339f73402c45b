"""Similar petitions never lead into a wrong merge: only the same matter is proposed, with why; the merge box is
never filled in; the two texts are compared side by side and the merge confirmed; a merge can be undone."""

from __future__ import annotations

import re
import time

import httpx2

from tests.support.checks import csrf_token
from tests.support.platform import Platform, bearer

UNIT = "00070"  # Phường Hoàn Kiếm
POTHOLE = (
    "Ổ gà lớn trên phố Hàng Bài",
    "Trước số nhà 30 phố Hàng Bài có ổ gà rất sâu, tối qua hai người đi xe máy bị ngã.",
)
SAME = (
    "Ổ gà sâu trước số 30 Hàng Bài",
    "Ổ gà trước nhà số 30 phố Hàng Bài rất sâu, nhiều người đi xe máy bị ngã vào buổi tối.",
)
RUBBISH = (
    "Rác ở chợ phố Hàng Bài",
    "Rác thải ở khu chợ tạm trên phố Hàng Bài không ai thu gom, bốc mùi hôi, ruồi nhặng.",
)
OTHER_ROAD = (
    "Ổ gà lớn trên phố Tràng Tiền",
    "Trước số nhà 30 phố Tràng Tiền có ổ gà rất sâu, tối qua hai người đi xe máy bị ngã.",
)


def _file(platform: Platform, petition: tuple[str, str]) -> str:
    body = {"title": petition[0], "content": petition[1], "unit_code": UNIT}
    filed = httpx2.post(f"{platform.base_url}/api/petitions", json=body)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["tracking_code"]).rsplit("-", 1)[0]  # the number lists show


def test_only_the_same_matter_is_proposed_and_merging_is_confirmed_and_undone(platform: Platform) -> None:
    pothole, rubbish, other_road = (_file(platform, p) for p in (POTHOLE, RUBBISH, OTHER_ROAD))
    duplicate = _file(platform, SAME)
    headers = {**bearer(platform, "commune_cadre", UNIT), "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, timeout=120) as client:
        api = {**headers, "Accept": "application/json"}
        deadline = time.monotonic() + 120
        while True:  # the embedding model loads in the background after start-up
            similar = client.get(f"/api/petitions/{duplicate}/detail", headers=api).json()["similar"]
            if pothole in {s["tracking_code"] for s in similar if s["likely_same"]} or time.monotonic() > deadline:
                break
            time.sleep(3)
        proposed = {s["tracking_code"]: s for s in similar if s["likely_same"]}  # the others: by wording only
        assert pothole in proposed and rubbish not in proposed and other_road not in proposed
        assert any("Hàng Bài" in r for r in proposed[pothole]["reasons"])
        page = client.get(f"/can-bo/phan-anh/{duplicate}").text
        assert 'name="into"' not in page  # never a merge box, let alone a filled one
        assert f"/can-bo/phan-anh/{duplicate}/so-sanh/{pothole}" in page and "Từ trùng" in page
        compared = client.get(f"/can-bo/phan-anh/{duplicate}/so-sanh/{pothole}").text
        assert POTHOLE[1] in compared and SAME[1] in compared and "Có thể cùng nội dung" in compared
        assert re.search(r'<input type="checkbox" name="confirmed" value="1" required>', compared)
        wrong = client.get(f"/can-bo/phan-anh/{duplicate}/so-sanh/{rubbish}").text
        assert "Không đủ căn cứ cho là cùng nội dung" in wrong
        token = csrf_token(compared)
        merge = {"action": "merge", "into": pothole, "csrf_token": token}
        unconfirmed = client.post(f"/can-bo/phan-anh/{duplicate}", data=merge)
        assert unconfirmed.status_code == 303 and "loi=" in unconfirmed.headers["location"]
        assert client.get(f"/api/petitions/{duplicate}/detail", headers=api).json()["petition"]["status"] == "received"
        done = client.post(f"/can-bo/phan-anh/{duplicate}", data={**merge, "confirmed": "1"})
        assert done.status_code == 303 and "loi=" not in done.headers["location"]
        merged = client.get(f"/api/petitions/{duplicate}/detail", headers=api).json()["petition"]
        assert merged["status"] == "merged" and merged["merged_into"]
        assert 'id="unmerge"' in client.get(f"/can-bo/phan-anh/{duplicate}").text
        undo = {"action": "unmerge", "confirmed": "1", "csrf_token": token}
        assert "loi=" not in client.post(f"/can-bo/phan-anh/{duplicate}", data=undo).headers["location"]
        back = client.get(f"/api/petitions/{duplicate}/detail", headers=api).json()
        assert back["petition"]["status"] == "received" and back["petition"]["merged_into"] is None
        assert [e["action"] for e in back["events"]][-2:] == ["merge", "unmerge"]
