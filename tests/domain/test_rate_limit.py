"""The anonymous intake limit (MATTRAN_INTAKE_RATE_PER_MINUTE, 30 by default) on the running platform.

Each test comes "from" an address of its own (uvicorn trusts X-Forwarded-For from loopback), so that the other
tests of the session keep their own allowance.
"""

from __future__ import annotations

import httpx2

from tests.support.forms import post_form
from tests.support.platform import Platform

PER_MINUTE = 30
PETITION = {
    "title": "Rác thải ven kênh",
    "content": "Rác thải đổ ven kênh thôn Bắc lâu ngày không được thu gom.",
    "unit_code": "08611",
}


def test_anonymous_intake_is_limited_per_address_but_signed_in_citizens_are_not(platform: Platform) -> None:
    url = f"{platform.base_url}/api/petitions"
    here, elsewhere = {"X-Forwarded-For": "203.0.113.41"}, {"X-Forwarded-For": "203.0.113.42"}
    with httpx2.Client(timeout=30) as client:
        accepted = [client.post(url, json=PETITION, headers=here).status_code for _ in range(PER_MINUTE)]
        refused = client.post(url, json=PETITION, headers=here)
        other_address = client.post(url, json=PETITION, headers=elsewhere)
        citizen = {
            **here,
            "Authorization": "Bearer "
            + platform.mint({"sub": "gioi-han-cong-dan", "name": "Công dân", "roles": ["citizen"], "unit": None}),
        }
        signed_in = client.post(url, json=PETITION, headers=citizen)
        fields = {"title": PETITION["title"], "content": PETITION["content"], "unit_text": "Xã Văn Miếu, Phú Thọ"}
        form = post_form(client, f"{platform.base_url}/phan-anh", fields, here)
    assert accepted == [201] * PER_MINUTE
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"] == "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút."
    assert other_address.status_code == 201 and signed_in.status_code == 201
    assert form.status_code == 429 and "Bạn gửi quá nhiều yêu cầu" in form.text  # the web form shares the limit
