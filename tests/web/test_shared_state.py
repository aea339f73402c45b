"""Two app instances on one store share everything a balancer may send to either: a sign-in started on one and
finished on the other, the session, the anonymous intake limit and idempotency keys (all in PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx2
import pytest

from tests.support.platform import DEMO_ACCOUNTS, cli_env, free_port, serving

PER_MINUTE = 30
PETITION = {
    "title": "Cống thoát nước bị tắc",
    "content": "Cống thoát nước đầu thôn Nam bị tắc, nước tràn lên đường mỗi khi mưa.",
    "unit_code": "08611",
}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Instance A (with the dev provider) and instance B on A's store, both known to users by A's address."""
    data_dir = tmp_path_factory.mktemp("shared")
    port_a, port_b, idp_port = free_port(), free_port(), free_port()
    base_a = f"http://127.0.0.1:{port_a}"
    env_a = cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port), MATTRAN_DEMO_DATA="true")
    env_b = env_a | {"MATTRAN_OIDC_ISSUER": f"http://127.0.0.1:{idp_port}", "MATTRAN_PUBLIC_URL": base_a}
    with (
        serving(port_a, env_a, data_dir, data_dir / "a.log"),
        serving(port_b, env_b, data_dir, data_dir / "b.log"),
    ):
        yield base_a, f"http://127.0.0.1:{port_b}"


def _to(base: str, url: str) -> str:
    """``url`` sent to the instance at ``base`` instead (the path and query kept)."""
    parts, target = urlsplit(url), urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))


def test_a_sign_in_started_on_one_instance_finishes_on_the_other(pair: tuple[str, str]) -> None:
    base_a, base_b = pair
    username, password = DEMO_ACCOUNTS["citizen"]
    with httpx2.Client(timeout=30) as client:
        page = client.get(f"{base_a}/dang-nhap", params={"next": "/"}, follow_redirects=True)
        action = page.text.split('<form method="post" action="', 1)[1].split('"', 1)[0]
        answer = client.post(str(page.url.join(action)), data={"username": username, "password": password})
        while answer.is_redirect and not urlsplit(answer.headers["location"]).path.startswith("/auth/callback"):
            answer = client.get(str(answer.url.join(answer.headers["location"])))
        callback = str(answer.url.join(answer.headers["location"]))
        assert callback.startswith(f"{base_a}/auth/callback")
        finished = client.get(_to(base_b, callback))  # the pending sign-in A stored, taken by B
        assert finished.is_redirect, finished.text[:300]
        on_a, on_b = client.get(f"{base_a}/"), client.get(f"{base_b}/")
    assert on_a.status_code == on_b.status_code == 200
    assert "Đăng xuất" in on_a.text and "Đăng xuất" in on_b.text


def test_the_intake_limit_and_idempotency_keys_are_shared(pair: tuple[str, str]) -> None:
    base_a, base_b = pair
    here = {"X-Forwarded-For": "203.0.113.77"}
    # a new connection for each request: an idle one may be closed by its instance while the other one answers
    with httpx2.Client(timeout=30, limits=httpx2.Limits(max_keepalive_connections=0)) as client:
        accepted = [
            client.post(f"{(base_a, base_b)[i % 2]}/api/petitions", json=PETITION, headers=here).status_code
            for i in range(PER_MINUTE)
        ]
        refused = [client.post(f"{base}/api/petitions", json=PETITION, headers=here) for base in pair]
        keyed = {"X-Forwarded-For": "203.0.113.78", "Idempotency-Key": str(uuid.uuid4())}
        first = client.post(f"{base_a}/api/petitions", json=PETITION, headers=keyed)
        again = client.post(f"{base_b}/api/petitions", json=PETITION, headers=keyed)
        other = client.post(f"{base_b}/api/petitions", json={**PETITION, "title": "Khác"}, headers=keyed)
    assert accepted == [201] * PER_MINUTE  # half on each instance, counted together
    assert [r.status_code for r in refused] == [429, 429]
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert other.status_code == 422
