"""Fixtures: one real embedded PostgreSQL for the session, prepared exactly as ``mattran up`` does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from mattran.bootstrap import StoreUrls, prepare_store
from mattran.settings import Settings
from mattran.store.db import Database

ROOT = Path(__file__).resolve().parent.parent
MATTRAN = str(Path(sys.executable).with_name("mattran"))


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings on a fresh data dir for this test session."""
    return Settings(data_dir=tmp_path_factory.mktemp("store"), database_url=None)


@pytest.fixture(scope="session")
def urls(settings: Settings) -> StoreUrls:
    """The store, started, migrated and loaded."""
    return prepare_store(settings)


@pytest.fixture(scope="session")
async def db(urls: StoreUrls) -> AsyncIterator[Database]:
    """The application's pool (application role, RLS enforced)."""
    database = Database(urls.app, max_size=4)
    await database.open()
    yield database
    await database.close()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``mattran`` subprocess on ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATTRAN_") and k != "DATABASE_URL"}
    env.update(MATTRAN_DATA_DIR=str(data_dir), **extra)
    return env


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> httpx.Response:
    """Poll ``/healthz`` until it answers 200 (fails if the process dies first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mattran up exited with {proc.returncode}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("mattran up did not become healthy")


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[object]:
    """Start ``mattran up`` subprocesses; every one left running is stopped at the end."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([MATTRAN, "up", "--port", str(port)], env=cli_env(data_dir), cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
