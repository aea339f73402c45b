"""Outside security probe: re-runs the security review's requests against a running platform.

Usage: ``.venv/bin/python scripts/probe_security.py [--url http://127.0.0.1:8000] [--only NAME]``.
Without ``--url`` it starts ``mattran up`` on a fresh data dir (development provider, demo accounts) and stops
it at the end. Each probe lives in ``scripts/probes/<area>.py`` as a function ``probe_*(ctx)`` that raises
``AssertionError`` when the defect it looks for is there. Exit status 1 when any probe fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from bench_host import free_port

HERE = Path(__file__).resolve().parent
MATTRAN = str(Path(sys.executable).with_name("mattran"))
ACCOUNTS = {
    "citizen": ("congdan", "CongDan@2026"),
    "commune_cadre": ("canbo.xa", "CanBoXa@2026"),
    "province_cadre": ("canbo.tinh", "CanBoTinh@2026"),
    "central_cadre": ("canbo.tw", "CanBoTW@2026"),
    "admin": ("quantri", "QuanTri@2026"),
}


@dataclass
class ProbeContext:
    """The platform under probe: its address, and the data dir when the probe started it."""

    base_url: str
    data_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def client(self, headers: dict[str, str] | None = None) -> httpx2.Client:
        """A fresh client (its own cookie jar) for the platform, sending ``headers`` with every request."""
        return httpx2.Client(base_url=self.base_url, timeout=30, headers=headers)

    def signed_in(self, role: str) -> httpx2.Client:
        """A client signed in as the demo account of ``role`` through the provider's login page."""
        client = self.client()
        username, password = ACCOUNTS[role]
        page = client.get("/dang-nhap", params={"next": "/"}, follow_redirects=True)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, f"no login form at {page.url}"
        done = client.post(
            str(page.url.join(action.group(1))),
            data={"username": username, "password": password},
            follow_redirects=True,
        )
        assert done.status_code == 200, f"sign-in as {role} failed: {done.status_code}"
        return client


Probe = Callable[[ProbeContext], None]


def discover(only: str | None = None) -> list[tuple[str, Probe]]:
    """Every ``probe_*`` function of ``scripts/probes/*.py``, in file then definition order."""
    found: list[tuple[str, Probe]] = []
    for path in sorted((HERE / "probes").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"probes.{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, fn in vars(module).items():
            if name.startswith("probe_") and callable(fn) and (only is None or only in name):
                found.append((f"{path.stem}.{name}", fn))
    return found


@contextmanager
def started_platform(extra_env: dict[str, str] | None = None) -> Iterator[ProbeContext]:
    """``mattran up`` on a fresh data dir (no demo library), stopped at the end."""
    data_dir = Path(tempfile.mkdtemp(prefix="mattran-probe-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATTRAN_") and k != "DATABASE_URL"}
    env.update(
        MATTRAN_DATA_DIR=str(data_dir),
        MATTRAN_DEMO_LIBRARY="false",
        MATTRAN_IDP_PORT=str(free_port()),
        **(extra_env or {}),
    )
    models = HERE.parent / ".mattran" / "test-models"
    if models.is_dir():
        env.setdefault("MATTRAN_MODELS_DIR", str(models))
    log = (data_dir / "up.log").open("wb")
    proc = subprocess.Popen(
        [MATTRAN, "up", "--port", str(port)], env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"mattran up exited with {proc.returncode}; see {data_dir / 'up.log'}")
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("mattran up did not become healthy")
            time.sleep(0.5)
        yield ProbeContext(f"http://127.0.0.1:{port}", data_dir, env)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:  # a slow shutdown (a busy machine) must not hide the probe's result
            proc.kill()
            proc.wait()
        log.close()


def run(ctx: ProbeContext, probes: list[tuple[str, Probe]]) -> int:
    """Run the probes; print one line each; the number that failed."""
    failed = 0
    for name, probe in probes:
        try:
            probe(ctx)
        except Exception as exc:  # every failure is reported, the others still run
            failed += 1
            print(f"FAIL  {name}: {exc}")
            if not isinstance(exc, AssertionError):
                traceback.print_exc()
        else:
            print(f"ok    {name}")
    print(f"{len(probes) - failed} passed, {failed} failed")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running platform (default: start one)")
    parser.add_argument("--only", help="run only the probes whose name contains this")
    args = parser.parse_args()
    probes = discover(args.only)
    if args.url:
        sys.exit(1 if run(ProbeContext(args.url.rstrip("/")), probes) else 0)
    with started_platform() as ctx:
        sys.exit(1 if run(ctx, probes) else 0)


if __name__ == "__main__":
    main()
