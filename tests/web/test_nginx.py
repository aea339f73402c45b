"""``deploy/nginx.conf`` in front of two app processes on one store: requests balanced over both, the chat's socket
path sticky by session cookie, X-Forwarded-For set by nginx (a client's own ignored), the body limit enforced."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests.support.paths import ROOT
from tests.support.platform import cli_env, free_port, serving

NGINX = Path("/usr/sbin/nginx")
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


def _config(work: Path, port: int, app_ports: tuple[int, int]) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_ports[0]}").replace(
        "127.0.0.1:8010", f"127.0.0.1:{app_ports[1]}"
    )
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    (work / "site.conf").write_text(site)
    temps = "\n".join(
        f"  {kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = work / "nginx.conf"
    main.write_text(
        f"pid {work}/nginx.pid;\nerror_log {work}/error.log;\ndaemon off;\nworker_processes 1;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log {work}/access.log;\n{temps}\n  include {work}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def balanced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Balanced]:
    if not NGINX.exists():
        pytest.skip("nginx is not installed (apt install nginx-light)")
    data_dir, work = tmp_path_factory.mktemp("behind-nginx"), tmp_path_factory.mktemp("nginx")
    port, port_a, port_b, idp_port = free_port(), free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env_a = cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port), MATTRAN_PUBLIC_URL=base)
    env_b = env_a | {"MATTRAN_OIDC_ISSUER": f"http://127.0.0.1:{idp_port}"}
    config = _config(work, port, (port_a, port_b))
    logs = (data_dir / "a.log", data_dir / "b.log")
    with serving(port_a, env_a, data_dir, logs[0]), serving(port_b, env_b, data_dir, logs[1]):
        nginx = subprocess.Popen([str(NGINX), "-c", str(config), "-p", str(work), "-e", str(work / "error.log")])
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx2.HTTPError:
                    time.sleep(0.2)
            yield Balanced(base, logs)
        finally:
            nginx.terminate()
            nginx.wait(20)


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
