-- The library's term statistics (library_terms, 0007/0018) kept by delta, in the transaction of whatever writes the
-- chunks' terms (library_chunk_terms, 0081: an ingest's COPY, one document's save, a deletion, a document chunked
-- again or given another access or unit), instead of a recount of the whole library after every save (about 27 s at
-- 100,000 chunks, during which concurrent saves waited). Meaning unchanged: "public" counts public chunks only,
-- "internal" every chunk; the empty term holds the class's number of chunks. A term no chunk of a class holds any
-- more loses its row (as in a recount); the two class totals stay, at 0 too.
--
-- The functions run as the migrations' owner (SECURITY DEFINER, fixed search_path): the transition tables hold every
-- row the statement changed, whoever wrote it and whatever their scope; the application role no longer writes
-- library_terms itself (only through these functions), and reads it as before.

-- The full recount: one pass over the chunks' terms as lexeme ids, in the whole country's scope (an owner that is not
-- a superuser is subject to row-level security too).
create function library_term_counts() returns table (access text, term text, df integer)
    language sql stable security definer set search_path = public, pg_temp set mattran.scope = '{vn}'
as $$
    with n as (select id, count(*) as internal, count(*) filter (where t.access = 'public') as public
               from library_chunk_terms t, unnest(t.terms) as id group by id)
    select c.access, l.term, c.df::integer
    from n join library_lexemes l using (id), lateral (values ('internal', n.internal), ('public', n.public))
         as c(access, df)
    where c.df > 0
    union all select 'internal', '', count(*)::integer from library_chunk_terms
    union all select 'public', '', count(*)::integer from library_chunk_terms t where t.access = 'public'
$$;

-- A repair: the statistics recounted (writers wait for it; searches go on reading the previous counts).
create function library_terms_recount() returns void
    language plpgsql security definer set search_path = public, pg_temp
as $$
begin
    lock table library_terms in exclusive mode;
    delete from library_terms;
    insert into library_terms (access, term, df) select c.access, c.term, c.df from library_term_counts() c;
end $$;

-- One statement's change: +1 for each term of each row added, -1 for each row removed, per class (an update is both).
-- Concurrent writers add to the same rows (insert … on conflict do update: a term two transactions both add for the
-- first time is counted twice, never refused); the rows are written in one order, the totals' row first, so a second
-- writer waits at its first change until the first one commits, and never holds a row the first one still needs.
-- Planned at each call (EXECUTE), like 0081's triggers: a bulk load's millions of rows and one document's ten.
create function library_terms_count() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    changed text := case tg_op
        when 'INSERT' then 'select 1 as sign, access, terms from added'
        when 'DELETE' then 'select -1 as sign, access, terms from removed'
        else 'select 1 as sign, access, terms from added union all select -1, access, terms from removed' end;
    emptied_access text[];
    emptied_term text[];
begin
    execute format(
        'with changed as materialized (%s),
              n as (select id, sum(sign) as internal, coalesce(sum(sign) filter (where access = ''public''), 0) as public
                    from changed, unnest(terms) as id group by id),
              delta as (select c.access, l.term, c.df
                        from n join library_lexemes l using (id),
                             lateral (values (''internal'', n.internal), (''public'', n.public)) as c(access, df)
                        where c.df <> 0
                        union all select ''internal'', '''', coalesce(sum(sign), 0) from changed
                        union all select ''public'', '''', coalesce(sum(sign) filter (where access = ''public''), 0)
                                  from changed),
              written as (insert into library_terms as s (access, term, df)
                              select access, term, df from delta order by access, term
                          on conflict (access, term) do update set df = s.df + excluded.df
                          returning s.access, s.term, s.df)
         select array_agg(access), array_agg(term) from written where df = 0 and term <> ''''', changed)
        into emptied_access, emptied_term;
    if emptied_term is not null then
        delete from library_terms s using unnest(emptied_access, emptied_term) as e(access, term)
            where s.access = e.access and s.term = e.term and s.df = 0;
    end if;
    return null;
end $$;

create trigger library_terms_added after insert on library_chunk_terms
    referencing new table as added for each statement execute function library_terms_count();
create trigger library_terms_removed after delete on library_chunk_terms
    referencing old table as removed for each statement execute function library_terms_count();
create trigger library_terms_changed after update on library_chunk_terms
    referencing old table as removed new table as added for each statement execute function library_terms_count();

-- Search reads the terms from library_chunk_terms (0081); the GIN index on the chunks' tsvector only cost every
-- ingest its upkeep (about 0.9 GB at 1,000,000 chunks).
drop index library_chunks_terms_idx;

select library_terms_recount();

revoke insert, update, delete on library_terms from mattran_app;
revoke all on function library_term_counts(), library_terms_recount() from public;
grant execute on function library_term_counts(), library_terms_recount() to mattran_app;
