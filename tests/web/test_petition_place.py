"""The place on the petition form without JavaScript (issue 18, part C): one match is filed, namesakes are chosen at a
second step that keeps what was typed, an unknown name is refused with a linked error, and "Dùng vị trí của tôi"
(latitude and longitude) files to the nearest commune."""

from __future__ import annotations

import re
import uuid

import httpx2

from tests.support.checks import found
from tests.support.forms import post_form
from tests.support.platform import Platform, owner_rows

BODY = {
    "title": "Cống thoát nước bị tắc",
    "content": "Cống thoát nước đầu ngõ bị tắc hơn một tuần, mỗi lần mưa nước tràn vào nhà dân.",
}


def _filed(platform: Platform, response: httpx2.Response) -> tuple[str, str | None, float | None]:
    """The petition a redirect to its receipt names: its number, its unit and the latitude it was filed with."""
    assert response.status_code == 303, response.text[:1000]
    code = found(r"ma=(PAKN-\d{4}-\d{6})", response.headers["location"])
    [(unit, latitude)] = owner_rows(
        platform, "select unit_code, latitude from petitions where tracking_code = %s", code
    )
    return code, unit, latitude


def _count(platform: Platform, title: str) -> int:
    return int(owner_rows(platform, "select count(*) from petitions where title = %s", title)[0][0])


def test_a_place_with_one_match_is_filed_to_it(platform: Platform) -> None:
    with httpx2.Client(base_url=platform.base_url, timeout=60) as client:
        filed = post_form(client, "/phan-anh", BODY | {"unit_text": "P. Ba Đình, HN"})
    assert _filed(platform, filed)[1] == "00004"


def test_namesakes_are_chosen_at_a_second_step_that_keeps_what_was_typed(platform: Platform) -> None:
    title = f"Cống thoát nước bị tắc {uuid.uuid4().hex[:6]}"
    typed = BODY | {"title": title, "unit_text": "xa hoa binh", "full_name": "Trần Thị Bình", "consent": "1"}
    with httpx2.Client(base_url=platform.base_url, timeout=60) as client:
        step = post_form(client, "/phan-anh", typed)
        assert step.status_code == 422 and _count(platform, title) == 0  # nothing goes silently to the central queue
        page = step.text
        choices = re.findall(r'<input type="radio" id="(unit_code-\d+)" name="unit_code" value="(\d+)"', page)
        assert len(choices) >= 2
        labels = re.findall(r'<label for="unit_code-\d+">([^<]+)</label>', page)
        assert len(labels) == len(choices) and len(set(labels)) == len(labels)  # told apart by their province
        assert all(re.fullmatch(r"Xã Hòa Bình, (Tỉnh|Thành phố) .+", label) for label in labels)
        assert 'href="#unit_code-1"' in page and "vui lòng chọn một" in page  # the error summary links the choice
        assert f'value="{title}"' in page and BODY["content"] in page and 'value="Trần Thị Bình"' in page
        assert 'value="xa hoa binh"' in page and 'name="consent" type="checkbox" value="1"' in page
        chosen = choices[1][1]
        token = found(r'name="csrf_token" value="([^"]+)"', page)
        key = found(r'name="idempotency_key" value="([^"]+)"', page)
        again = {**typed, "csrf_token": token, "idempotency_key": key, "unit_code": chosen}
        filed = client.post("/phan-anh", data=again, headers={"Accept": "text/html"})
    assert _filed(platform, filed)[1] == chosen


def test_an_unknown_place_is_refused_with_a_linked_error(platform: Platform) -> None:
    title = f"Cống thoát nước bị tắc {uuid.uuid4().hex[:6]}"
    with httpx2.Client(base_url=platform.base_url, timeout=60) as client:
        refused = post_form(client, "/phan-anh", BODY | {"title": title, "unit_text": "asdfgh"})
    assert refused.status_code == 422 and _count(platform, title) == 0
    page = refused.text
    field = found(r'(<input id="unit_text"[^>]*>)', page)
    assert 'aria-invalid="true"' in field and "unit_text-error" in found(r'aria-describedby="([^"]+)"', field)
    message = found(r'<p class="error" id="unit_text-error">([^<]+)</p>', page)
    assert message.startswith("Nơi nhận: không tìm thấy đơn vị nào tên “asdfgh”")
    assert f'<li><a href="#unit_text">{message}</a></li>' in found(
        r'(<div class="msg" role="alert" id="error-summary">.*?</div>)', page.replace("\n", " ")
    )
    assert 'id="title" name="title"' in page and "aria-invalid" not in found(r'(<input id="title"[^>]*>)', page)


def test_my_location_files_to_the_nearest_commune(platform: Platform) -> None:
    [(lat, lon)] = owner_rows(platform, "select latitude, longitude from units where code = %s", "00004")
    near = {"latitude": f"{lat + 0.0005:.6f}", "longitude": f"{lon - 0.0005:.6f}", "unit_text": ""}
    with httpx2.Client(base_url=platform.base_url, timeout=60) as client:
        page = client.get("/phan-anh").text
        assert 'id="use-location" class="secondary" hidden>Dùng vị trí của tôi</button>' in page  # shown by its script
        assert 'src="/js/noi-nhan.js"' in page and client.get("/js/noi-nhan.js").status_code == 200
        filed = post_form(client, "/phan-anh", BODY | near)
        _, unit, latitude = _filed(platform, filed)
        assert unit == "00004" and latitude is not None and abs(latitude - (lat + 0.0005)) < 1e-6
        nowhere = post_form(client, "/phan-anh", BODY | {"latitude": "", "longitude": "", "unit_text": " "})
    assert nowhere.status_code == 422 and "Vui lòng ghi nơi nhận" in nowhere.text
