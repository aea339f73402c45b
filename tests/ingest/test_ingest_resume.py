"""``mattran ingest`` of many files killed mid-run: every document stored whole or not at all, and a rerun stores
the rest, each document exactly once; a bulk load (``--bulk``) killed midway leaves the vector index aside, and the
next command's start builds it again."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.settings import Settings
from mattran.store.library_bulk import restore_vector_indexes
from tests.support.library import vector_index
from tests.support.platform import MATTRAN, cli_env


def _stored(owner: str, folder: Path) -> dict[str, tuple[int, int]]:
    """Per source under ``folder``: the chunk count its document row says, and the chunk rows it has."""
    with psycopg.connect(owner) as conn:
        conn.execute("select set_config('mattran.scope', '{vn}', false)")
        rows = conn.execute(
            "select d.source, d.chunk_count, (select count(*) from library_chunks c where c.document_id = d.id) "
            "from library_documents d where d.source like %s",
            (f"{folder}/%",),
        ).fetchall()
    return {source: (declared, held) for source, declared, held in rows}


@pytest.fixture
def folder(direct_urls: StoreUrls, tmp_path: Path) -> Iterator[Path]:
    """A folder of laws to ingest; afterwards its documents leave the session's library and its vector index is
    there again, whatever the test left."""
    own = tmp_path / "luat"
    own.mkdir()
    yield own
    with psycopg.connect(direct_urls.owner, autocommit=True) as conn:
        conn.execute("delete from library_documents where source like %s", (f"{own.resolve()}/%",))
    restore_vector_indexes(direct_urls.owner)


@pytest.mark.parametrize("bulk", [False, True], ids=["row by row", "bulk"])
def test_an_ingest_killed_midway_leaves_whole_documents_and_a_rerun_stores_each_once(
    settings: Settings, direct_urls: StoreUrls, folder: Path, bulk: bool
) -> None:
    if not settings.laws_dir.is_dir():
        pytest.skip(f"{settings.laws_dir} không có ở đây")
    # The five smallest laws, ≈ 380 chunks: more than one batch (BATCH_CHUNKS, stored in one transaction), so that the
    # first batch (the first three files by name) is stored before the last file is
    for law in sorted(settings.laws_dir.glob("*.txt"), key=lambda p: p.stat().st_size)[:5]:
        shutil.copy(law, folder / law.name)
    files = sorted(str(p.resolve()) for p in folder.iterdir())
    env = cli_env(settings.data_dir)  # joins the session's store
    index = vector_index(direct_urls.owner)
    assert index is not None

    first = subprocess.Popen(
        [MATTRAN, "ingest", str(folder), *(["--bulk"] if bulk else [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 600
    while not _stored(direct_urls.owner, folder.resolve()):
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        assert time.monotonic() < deadline, "nothing stored in 10 minutes"
        time.sleep(0.2)
    workers = psutil.Process(first.pid).children(recursive=True)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    before = _stored(direct_urls.owner, folder.resolve())
    assert 0 < len(before) < len(files)  # killed mid-run
    assert all(declared == held > 0 for declared, held in before.values()), before  # nothing half-stored
    _gone, alive = psutil.wait_procs(workers, timeout=15)  # the parsing processes die with it
    assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], alive
    assert vector_index(direct_urls.owner) == (None if bulk else index)  # a bulk load set it aside

    again = subprocess.run(
        [MATTRAN, "ingest", str(folder), "--json"], env=env, capture_output=True, text=True, timeout=1200
    )
    assert again.returncode == 0, again.stderr[-2000:]
    report = json.loads(again.stdout)  # stdout holds the JSON report alone; the progress goes to stderr
    assert f"{len(files)}/{len(files)} tệp" in again.stderr and "đoạn/s" in again.stderr
    after = _stored(direct_urls.owner, folder.resolve())
    assert sorted(report["unchanged"]) == sorted(before) and not report["failed"]
    assert sorted(report["added"]) == sorted(set(files) - set(before))
    assert sorted(after) == files  # every document exactly once (source is unique), each whole
    assert all(declared == held > 0 for declared, held in after.values()), after
    assert report["chunks"] == sum(held for source, (_d, held) in after.items() if source not in before)
    assert vector_index(direct_urls.owner) == index  # built again by the rerun's start
    if bulk:
        assert "Dựng lại chỉ mục vector library_chunks_embedding_idx" in again.stderr
