-- The community digital library: documents, their chunks with embeddings (pgvector HNSW, cosine) and a
-- diacritics-insensitive full-text index (unaccent). Access is attached to every chunk and applied by
-- row-level security inside retrieval: public documents for everyone; internal ones for cadres whose
-- unit is the document's unit, above it or below it (no unit: every cadre).

-- unaccent is only "stable"; with the dictionary named explicitly it is safe to mark immutable.
create function library_fold(value text) returns text
    language sql immutable parallel safe strict
as $$ select lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

create table library_documents (
    id           bigint generated always as identity primary key,
    title        text not null check (length(title) between 1 and 500),
    source       text not null unique,
    content_hash text not null,
    kind         text not null default 'document' check (kind in ('law', 'guide', 'document')),
    access       text not null check (access in ('public', 'internal')),
    unit_code    text references units (code),
    unit_path    ltree,
    notice       text,
    size_bytes   bigint not null default 0,
    chunk_count  integer not null default 0,
    added_by     text not null,
    ingested_at  timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);

create table library_chunks (
    id          bigint generated always as identity primary key,
    document_id bigint not null references library_documents (id) on delete cascade,
    ordinal     integer not null,
    heading     text not null,
    anchor      text not null,
    article     integer,
    body        text not null,
    access      text not null check (access in ('public', 'internal')),
    unit_path   ltree,
    embedding   vector(384) not null,
    -- unaccented words and adjacent word pairs ("khieu", "nai", "khieunai") of the heading and the text
    terms       tsvector not null,
    unique (document_id, anchor)
);
create index library_chunks_document_idx on library_chunks (document_id, ordinal);
create index library_chunks_embedding_idx on library_chunks using hnsw (embedding vector_cosine_ops)
    with (m = 16, ef_construction = 64);
create index library_chunks_terms_idx on library_chunks using gin (terms);
create index library_chunks_access_idx on library_chunks (access);

-- How many chunks hold each term, refreshed after ingest: rare terms weigh more (inverse document frequency).
create table library_terms (
    term text primary key,
    df   integer not null
);

alter table library_documents enable row level security;
alter table library_documents force row level security;
create policy library_documents_read on library_documents for select
    using (access = 'public'
           or (cardinality((select current_scope())) > 0
               and (unit_path is null or unit_path @> (select current_scope()) or unit_path <@ (select current_scope()))));
create policy library_documents_add on library_documents for insert
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_documents_change on library_documents for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_documents_remove on library_documents for delete
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

alter table library_chunks enable row level security;
alter table library_chunks force row level security;
create policy library_chunks_read on library_chunks for select
    using (access = 'public'
           or (cardinality((select current_scope())) > 0
               and (unit_path is null or unit_path @> (select current_scope()) or unit_path <@ (select current_scope()))));
create policy library_chunks_add on library_chunks for insert
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_chunks_change on library_chunks for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_chunks_remove on library_chunks for delete
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

grant select, insert, update, delete on library_documents, library_chunks, library_terms to mattran_app;
grant execute on function library_fold(text) to mattran_app;
