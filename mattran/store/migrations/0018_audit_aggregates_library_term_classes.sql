-- Anonymous refusals are counted, not listed: one audit row per address, path and minute carries how many
-- times it happened (a scanner's thousand 401s are one row, not a flood that pushes everything else out of view).
alter table audit_log add column count integer not null default 1 check (count >= 1);
-- Set only on aggregated rows: "minute|address|method path|action" (UTC minute).
alter table audit_log add column aggregate_key text;
create unique index audit_log_aggregate_idx on audit_log (aggregate_key) where aggregate_key is not null;
create index audit_log_actor_idx on audit_log (actor, id desc);
create index audit_log_action_idx on audit_log (action, id desc);

-- Still append-only: the one change allowed is raising the count of an aggregated row, nothing else of it (the
-- log's guard, audit_log_guard() of migration 0019, checks it).
grant update (count) on audit_log to mattran_app;

-- The library's term statistics per access class: "public" counts only public chunks, "internal" every chunk.
-- A citizen's ranking is computed from public documents alone, so it cannot tell whether an internal document
-- holds a word.
alter table library_terms add column access text not null default 'internal'
    check (access in ('public', 'internal'));
alter table library_terms drop constraint library_terms_pkey;
alter table library_terms add primary key (access, term);
select set_config('mattran.scope', '{vn}', true);  -- every row, also where the owner is not a superuser (RLS)
insert into library_terms (access, term, df)
    select 'public', word, ndoc from ts_stat('select terms from library_chunks where access = ''public''')
    union all select 'public', '', count(*) from library_chunks where access = 'public';
