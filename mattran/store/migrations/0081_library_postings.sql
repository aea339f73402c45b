-- Full text at a million chunks. Full-text search scores up to 1,500 candidate chunks by the question's terms they
-- hold: read from library_chunks, each candidate costs a page of a heap of several GB (its body, its vector and its
-- 2,4 kB of terms as text), read from disk once the library outgrows memory (p95 122–135 ms at 1,000,000 chunks).
-- Here each chunk's terms are kept a second time, compactly: as the sorted integer ids of a lexicon (intarray,
-- about 1 kB a chunk), in a narrow table (a quarter of the chunks' heap) with its own GIN index, small enough to
-- stay in memory at that size. Candidates are found and scored there without touching the chunks.

create extension if not exists intarray;

-- Every term any chunk ever held, with a stable id (never reused: a term a deleted document alone held stays).
-- No chunk is referenced here; which chunks hold a term is in library_chunk_terms, under row-level security.
create table library_lexemes (
    id   integer generated always as identity primary key,
    term text not null unique
);

-- A chunk's terms as lexeme ids (sorted, without duplicates), with the chunk's access to apply the same policies.
create table library_chunk_terms (
    chunk_id  bigint primary key references library_chunks (id) on delete cascade,
    access    text not null check (access in ('public', 'internal')),
    unit_path ltree,
    terms     integer[] not null
);

alter table library_chunk_terms enable row level security;
alter table library_chunk_terms force row level security;
create policy library_chunk_terms_read on library_chunk_terms for select
    using (access = 'public'
           or (cardinality((select current_scope())) > 0
               and (unit_path is null or unit_path @> (select current_scope()) or unit_path <@ (select current_scope()))));
create policy library_chunk_terms_add on library_chunk_terms for insert
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_chunk_terms_change on library_chunk_terms for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy library_chunk_terms_remove on library_chunk_terms for delete
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

-- Kept by triggers, whoever writes the chunks (one statement's rows at once, COPY included): new terms join the
-- lexicon, each new chunk gets its row; a chunk whose terms or access change gets it again; deletion cascades.
-- Planned at each call (EXECUTE): joined by hash for a bulk load, through the lexicon's index for one document.
create function library_chunk_terms_add() returns trigger language plpgsql as $$
begin
    execute 'insert into library_lexemes (term)
                 select distinct t from added a, unnest(tsvector_to_array(a.terms)) t
                 where not exists (select 1 from library_lexemes l where l.term = t)
                 order by t
                 on conflict (term) do nothing';
    execute 'insert into library_chunk_terms (chunk_id, access, unit_path, terms)
                 select a.id, a.access, a.unit_path, array_agg(l.id order by l.id)
                 from added a, unnest(tsvector_to_array(a.terms)) t join library_lexemes l on l.term = t
                 group by a.id, a.access, a.unit_path
                 union all
                 select a.id, a.access, a.unit_path, ''{}'' from added a where length(a.terms) = 0';
    return null;
end $$;

-- (The comparison is in the body, not in the trigger's WHEN: pg_restore creates triggers with an empty search_path,
-- where ltree has no "=" and the trigger could not be restored.)
create function library_chunk_terms_change() returns trigger language plpgsql as $$
begin
    if old.terms is not distinct from new.terms and old.access is not distinct from new.access
       and old.unit_path is not distinct from new.unit_path then
        return null;
    end if;
    insert into library_lexemes (term)
        select t from unnest(tsvector_to_array(new.terms)) t
        where not exists (select 1 from library_lexemes l where l.term = t)
        order by t
        on conflict (term) do nothing;
    delete from library_chunk_terms where chunk_id = old.id;
    insert into library_chunk_terms (chunk_id, access, unit_path, terms)
        values (new.id, new.access, new.unit_path,
                array(select l.id from library_lexemes l where l.term = any(tsvector_to_array(new.terms)) order by l.id));
    return null;
end $$;

create trigger library_chunk_terms_add after insert on library_chunks
    referencing new table as added for each statement execute function library_chunk_terms_add();
create trigger library_chunk_terms_change after update of terms, access, unit_path on library_chunks
    for each row execute function library_chunk_terms_change();

select set_config('mattran.scope', '{vn}', true);  -- every row, also where the owner is not a superuser (RLS)
insert into library_lexemes (term)
    select distinct t from library_chunks c, unnest(tsvector_to_array(c.terms)) t order by t;
insert into library_chunk_terms (chunk_id, access, unit_path, terms)
    select c.id, c.access, c.unit_path, array_agg(l.id order by l.id)
    from library_chunks c, unnest(tsvector_to_array(c.terms)) t join library_lexemes l on l.term = t
    group by c.id, c.access, c.unit_path
    union all
    select c.id, c.access, c.unit_path, '{}' from library_chunks c where length(c.terms) = 0;
create index library_chunk_terms_terms_idx on library_chunk_terms using gin (terms gin__int_ops);

-- As for ts_match_vq (0011): under row-level security an index serves only LEAKPROOF operators. intarray's
-- "integer[] @@ query_int" raises no error and has no side effect for the arrays stored here (one dimension, no
-- null: made by the triggers above). It takes a superuser; elsewhere the search stays correct, reading every row.
do $$
begin
    alter function boolop(integer[], query_int) leakproof;
exception when insufficient_privilege then
    raise notice 'boolop not marked LEAKPROOF (needs a superuser): library full-text search reads every chunk''s terms';
end $$;

grant select, insert on library_lexemes to mattran_app;
grant select, insert, update, delete on library_chunk_terms to mattran_app;
