"""Fixtures: one real embedded PostgreSQL for the session, prepared exactly as ``mattran up`` does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey
from playwright.sync_api import Browser, sync_playwright
from psycopg.conninfo import make_conninfo

import web.chat  # noqa: F401  (sets Chainlit's app root, before any test imports chainlit)
from agents.routing.model import RouterModel
from agents.routing.router import Router
from agents.runner import ChatRunner
from compose.services import build_services
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.library import LibraryService
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import DEV_APP_DB_PASSWORD, Settings
from mattran.store.db import Database
from tests.support.pgbouncer import pgbouncer, through_pgbouncer
from tests.support.platform import MATTRAN, MODELS_DIR, Platform, StartUp, UpProcess, cli_env, free_port, wait_healthy
from tests.support.scripted_model import Script, ScriptedServer, Serve
from tests.support.store import open_pool

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


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings on a fresh data dir for this test session (no demo data: tests seed exactly what they count)."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("store"), database_url=None, demo_data=False, models_dir=MODELS_DIR
    )


@pytest.fixture(scope="session")
def direct_urls(settings: Settings) -> StoreUrls:
    """The store, started, migrated and loaded; the application connects to the server itself."""
    return prepare_store(settings)


@pytest.fixture(scope="session")
def pgbouncer_app_url(direct_urls: StoreUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application role's URL through PgBouncer in transaction mode, in front of the session's store."""
    with pgbouncer(direct_urls.owner, DEV_APP_DB_PASSWORD, tmp_path_factory.mktemp("pgbouncer")) as url:
        yield url


@pytest.fixture(scope="session")
def urls(direct_urls: StoreUrls, request: pytest.FixtureRequest) -> StoreUrls:
    """The store's URLs; with ``MATTRAN_TEST_PGBOUNCER=1`` every application connection goes through PgBouncer."""
    if through_pgbouncer():
        return replace(direct_urls, app=request.getfixturevalue("pgbouncer_app_url"))
    return direct_urls


@pytest.fixture(scope="session")
async def db(urls: StoreUrls) -> AsyncIterator[Database]:
    """The application's pool (application role, RLS enforced)."""
    async with open_pool(urls.app, max_size=4) as database:
        yield database


@pytest.fixture(scope="module")
async def services(db: Database, settings: Settings) -> Services:
    """The services the doors and the assistant's tools use, built by the composition root as the app builds them."""
    return await _build_services(db, settings)


async def _build_services(db: Database, settings: Settings) -> Services:
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    return build_services(settings, db, resolver)


@pytest.fixture(scope="session")
async def router(db: Database, settings: Settings) -> Router:
    """The shipped router over the real embedding model (the composition root's)."""
    return Router(RouterModel.load(), (await _build_services(db, settings)).embedder)


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
    return (await _build_services(db, settings)).library


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


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[StartUp]:
    """Start ``mattran up`` subprocesses; every one left running is stopped at the end."""
    procs: list[UpProcess] = []

    def start(data_dir: Path, port: int) -> UpProcess:
        env = cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port()))
        log = tmp_path / f"up-{len(procs) + 1}.log"
        proc = UpProcess([MATTRAN, "up", "--port", str(port)], log, env=env, cwd=tmp_path)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """``mattran up`` on a fresh data dir, its provider signing with a key written by the test."""
    data_dir = tmp_path_factory.mktemp("platform")
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "alg": "RS256", "use": "sig"})
    (data_dir / "idp").mkdir()
    (data_dir / "idp" / "jwks.json").write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    port, idp_port = free_port(), free_port()
    proc = UpProcess(  # its log: read it when a test gets a 500
        [MATTRAN, "up", "--port", str(port)],
        data_dir / "up.log",
        env=cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port)),
        cwd=data_dir,
    )
    try:
        wait_healthy(port, proc)
        yield Platform(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{idp_port}", data_dir, key, proc)
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium (Debian's) for a test module."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start scripted OpenAI-compatible model servers (``tests/support/scripted_model.py``), all stopped at the end."""
    started: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        started.append(ScriptedServer(script))
        return started[-1]

    yield start
    for server in started:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture(scope="module")
async def app_db(platform: Platform) -> AsyncIterator[Database]:
    """The application role's pool on the platform's store (RLS applies)."""
    url = make_conninfo(platform.owner_uri(), user="mattran_app", password=DEV_APP_DB_PASSWORD)
    async with open_pool(url, max_size=2) as database:
        yield database


@pytest.fixture(scope="module")
def api_key(platform: Platform) -> str:
    """A key made as an operator makes one: ``mattran apikey create NAME --json`` beside the running platform."""
    done = platform.mattran("apikey", "create", "Ứng dụng thử Open311", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert list(body) == ["api_key"] and body["api_key"].startswith("mtk_")
    assert "Hãy lưu ngay" in done.stderr  # progress on stderr, stdout stays exactly the JSON
    return str(body["api_key"])
