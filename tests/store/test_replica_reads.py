"""Read-only work on a streaming hot standby of the store (``MATTRAN_DATABASE_REPLICA_URLS``): the replica's own
statistics show the reads reached it, row-level security holds there, a petitioner sees a petition filed a moment
ago at once (by receipt; a browser's reads after its change go to the primary), and a lagging or stopped replica is
skipped for the primary."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compose.services import build_services
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.petitions import PetitionIn, public_number
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store import migrate
from mattran.store import petitions as petition_store
from mattran.store.db import Database, ReplicaPolicy
from mattran.store.replica import Standby
from tests.support.principals import VAN_MIEU
from tests.support.replica import set_replay, streaming_standby, table_reads, wait_replayed
from web.read_your_writes import COOKIE, ReadYourWrites

OTHER_UNIT = "02989"  # Bảo Hà, Lào Cai: another province
READS = 60


@pytest.fixture(scope="module")
def standby(settings: Settings, urls: StoreUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standby]:
    with streaming_standby(settings.data_dir / "pgdata", tmp_path_factory.mktemp("standby") / "pgdata") as running:
        wait_replayed(running, urls.owner)
        yield running


async def _services(urls: StoreUrls, standby: Standby, settings: Settings, policy: ReplicaPolicy) -> Services:
    db = Database(
        urls.app, max_size=3, replica_urls=[standby.uri("mattran", user=migrate.APP_ROLE)], replica_policy=policy
    )
    await db.open()
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    return build_services(settings, db, resolver)


@pytest.fixture
async def routed(urls: StoreUrls, standby: Standby, settings: Settings) -> AsyncIterator[Services]:
    """The services over a pool whose reads go to the standby (a lag of an hour allowed: it is never skipped)."""
    services = await _services(urls, standby, settings, ReplicaPolicy(max_lag_seconds=3600, check_seconds=0.2))
    try:
        yield services
    finally:
        await services.db.close()


def _citizen() -> Principal:
    tag = uuid.uuid4().hex[:8]
    return Principal(subject=f"ban-sao-{tag}", name=f"Công dân {tag}", roles=frozenset({Role.CITIZEN}))


async def _file(services: Services, title: str = "Cống thoát nước bị tắc") -> str:
    filed = await services.petitions.intake.file(
        _citizen(),
        PetitionIn(
            title=title, content="Cống thoát nước đầu thôn Nam bị tắc, nước tràn lên đường khi mưa.", unit_code=VAN_MIEU
        ),
        "web",
    )
    return filed.tracking_code


async def _on_standby(db: Database) -> bool:
    async with db.read(Scope.public()) as conn:
        row = await (await conn.execute("select pg_is_in_recovery() as standby")).fetchone()
    return bool(row and row["standby"])


async def test_public_reads_reach_the_replica_and_rls_holds_there(
    routed: Services, standby: Standby, urls: StoreUrls
) -> None:
    code = public_number(await _file(routed))
    wait_replayed(standby, urls.owner)
    assert await _on_standby(routed.db)
    before_replica, before_primary = (
        table_reads(standby.uri("mattran"), "petitions"),
        table_reads(urls.owner, "petitions"),
    )
    for _ in range(READS):
        await routed.petitions.views.published(limit=5)
    deadline = time.monotonic() + 20  # a server's backends report their counts within seconds
    while table_reads(standby.uri("mattran"), "petitions") - before_replica < READS and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert table_reads(standby.uri("mattran"), "petitions") - before_replica >= READS
    assert table_reads(urls.owner, "petitions") - before_primary < READS
    units = routed.resolver.units
    async with routed.db.read(Scope.of_unit(units[OTHER_UNIT].path)) as conn:
        assert await petition_store.get(conn, code) is None  # another unit's cadre: the replica's RLS hides it
        assert (await (await conn.execute("select pg_is_in_recovery() as r")).fetchone() or {}).get("r")
    async with routed.db.read(Scope.of_unit(units[VAN_MIEU].path)) as conn:
        assert await petition_store.get(conn, code) is not None


async def test_a_petition_filed_a_moment_ago_is_seen_at_once(routed: Services, standby: Standby) -> None:
    set_replay(standby, paused=True)  # the replica receives but no longer replays: what is filed now is not there
    try:
        receipt = await _file(routed, "Đèn đường ngõ 7 bị hỏng")
        async with routed.db.read(Scope.everything()) as conn:
            assert await petition_store.get(conn, public_number(receipt)) is None  # not on the replica yet
            assert (await (await conn.execute("select pg_is_in_recovery() as r")).fetchone() or {}).get("r")
        seen = await routed.petitions.views.status(receipt)
        assert seen is not None and seen.tracking_code == receipt
    finally:
        set_replay(standby, paused=False)


async def test_a_lagging_replica_then_a_stopped_one_are_skipped(
    urls: StoreUrls, standby: Standby, settings: Settings
) -> None:
    services = await _services(urls, standby, settings, ReplicaPolicy(max_lag_seconds=0.5, check_seconds=0.2))
    db = services.db
    try:
        wait_replayed(standby, urls.owner)
        await asyncio.sleep(0.5)
        assert db.replicas[0].fresh and await _on_standby(db)
        set_replay(standby, paused=True)
        try:
            code = public_number(await _file(services, "Rác thải ven kênh chưa được thu gom"))
            await _wait(lambda: not db.replicas[0].fresh)
            assert not await _on_standby(db)  # the primary answers, with what the replica lacks
            async with db.read(Scope.everything()) as conn:
                assert await petition_store.get(conn, code) is not None
        finally:
            set_replay(standby, paused=False)
        await _wait(lambda: db.replicas[0].fresh)
        standby.stop("immediate")
        try:
            await _wait(lambda: not db.replicas[0].fresh)
            assert not await _on_standby(db)
            assert await services.petitions.views.published(limit=1) is not None
        finally:
            standby.start()
        await _wait(lambda: db.replicas[0].fresh, timeout=30)
        assert await _on_standby(db)
    finally:
        await db.close()


async def _wait(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the replica's state did not change in time"
        await asyncio.sleep(0.1)


async def test_a_browser_reads_from_the_primary_for_a_while_after_its_change(routed: Services) -> None:
    db = routed.db

    async def where(_request: Request) -> JSONResponse:
        return JSONResponse({"standby": await _on_standby(db)})

    async def change(request: Request) -> JSONResponse:
        return JSONResponse({"standby": await _on_standby(db)}, status_code=201 if request.method == "POST" else 422)

    app = ReadYourWrites(
        Starlette(routes=[Route("/doc", where), Route("/ghi", change, methods=["POST", "PUT"])]),
        seconds=10,
        https=False,
    )
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as browser:
        assert (await browser.get("/doc")).json() == {"standby": True}
        refused = await browser.put("/ghi")  # a change refused changes nothing: no mark
        assert refused.status_code == 422 and COOKIE not in refused.headers.get("set-cookie", "")
        assert (await browser.get("/doc")).json() == {"standby": True}
        filed = await browser.post("/ghi")
        assert filed.status_code == 201 and f"{COOKIE}=1; Max-Age=10;" in filed.headers["set-cookie"]
        assert (await browser.get("/doc")).json() == {"standby": False}  # its reads now on the primary
        browser.cookies.clear()  # the cookie ran out
        assert (await browser.get("/doc")).json() == {"standby": True}
