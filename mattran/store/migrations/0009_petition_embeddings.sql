-- Petitions' text embeddings, for "similar petitions" by meaning as well as by wording. Filled in the
-- background after intake (intake never waits for the model); searched among a unit's recent petitions only,
-- so an exact distance over that small set needs no vector index.
alter table petitions add column embedding vector(384);
create index petitions_unembedded_idx on petitions (id) where embedding is null;
