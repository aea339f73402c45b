"""The community library: hybrid search (vectors + unaccented full text), cited answers, documents.

Access is applied inside retrieval: every query runs in the caller's scope, and row-level security lets
through only the chunks the caller may read (public; internal ones for cadres of the unit's line).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.access import PermissionDenied, UnknownUnit
from mattran.domain.diacritics import shipped_restorer
from mattran.domain.embedding import Encoder
from mattran.domain.library_adapter import QueryAdapter
from mattran.domain.library_fusion import FEATURES, fusion, rank_signal
from mattran.domain.library_lexicon import lexicon
from mattran.domain.library_query import (
    is_unaccented,
    keywords,
    normalise_question,
    query_terms,
    relevant_sentences,
)
from mattran.domain.permissions import Operation, is_allowed
from mattran.scope import Scope
from mattran.store import library as store
from mattran.store import units as units_store
from mattran.store.db import Database

CANDIDATES = 50  # passages each ranking (nearest, full text, widened full text) proposes
EXPANSION = 0.5  # the weight of a term the lexicon adds, against the same term asked by the question itself
COMMON_TERM_SHARE = 0.2
CANDIDATE_BUDGET = 1500  # chunks full-text search scores at most, from the question's rarest terms
PAIRED_TERMS = 4  # when even the rarest term is common: chunks holding two of the four rarest
# ... those pairs only whose chunks (estimated as if their terms were independent) hold together at most this many
# budgets: the index reads every chunk of a pair before the first is scored (two terms most chunks hold, read
# together, took 80 ms at 1,000,000 chunks), and a chunk holding only common terms scores low anyway
PAIRED_BUDGETS = 4
RESTORE_FROM = 5  # passages whose spelling puts the diacritics back into a question typed without them
# The library answers a question when a passage's cosine similarity plus half the share of the question's term
# weight it holds reaches this (questions as embedded; an adapter carries its own: ``relevant_confidence``).
# Calibrated on the development set's 199 questions and the intents' 62 off-topic development sentences: 0.90 keeps
# 0.935 of the questions and tells 0.919 of the off-topic ones that nothing relevant is held.
RELEVANT_CONFIDENCE = 0.90


class SearchHit(BaseModel):
    """One passage found, with what a citation needs."""

    chunk_id: int
    document_id: int
    title: str
    source: str
    heading: str
    anchor: str
    article: int | None = None
    text: str
    score: float
    notice: str | None = None

    @property
    def url(self) -> str:
        """The passage in the library's pages."""
        return f"/thu-vien/{self.document_id}#{self.anchor}"


class SearchResult(BaseModel):
    """The passages found for a question, best first."""

    query: str
    unaccented: bool
    hits: list[SearchHit]
    relevant: bool  # whether the best passage is about the question (else the hits are only the closest ones)


class Passage(BaseModel):
    """A cited passage and its sentences that answer the question."""

    hit: SearchHit
    sentences: list[str]


class Answer(BaseModel):
    """An extractive answer: the best passages, each cited; ``found`` is False when nothing is relevant."""

    question: str
    found: bool
    passages: list[Passage]


class DocumentIn(BaseModel):
    """A parsed document ready to be stored."""

    title: str
    source: str
    content: bytes
    kind: Literal["law", "guide", "document"] = "document"
    access: Literal["public", "internal"] = "public"
    unit_code: str | None = None
    notice: str | None = None
    chunker: str | None = None  # the version of the chunking that cut it (``ingest.chunking.CHUNKER_VERSION``)


@dataclass(frozen=True)
class ChunkIn:
    """One chunk to store: its heading path, anchor, article number and text."""

    heading: str
    anchor: str
    article: int | None
    body: str

    def embedding_text(self) -> str:
        """What the embedding reads: the heading path, then the text."""
        return f"{self.heading}\n{self.body}"

    def terms(self) -> list[str]:
        """What full-text search indexes: the heading's and the text's unaccented words and word pairs."""
        return keywords(f"{self.heading}\n{self.body}")


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to store: its chunks, their vectors and their full-text terms (``ChunkIn.terms``, computed
    ahead where parsing runs in other processes)."""

    document: DocumentIn
    chunks: Sequence[ChunkIn]
    vectors: np.ndarray
    terms: Sequence[list[str]]


def content_hash(content: bytes) -> str:
    """The SHA-256 of a file's bytes: unchanged files are not ingested again."""
    return hashlib.sha256(content).hexdigest()


def idf(total: int, df: int) -> float:
    """The inverse document frequency (BM25's) of a term ``df`` of ``total`` chunks hold."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def term_weights(total: int, frequency: dict[str, int]) -> dict[str, float]:
    """Inverse document frequency of the question's terms found in the library, common ones left out."""
    informative = {t: df for t, df in frequency.items() if df <= COMMON_TERM_SHARE * total} or frequency
    return {t: idf(total, df) for t, df in informative.items()}


def expansion_weights(total: int, frequency: dict[str, int], added: dict[str, float]) -> dict[str, float]:
    """The weights of the terms the lexicon adds (its own weight times their IDF), those the library holds and that
    are not common."""
    return {
        t: EXPANSION * w * idf(total, frequency[t])
        for t, w in added.items()
        if t in frequency and frequency[t] <= COMMON_TERM_SHARE * total
    }


def candidates(
    weights: dict[str, float], frequency: dict[str, int], total: int, budget: int = CANDIDATE_BUDGET
) -> list[tuple[str, ...]]:
    """Which chunks full-text search scores, as groups of terms a chunk must hold together.

    The question's rarest terms, one each, as many as hold together at most ``budget`` chunks: a chunk holding
    none of them would score low anyway. When even the rarest term is more common than that, the chunks holding
    two of the few rarest terms together, so that the chunks scored are the most promising, not merely the first:
    the pairs expected to be rarest first (of ``total`` chunks), as many as hold :data:`PAIRED_BUDGETS` budgets.
    """
    ordered = sorted(weights, key=lambda t: (frequency[t], t))
    chosen: list[str] = []
    held = 0
    for term in ordered:
        if chosen and held + frequency[term] > budget:
            break
        chosen.append(term)
        held += frequency[term]
    if held <= budget or len(ordered) < 2:
        return [(t,) for t in chosen]
    pairs: list[tuple[str, ...]] = []
    expected = 0.0
    for a, b in sorted(combinations(ordered[:PAIRED_TERMS], 2), key=lambda p: frequency[p[0]] * frequency[p[1]]):
        together = frequency[a] * frequency[b] / max(total, 1)
        if pairs and expected + together > PAIRED_BUDGETS * budget:
            break
        pairs.append((a, b))
        expected += together
    return pairs


def question_weight(total: int, frequency: dict[str, int], terms: list[str]) -> float:
    """The summed IDF of all the question's terms (a term the library never holds weighs the most)."""
    return sum(idf(total, frequency.get(t, 0)) for t in terms) or 1.0


@dataclass(frozen=True)
class ArticleCandidate:
    """A candidate article (or a passage outside any article), cited by its best passage, with its signals."""

    document_id: int
    article: int | None
    chunk_id: int
    features: dict[str, float]


@dataclass(frozen=True)
class Candidates:
    """A question's candidate articles and what the relevance check reads."""

    query: str
    unaccented: bool
    embedded: str  # the question as embedded (its marks restored when typed without them)
    rows: dict[int, dict[str, Any]]
    articles: list[ArticleCandidate]
    similarity: dict[int, float]
    text_score: dict[int, float]
    asked: float

    def confidence(self, chunk_id: int) -> float:
        """A passage's cosine similarity plus half the share of the question's term weight it holds."""
        return self.similarity.get(chunk_id, 0.0) + 0.5 * self.text_score.get(chunk_id, 0.0) / self.asked


def _share(text: str, weights: dict[str, float], total: float) -> float:
    held = _terms_of(text)
    return sum(w for t, w in weights.items() if t in held) / total


@lru_cache(maxsize=8192)
def _terms_of(text: str) -> frozenset[str]:
    """The terms of a title or heading (the same few thousand come back search after search)."""
    return frozenset(keywords(text))


def article_heading(heading: str) -> str:
    """The article's own part of a heading path ("Điều 9. Thời hiệu khiếu nại"), or "" outside any article."""
    return next((part for part in reversed(heading.split(" > ")) if part.startswith("Điều ")), "")


def article_features(
    rows: dict[int, dict[str, Any]],
    wholes: dict[tuple[int, int], dict[str, Any]],
    nearest: list[tuple[int, float]],
    matching: list[tuple[int, float]],
    expanded: list[tuple[int, float]],
    weights: dict[str, float],
    asked: float,
) -> list[ArticleCandidate]:
    """The signals of each candidate article (see ``library_fusion.FEATURES``), from its passages found by each
    ranking and from the article as a whole; a passage outside any article stands alone."""
    floor = min((s for _, s in nearest), default=0.0)
    total = sum(weights.values()) or 1.0
    best: dict[tuple[int, int], dict[str, float]] = {}
    votes: dict[int, float] = {}  # a passage's rank signals summed over the rankings: the best one is cited
    passages: dict[tuple[int, int], set[int]] = {}
    for name, ranking, scale in (("dense", nearest, 1.0), ("text", matching, asked), ("expanded", expanded, asked)):
        for rank, (chunk_id, score) in enumerate(ranking):
            row = rows.get(chunk_id)
            if row is None:
                continue
            key = (int(row["document_id"]), int(row["article"]) if row["article"] is not None else -chunk_id)
            signals = best.setdefault(key, {})
            if score / scale > signals.get(name, -1.0):
                signals[name] = score / scale
                signals[f"{name}_rank"] = rank_signal(rank)
            votes[chunk_id] = votes.get(chunk_id, 0.0) + rank_signal(rank)
            passages.setdefault(key, set()).add(chunk_id)
    found = []
    for key, signals in best.items():
        chunk_id = max(passages[key], key=lambda i: (votes[i], -i))
        row = rows[chunk_id]
        whole = wholes.get(key)
        dense = signals.get("dense", floor)
        features = {name: signals.get(name, 0.0) for name in FEATURES if name in signals} | {
            "dense": dense,
            "article_dense": float(whole["similarity"]) if whole else dense,
            "article_text": sum(weights.get(t, 0.0) for t in whole["held"]) / total
            if whole
            else signals.get("text", 0.0),
            "heading": _share(article_heading(row["heading"]), weights, total),
            "title": _share(row["title"], weights, total),
            "clause": 1.0 if whole and whole["chunks"] > 1 else 0.0,
        }
        found.append(ArticleCandidate(int(row["document_id"]), row["article"], chunk_id, features))
    return found


class LibraryService:
    """Search, answers and documents of the library, within the caller's access."""

    def __init__(self, db: Database, embedder: Encoder, adapter: QueryAdapter | None = None) -> None:
        self.db = db
        self._embedder = embedder  # its model loads on first use (a few seconds)
        self._adapter = adapter  # questions' vectors mapped nearer the passages that answer them (None: as embedded)

    @staticmethod
    def scope(principal: Principal) -> Scope:
        """Library managers see every document; others what their scope allows."""
        return Scope.everything() if is_allowed(principal, Operation.LIBRARY_MANAGE) else principal.scope()

    @classmethod
    def statistics_class(cls, principal: Principal) -> Literal["public", "internal"]:
        """Whose term statistics rank the caller's search: a caller who may read no internal document gets those of
        the public documents alone, so that a ranking never tells which words internal documents hold."""
        return "internal" if cls.scope(principal).paths else "public"

    async def _query_vector(self, question: str) -> np.ndarray:
        vector = await asyncio.to_thread(self._embedder.query, question)
        return vector if self._adapter is None else self._adapter(vector)

    async def search(self, principal: Principal, question: str, k: int = 5) -> SearchResult:
        """The ``k`` best passages for a question the caller may read, one per article.

        Candidate passages come from nearest vectors, full text over unaccented words and full text widened by the
        everyday ↔ legal lexicon; each candidate article is scored by the learned fusion of its signals (see
        :mod:`mattran.domain.library_fusion`) and cited by its best passage. A question typed without diacritics is
        embedded as the passages full-text search found for it (and the lexicon) spell its words (embeddings read
        unaccented Vietnamese poorly).
        """
        found = await self.article_candidates(principal, question)
        if found is None:
            query = normalise_question(question)
            return SearchResult(query=query, unaccented=is_unaccented(query), hits=[], relevant=False)
        model = fusion()
        scores = {a.chunk_id: model.score(a.features) for a in found.articles}
        ranked = sorted(found.articles, key=lambda a: (-scores[a.chunk_id], a.chunk_id))[:k]
        rows = found.rows
        confidence = max((found.confidence(a.chunk_id) for a in ranked), default=0.0)
        hits = [
            SearchHit(
                chunk_id=a.chunk_id,
                document_id=rows[a.chunk_id]["document_id"],
                title=rows[a.chunk_id]["title"],
                source=rows[a.chunk_id]["source"],
                heading=rows[a.chunk_id]["heading"],
                anchor=rows[a.chunk_id]["anchor"],
                article=rows[a.chunk_id]["article"],
                text=rows[a.chunk_id]["body"],
                score=round(scores[a.chunk_id], 6),
                notice=rows[a.chunk_id]["notice"],
            )
            for a in ranked
        ]
        return SearchResult(
            query=found.query,
            unaccented=found.unaccented,
            hits=hits,
            relevant=bool(hits)
            and confidence >= (RELEVANT_CONFIDENCE if self._adapter is None else self._adapter.relevant_confidence),
        )

    async def article_candidates(self, principal: Principal, question: str) -> Candidates | None:
        """The candidate articles of a question with their signals (None for an empty question)."""
        question = normalise_question(question)
        if not question:
            return None
        # the question's vector is made (in the embedder's thread) while the full text is read; a question typed
        # without diacritics is embedded later, as the passages the full text finds spell it
        embedding = None if is_unaccented(question) else asyncio.ensure_future(self._query_vector(question))
        try:
            return await self._candidates(principal, question, embedding)
        finally:
            if embedding is not None and not embedding.done():
                embedding.cancel()

    async def _candidates(
        self, principal: Principal, question: str, embedding: asyncio.Future[np.ndarray] | None
    ) -> Candidates:
        unaccented, embedded = embedding is None, question
        words = lexicon()
        added = words.expansion(question)
        scope = self.scope(principal)
        terms = query_terms(question)
        async with self.db.read(scope) as conn:
            total, frequency = await store.term_stats(conn, [*terms, *added], self.statistics_class(principal))
        weights = term_weights(total, {t: df for t, df in frequency.items() if t in set(terms)})
        extra = expansion_weights(total, frequency, added)

        # The rankings read apart, each in a read of its own (none holds a connection while waiting for another), so
        # that they run side by side on the server's cores.
        async def full_text(chosen: dict[str, float]) -> list[tuple[int, float]]:
            """Full-text candidates scored by the ``chosen`` terms' weights."""
            if not chosen:
                return []
            async with self.db.read(scope) as conn:
                return await store.matching_chunks(
                    conn,
                    list(chosen),
                    list(chosen.values()),
                    CANDIDATES,
                    candidates(chosen, frequency, total),
                    CANDIDATE_BUDGET,
                )

        async def nearest_to(vector: np.ndarray) -> list[tuple[int, float]]:
            async with self.db.read(scope) as conn:
                return await store.nearest_chunks(conn, vector, CANDIDATES)

        async def nearest_when_embedded(embedding: asyncio.Future[np.ndarray]) -> list[tuple[int, float]]:
            return await nearest_to(await embedding)

        widened = weights | extra if extra else None
        if embedding is None:  # typed without diacritics: embed it as the matching passages spell it
            widening = asyncio.ensure_future(full_text(widened or {}))  # read while the question is restored
            try:
                matching = await full_text(weights)
                async with self.db.read(scope) as conn:
                    found = await store.chunks_by_id(conn, [i for i, _ in matching[:RESTORE_FROM]])
                spelt = [r["body"] for r in found.values()] + words.spellings(question)
                embedded = shipped_restorer().restore(question, spelt)
                vector = await self._query_vector(embedded)
                nearest = await nearest_to(vector)
                expanded = await widening
            finally:
                widening.cancel()  # a no-op once it is done
        else:
            matching, expanded, nearest = await asyncio.gather(
                full_text(weights), full_text(widened or {}), nearest_when_embedded(embedding)
            )
            vector = embedding.result()
        expanded = expanded if widened else matching
        ids = list(dict.fromkeys(i for ranking in (nearest, matching, expanded) for i, _ in ranking))

        async def passages() -> dict[int, Any]:
            async with self.db.read(scope) as conn:
                return await store.chunks_by_id(conn, ids)

        async def wholes_of(vector: np.ndarray) -> dict[tuple[int, int], Any]:
            async with self.db.read(scope) as conn:
                return await store.article_signals(conn, ids, vector, list(weights))

        rows, wholes = await asyncio.gather(passages(), wholes_of(vector))
        asked = question_weight(total, frequency, terms)
        return Candidates(
            query=question,
            unaccented=unaccented,
            embedded=embedded,
            rows=rows,
            articles=article_features(rows, wholes, nearest, matching, expanded, weights, asked),
            similarity=dict(nearest),
            text_score=dict(matching),
            asked=asked,
        )

    async def answer(self, principal: Principal, question: str, k: int = 3) -> Answer:
        """An extractive answer: the best passages with the sentences that answer the question."""
        found = await self.search(principal, question, k)
        passages = [Passage(hit=h, sentences=relevant_sentences(question, h.text)) for h in found.hits]
        return Answer(question=found.query, found=found.relevant, passages=passages if found.relevant else [])

    async def documents(
        self, principal: Principal, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The documents the caller may read."""
        async with self.db.read(self.scope(principal)) as conn:
            return await store.documents(conn, query=query, limit=limit, offset=offset)

    async def document(self, principal: Principal, document_id: int) -> dict[str, Any] | None:
        """One document with its chunks, if the caller may read it."""
        async with self.db.read(self.scope(principal)) as conn:
            found = await store.document(conn, document_id)
            if found is None:
                return None
            return found | {"chunks": await store.chunks_of(conn, document_id)}

    async def counts(self, principal: Principal) -> dict[str, int]:
        """Documents and passages the caller may read."""
        async with self.db.read(self.scope(principal)) as conn:
            return await store.count_documents(conn)

    async def is_current(self, principal: Principal, source: str, digest: str, chunker: str) -> bool:
        """Whether ``source`` is stored with exactly this content already, chunked by ``chunker`` and embedded by
        this embedder."""
        async with self.db.transaction(self.scope(principal)) as conn:
            row = await store.document_by_source(conn, source)
            made_by = await store.made_by(conn, int(row["id"])) if row is not None else None
        return row is not None and row["content_hash"] == digest and made_by == (chunker, self._embedder.identity)

    async def save(
        self,
        principal: Principal,
        document: DocumentIn,
        chunks: Sequence[ChunkIn],
        vectors: np.ndarray | None = None,
    ) -> int:
        """Store a document and its chunks, replacing an earlier version atomically; returns its id."""
        self.check_manage(principal)
        if vectors is None:
            vectors = await self.embed(chunks)
        prepared = PreparedDocument(document, chunks, vectors, [c.terms() for c in chunks])
        return (await self.save_many(principal, [prepared]))[0]

    @staticmethod
    def check_manage(principal: Principal) -> None:
        """Raise ``PermissionDenied`` unless the caller may add documents to the library."""
        if not is_allowed(principal, Operation.LIBRARY_MANAGE):
            raise PermissionDenied("Chỉ quản trị viên được thêm tài liệu vào thư viện.")

    async def save_many(self, principal: Principal, documents: Sequence[PreparedDocument]) -> list[int]:
        """Store documents embedded already, replacing earlier versions, all in one transaction (all or none);
        returns their ids. The term statistics follow in the same transaction (the store's triggers)."""
        self.check_manage(principal)
        batch = [
            (
                p.document.model_dump(exclude={"content"})
                | {
                    "content_hash": content_hash(p.document.content),
                    "size_bytes": len(p.document.content),
                    "added_by": principal.subject or "system",
                    "embedder": self._embedder.identity,
                },
                [
                    {"heading": c.heading, "anchor": c.anchor, "article": c.article, "body": c.body, "terms": t}
                    for c, t in zip(p.chunks, p.terms, strict=True)
                ],
                p.vectors,
            )
            for p in documents
        ]
        async with self.db.transaction(Scope.everything()) as conn:
            for unit_code in {p.document.unit_code for p in documents if p.document.unit_code}:
                if await units_store.unit_by_code(conn, unit_code) is None:
                    raise UnknownUnit(unit_code)
            ids = await store.save_documents(conn, batch)
            for document_id, p in zip(ids, documents, strict=True):
                await audit.record(
                    conn, principal, "library.save", str(document_id), "allowed", source=p.document.source
                )
            return ids

    async def embed(self, chunks: Sequence[ChunkIn]) -> np.ndarray:
        """The passage vectors of chunks (in a worker thread: encoding is CPU-bound)."""
        texts = [c.embedding_text() for c in chunks]
        return await asyncio.to_thread(self._embedder.passages, texts)

    async def delete(self, principal: Principal, document_ids: Sequence[int]) -> int:
        """Delete documents; returns how many were deleted."""
        if not is_allowed(principal, Operation.LIBRARY_MANAGE):
            raise PermissionDenied("Chỉ quản trị viên được xóa tài liệu của thư viện.")
        async with self.db.transaction(Scope.everything()) as conn:
            deleted = await store.delete_documents(conn, document_ids)
            await audit.record(conn, principal, "library.delete", None, "allowed", documents=sorted(document_ids))
            return deleted

    async def sources(self, principal: Principal) -> dict[str, int]:
        """Every stored document's source and id (for removing documents whose file is gone)."""
        async with self.db.transaction(self.scope(principal)) as conn:
            return {d["source"]: int(d["id"]) for d in await store.documents(conn, limit=100_000)}
