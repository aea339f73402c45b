"""The library of a running platform as an operator fills it: fixture laws made unique, ``mattran ingest``."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import httpx2
import psycopg

from tests.support.paths import INGEST_FIXTURES
from tests.support.platform import MATTRAN, Platform, cli_env

ADMIN = {"sub": "thu-vien-quan-tri", "name": "Quản trị thư viện", "roles": ["admin"], "unit": "TW"}


def unique_law(folder: Path, name: str, days: int) -> Path:
    """The fixture law renamed "Luật Thử nghiệm {name} 2024", with a deadline of ``days`` working days in Điều 3."""
    text = (INGEST_FIXTURES / "luat-mau.txt").read_text(encoding="utf-8")
    text = (
        text.replace("THỬ NGHIỆM CHIA ĐOẠN", f"THỬ NGHIỆM {name.upper()}")
        .replace("thử nghiệm chia đoạn", f"thử nghiệm {name}")
        .replace("10 ngày làm việc", f"{days} ngày làm việc")
    )
    path = folder / f"luat-thu-nghiem-{uuid.uuid4().hex[:8]}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def ingest(platform: Platform, path: Path, *options: str) -> None:
    """``mattran ingest`` into the running platform's store, as an operator would."""
    subprocess.run(
        [MATTRAN, "ingest", str(path), *options],
        env=cli_env(platform.data_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )


def document_id(platform: Platform, title: str) -> int:
    """The id of the one document with this title (looked up as an administrator)."""
    found = httpx2.get(
        f"{platform.base_url}/api/library/documents",
        params={"q": title},
        headers={"Authorization": f"Bearer {platform.mint(ADMIN)}"},
    ).json()
    assert len(found) == 1, found
    return int(found[0]["id"])


def vector_index(owner: str) -> str | None:
    """The definition of the library's vector (HNSW) index, None while it is set aside."""
    with psycopg.connect(owner) as conn:
        row = conn.execute(
            "select indexdef from pg_indexes where indexname = 'library_chunks_embedding_idx'"
        ).fetchone()
    return row[0] if row else None
