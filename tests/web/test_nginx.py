"""``deploy/nginx.conf`` in front of two app processes on one store: requests balanced over both, the chat's socket
path sticky by session cookie, X-Forwarded-For set by nginx (a client's own ignored), the body limit enforced,
``/metrics`` kept off the public side."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests.support.balancer import NGINX, nginx
from tests.support.platform import cli_env, free_port, serving

PETITION = {
    "title": "Đường ngập khi mưa",
    "content": "Đường trục thôn Tây ngập sâu sau mỗi trận mưa lớn, xe máy không đi được.",
    "unit_code": "08611",
}


@dataclass(frozen=True)
class Balanced:
    """nginx's address, and the logs of the two app processes behind it."""

    base_url: str
    logs: tuple[Path, Path]


@pytest.fixture(scope="module")
def balanced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Balanced]:
    if not NGINX.exists():
        pytest.skip("nginx is not installed (apt install nginx-light)")
    data_dir, work = tmp_path_factory.mktemp("behind-nginx"), tmp_path_factory.mktemp("nginx")
    port, port_a, port_b, idp_port = free_port(), free_port(), free_port(), free_port()
    env_a = cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port), MATTRAN_PUBLIC_URL=f"http://127.0.0.1:{port}")
    env_b = env_a | {"MATTRAN_OIDC_ISSUER": f"http://127.0.0.1:{idp_port}"}
    logs = (data_dir / "a.log", data_dir / "b.log")
    with (
        serving(port_a, env_a, data_dir, logs[0]),
        serving(port_b, env_b, data_dir, logs[1]),
        nginx(work, port, (port_a, port_b)) as base_url,
    ):
        yield Balanced(base_url, logs)


def _lines(log: Path, pattern: str) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if re.search(pattern, line)]


def test_requests_are_balanced_and_the_clients_forwarded_address_is_not_believed(balanced: Balanced) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    with httpx2.Client(timeout=30) as client:
        codes = [client.post(f"{balanced.base_url}/api/petitions", json=PETITION, headers=spoofed) for _ in range(12)]
    assert [r.status_code for r in codes] == [201] * 12
    time.sleep(0.5)
    served = [_lines(log, r'"POST /api/petitions ') for log in balanced.logs]
    assert all(served) and sum(map(len, served)) == 12, served  # both processes took some
    assert all(line.split(" - ")[0].endswith("127.0.0.1:0") for lines in served for line in lines)
    assert not any("203.0.113.9" in log.read_text(errors="replace") for log in balanced.logs)


def test_the_chat_socket_path_is_sticky_by_session_cookie(balanced: Balanced) -> None:
    for session in ("phien-mot", "phien-hai", "phien-ba"):
        before = [len(_lines(log, "/chat/ws/socket.io")) for log in balanced.logs]
        with httpx2.Client(timeout=30, cookies={"mattran_session": session}) as client:
            for _ in range(6):
                client.get(f"{balanced.base_url}/chat/ws/socket.io/", params={"EIO": "4", "transport": "polling"})
        time.sleep(0.5)
        added = [len(_lines(log, "/chat/ws/socket.io")) - n for log, n in zip(balanced.logs, before, strict=True)]
        assert sorted(added) == [0, 6], (session, added)  # all six on one process


def test_a_body_over_the_largest_limit_is_refused_by_nginx(balanced: Balanced) -> None:
    big = b"x" * (28 * 1024 * 1024)
    answer = httpx2.post(
        f"{balanced.base_url}/api/petitions", content=big, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert answer.status_code == 413
    # never reached the app (its access line would read '"POST /api/petitions HTTP/1.0" 413')
    assert not any(_lines(log, r'"POST /api/petitions [^"]*" 413') for log in balanced.logs)


def test_the_metrics_are_not_served_through_the_public_side(balanced: Balanced) -> None:
    assert httpx2.get(f"{balanced.base_url}/metrics", timeout=30).status_code == 404
    time.sleep(0.5)
    assert not any(_lines(log, r'"GET /metrics ') for log in balanced.logs)
