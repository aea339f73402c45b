-- Vector indexes set aside for a bulk load (`mattran ingest --bulk`): dropped before the load and built again after it
-- in one parallel pass, instead of inserting every chunk into the graph as it is stored. A load cut short leaves its
-- rows here, and the next start of any process (`prepare_store`) builds them again. Owner only: the application role
-- has no grant on it.
create table library_index_holds (
    name       text primary key,
    definition text not null,
    held_since timestamptz not null default now()
);
