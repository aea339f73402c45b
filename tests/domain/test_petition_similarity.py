"""Similar petitions by meaning: the same matter in other words is found, another matter is not."""

from __future__ import annotations

import time

import httpx2

from tests.support.platform import Platform

COMMUNE = {"sub": "sim-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "08611"}


def _file(platform: Platform, title: str, content: str) -> str:
    body = {"title": title, "content": content, "unit_code": "08611"}
    r = httpx2.post(f"{platform.base_url}/api/petitions", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["tracking_code"])


def test_the_same_matter_in_other_words_is_similar(platform: Platform) -> None:
    first = _file(
        platform,
        "Đường liên thôn 3 sụt lún",
        "Đường liên thôn ở thôn 3 bị sụt lún, ổ gà rất to, xe máy đi qua ngã nhiều lần mà chưa được sửa.",
    )
    other = _file(
        platform,
        "Trạm y tế thiếu thuốc",
        "Trạm y tế xã thiếu thuốc và bác sĩ, người dân phải đi rất xa mới khám được bệnh.",
    )
    # Embeddings are made in the background after intake (intake never waits): give them a moment.
    deadline = time.monotonic() + 90
    headers = {"Authorization": f"Bearer {platform.mint(COMMUNE)}"}
    second = _file(
        platform,
        "Đường liên thôn 3 xuống cấp, nhiều hố sâu",  # the same road in other words: the place is what tells
        "Đoạn đường liên thôn chạy qua thôn 3 lún xuống, nhiều hố sâu, người đi xe máy bị ngã, đề nghị sửa gấp.",
    )
    first, other = first.rsplit("-", 1)[0], other.rsplit("-", 1)[0]  # the numbers of the receipts: what lists show
    while True:  # cadres see it within their scope
        detail = httpx2.get(f"{platform.base_url}/api/petitions/{second}/detail", headers=headers).json()
        codes = {s["tracking_code"] for s in detail["similar"]}
        if first in codes or time.monotonic() > deadline:
            break
        time.sleep(3)  # within the look-ups' rate limit (30 a minute)
    assert first in codes  # few words in common: found by meaning
    assert other not in codes
    public = {s["tracking_code"] for s in httpx2.get(f"{platform.base_url}/api/petitions/{second}/similar").json()}
    assert first not in public  # the public sees only published petitions
    for step in (
        {"action": "accept"},
        {"action": "answer", "answer": "Đã sửa đường."},
        {
            "action": "publish",
            "title_public": "Đường liên thôn 3 sụt lún",
            "answer_public": "Đã sửa đường.",
            "content_public": "Đường liên thôn ở thôn 3 bị sụt lún, ổ gà rất to, xe máy đi qua ngã nhiều lần.",
        },
    ):
        r = httpx2.post(f"{platform.base_url}/api/petitions/{first}/actions", json=step, headers=headers)
        assert r.status_code == 200, r.text
    expected = {"tracking_code": first, "status_label": "Đã công khai trả lời", "title": "Đường liên thôn 3 sụt lún"}
    while True:  # the cadres' list may have found it by wording before its embedding was made: wait for that too
        public_now = httpx2.get(f"{platform.base_url}/api/petitions/{second}/similar").json()
        if expected in public_now or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert {
        "tracking_code": first,
        "status_label": "Đã công khai trả lời",
        "title": "Đường liên thôn 3 sụt lún",
    } in public_now  # by meaning, titled by its reviewed public version
    assert other not in {s["tracking_code"] for s in public_now}
