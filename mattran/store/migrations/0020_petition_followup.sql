-- A citizen follows their petition (issue 18): withdraws it while it is open, adds information to it, rates the
-- answer. Each is also an event of the petition's history.
alter table petitions drop constraint petitions_status_check;
alter table petitions add constraint petitions_status_check
    check (status in ('received', 'accepted', 'declined', 'in_progress', 'answered', 'published', 'merged',
                      'withdrawn'));

create or replace function petition_closed(p_id bigint) returns boolean
    language sql stable
as $$ select exists (select 1 from petitions p where p.id = p_id
                     and p.status in ('answered', 'published', 'declined', 'merged', 'withdrawn')) $$;

-- The petitioner withdraws their own open petition (the only change a citizen makes to a petition row).
create policy petitions_withdraw on petitions for update
    using (submitter is not null and submitter = (select current_subject())
           and status in ('received', 'accepted', 'in_progress'))
    with check (submitter = (select current_subject()) and status = 'withdrawn');

-- What the petitioner adds to their open petition (files go to petition_attachments): private like its text.
create table petition_additions (
    id          bigint generated always as identity primary key,
    petition_id bigint not null references petitions (id) on delete cascade,
    text        text not null,
    created_at  timestamptz not null default now()
);
create index petition_additions_petition_idx on petition_additions (petition_id, id);
alter table petition_additions enable row level security;
alter table petition_additions force row level security;
create policy petition_additions_read on petition_additions for select
    using (petition_identity_visible(petition_id) or owns_petition(petition_id));
create policy petition_additions_add on petition_additions for insert
    with check (owns_petition(petition_id) and not petition_closed(petition_id));
create policy petition_additions_purge on petition_additions for delete  -- the retention job's
    using (petition_closed(petition_id) and 'vn'::ltree = any (current_scope()));
grant select, insert, delete on petition_additions to mattran_app;

-- The petitioner's rating of the answer: whoever sees the petition sees it (the unit counts them).
create table petition_ratings (
    petition_id bigint primary key references petitions (id) on delete cascade,
    satisfied   boolean not null,
    reason      text,
    rated_at    timestamptz not null default now()
);
create function petition_answered(p_id bigint) returns boolean
    language sql stable
as $$ select exists (select 1 from petitions p where p.id = p_id and p.status in ('answered', 'published')) $$;
grant execute on function petition_answered(bigint) to mattran_app;
alter table petition_ratings enable row level security;
alter table petition_ratings force row level security;
create policy petition_ratings_read on petition_ratings for select
    using (exists (select 1 from petitions p where p.id = petition_id));
create policy petition_ratings_rate on petition_ratings for insert
    with check (owns_petition(petition_id) and petition_answered(petition_id));
create policy petition_ratings_change on petition_ratings for update
    using (owns_petition(petition_id)) with check (owns_petition(petition_id) and petition_answered(petition_id));
grant select, insert, update (satisfied, reason, rated_at) on petition_ratings to mattran_app;
