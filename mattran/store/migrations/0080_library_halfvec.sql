-- Library chunk embeddings in half precision (pgvector's halfvec): 768 bytes a vector instead of 1,536, so the
-- table and its HNSW index take about half the memory a large library needs to keep hot; cosine scores change by
-- less than 0.001 (e5 vectors are unit vectors, well within half precision's range).
-- Index parameters, m = 24 and ef_construction = 128 (were 16 and 64), chosen with scripts/bench_search.py (vectors
-- clustered like passage embeddings; recall@10 of the index against the exact search under the same row-level
-- security filters, for a commune cadre and for a citizen, 200 questions each). Recall at a given ef_search falls as
-- the library grows: with 16/64 it was 0.97 at ef_search 40 and 1.00 at 100 on 100,000 chunks, but 0.82 at 100 on
-- 1,000,000 (issue #22). The search asks for 50 candidates (ef_search = max(100, 2 × 50), mattran/store/library.py),
-- so the graph must hold its recall at that beam as it grows: a node with 24 neighbours (48 on the ground layer) and
-- a build beam of 128 find better neighbours than 16/64, the lever against the fall with size that costs once, at
-- the build, not at every search. Measured on 100,000 chunks: 24/128 gave recall@10 1.00 for every question of both
-- scopes already at ef_search 40 (and 100, 200, 400), where 16/64 gave 0.97 at 40 with some questions at 0 (a poorly
-- linked region of the graph) and 0.9995 at 100 (worst question 0.9); the build took about three times as long (9.5
-- min with the conversion, against 2.6 min, on 2 cores under other jobs' load), the index 116 MB in half precision
-- against 195 MB. On 10,000 chunks (`--hnsw 16:64,24:128`, 20 questions): recall@10 0.965-0.97 / 0.98-0.985 at
-- ef_search 40 / 100 for 16/64, 0.985 / 0.99 for 24/128; builds 12.5 s and 26.4 s. ef_search stays 100 for the
-- search's 50 candidates (HNSW p50 22 ms there, 43 ms at 200 on that loaded machine). Not yet measured:
-- 200,000-1,000,000 chunks (the machine was shared by other jobs at a load of 15-18): `scripts/bench_search.py
-- --sizes 250000,1000000 --hnsw 16:64,24:128` is the run to confirm the trend.
-- The build runs with the server's maintenance_work_mem and parallel maintenance workers (sized to the machine by
-- mattran/store/server.py for the embedded server; docs/deployment.md for an external one).
drop index library_chunks_embedding_idx;
alter table library_chunks alter column embedding type halfvec(384) using embedding::halfvec(384);
create index library_chunks_embedding_idx on library_chunks using hnsw (embedding halfvec_cosine_ops)
    with (m = 24, ef_construction = 128);
