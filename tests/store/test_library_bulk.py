"""A bulk load sets the library's vector index aside and builds it again after, even when the load fails; a process
starting while a load runs leaves it aside (see tests/ingest/test_ingest_resume.py for a load killed midway)."""

from __future__ import annotations

import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.store.library_bulk import restore_vector_indexes, vector_indexes_set_aside

INDEX = "library_chunks_embedding_idx"


def _definition(owner: str) -> str | None:
    with psycopg.connect(owner) as conn:
        row = conn.execute("select indexdef from pg_indexes where indexname = %s", (INDEX,)).fetchone()
    return row[0] if row else None


def _held(owner: str) -> list[tuple[str, str]]:
    with psycopg.connect(owner) as conn:
        return [(str(n), str(d)) for n, d in conn.execute("select name, definition from library_index_holds")]


def test_the_vector_index_is_set_aside_for_the_load_and_built_again_after_it(urls: StoreUrls) -> None:
    before = _definition(urls.owner)
    assert before is not None and "hnsw" in before
    said: list[str] = []
    with vector_indexes_set_aside(urls.owner, said.append) as names:
        assert names == [INDEX]
        assert _definition(urls.owner) is None
        assert _held(urls.owner) == [(INDEX, before)]
        assert restore_vector_indexes(urls.owner) == []  # a process starting meanwhile leaves it to the load
        assert _definition(urls.owner) is None
    assert _definition(urls.owner) == before
    assert _held(urls.owner) == [] and said == [f"Dựng lại chỉ mục vector {INDEX} của thư viện…"]


def test_a_failed_load_still_gets_its_index_back(urls: StoreUrls) -> None:
    before = _definition(urls.owner)
    with pytest.raises(RuntimeError, match="tệp hỏng"), vector_indexes_set_aside(urls.owner):
        raise RuntimeError("tệp hỏng")
    assert _definition(urls.owner) == before and _held(urls.owner) == []


def test_the_application_role_cannot_read_or_change_what_is_held_aside(urls: StoreUrls) -> None:
    with psycopg.connect(urls.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select * from library_index_holds")
