-- Which embedder and which chunker made each chunk, and which embedder made each petition's vector: after an
-- upgrade, chunks and petitions made by another embedder or chunker are re-embedded (or re-chunked) in the
-- background. Rows of earlier releases have neither (null: made by an unknown version).
alter table library_chunks add column chunker text, add column embedder text;
-- A document whose chunker changed but whose source file is no longer there to be chunked again: its old chunks
-- stay (re-embedded) until `mattran ingest` is run on it again.
alter table library_documents add column needs_reingest boolean not null default false;
alter table petitions add column embedder text;
