"""A bulk load sets the library's vector index aside and builds it again after, even when the load fails; a process
starting while a load runs leaves it aside, a second load waits for the first (see
tests/ingest/test_ingest_resume.py for a load killed midway and the next start)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.store.library_bulk import restore_vector_indexes, vector_indexes_set_aside
from tests.support.library import vector_index

INDEX = "library_chunks_embedding_idx"


def _held(owner: str) -> list[tuple[str, str]]:
    with psycopg.connect(owner) as conn:
        return [(str(n), str(d)) for n, d in conn.execute("select name, definition from library_index_holds")]


def test_the_vector_index_is_set_aside_for_the_load_and_built_again_after_it(urls: StoreUrls) -> None:
    before = vector_index(urls.owner)
    assert before is not None and "hnsw" in before
    said: list[str] = []
    with vector_indexes_set_aside(urls.owner, said.append) as names:
        assert names == [INDEX]
        assert vector_index(urls.owner) is None
        assert _held(urls.owner) == [(INDEX, before)]
        starting: list[str] = []
        assert restore_vector_indexes(urls.owner, starting.append) == []  # a process starting meanwhile
        assert vector_index(urls.owner) is None and "chỉ mục vector sẽ được dựng lại khi lần nạp đó xong" in starting[0]
    assert vector_index(urls.owner) == before
    assert _held(urls.owner) == []
    assert said[0].startswith("Đã gác chỉ mục vector") and said[1] == f"Dựng lại chỉ mục vector {INDEX} của thư viện…"


def test_a_failed_load_still_gets_its_index_back(urls: StoreUrls) -> None:
    before = vector_index(urls.owner)
    with pytest.raises(RuntimeError, match="tệp hỏng"), vector_indexes_set_aside(urls.owner):
        raise RuntimeError("tệp hỏng")
    assert vector_index(urls.owner) == before and _held(urls.owner) == []


def test_a_second_bulk_load_waits_for_the_first(urls: StoreUrls) -> None:
    events: list[str] = []
    said: list[str] = []

    def second() -> None:
        with vector_indexes_set_aside(urls.owner, said.append) as names:
            events.append(f"second set aside {names}")

    with vector_indexes_set_aside(urls.owner):
        waiting = threading.Thread(target=second)
        waiting.start()
        deadline = time.monotonic() + 60
        while not said and time.monotonic() < deadline:  # until the second says it waits
            time.sleep(0.05)
        events.append("first ends")
    waiting.join(timeout=60)
    assert events == ["first ends", f"second set aside {[INDEX]}"]  # it set aside the index the first built again
    assert said[0] == "Đang có một lần nạp hàng loạt khác vào thư viện; chờ lần đó xong…"
    assert vector_index(urls.owner) is not None and _held(urls.owner) == []


@pytest.mark.parametrize(
    "statement",
    [
        "select * from library_index_holds",
        "insert into library_index_holds (name, definition) values ('x', 'drop table library_chunks')",
        "delete from library_index_holds",
    ],
)
def test_the_application_role_cannot_touch_what_is_held_aside(urls: StoreUrls, statement: str) -> None:
    with psycopg.connect(urls.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement.encode())
