"""``deploy/nginx.conf`` run by Debian's nginx in front of two app processes, on loopback ports of the test's."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from tests.support.paths import ROOT

NGINX = Path("/usr/sbin/nginx")


def nginx_config(work: Path, port: int, app_ports: tuple[int, int]) -> Path:
    """The shipped site on ``port`` in front of the two app ports, in a main configuration of its own under ``work``."""
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


@contextmanager
def nginx(work: Path, port: int, app_ports: tuple[int, int]) -> Iterator[str]:
    """nginx on ``port`` for the ``with`` block, once it passes ``/healthz`` through; gives its base URL."""
    config = nginx_config(work, port, app_ports)
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(NGINX), "-c", str(config), "-p", str(work), "-e", str(work / "error.log")])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(20)
