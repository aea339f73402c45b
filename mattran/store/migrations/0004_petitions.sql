-- Citizens' petitions (phản ánh, kiến nghị): intake, routing to a unit, handling, public answers.
create sequence petition_number_seq;

create table petitions (
    id               bigint primary key default nextval('petition_number_seq'),  -- the number in the tracking code
    tracking_code    text not null unique,
    idempotency_key  text unique,
    unit_code        text references units (code),       -- null while a cadre still has to address it
    unit_path        ltree,
    needs_addressing boolean not null default false,
    address_text     text,
    latitude         double precision,
    longitude        double precision,
    title            text not null,
    content          text not null,
    content_public   text not null,                      -- personal data masked
    category         text not null,
    suggested_category text not null,
    status           text not null default 'received'
        check (status in ('received', 'accepted', 'declined', 'in_progress', 'answered', 'published', 'merged')),
    merged_into      bigint references petitions (id),     -- a duplicate: it gets the answer of that petition
    submitter        text,                               -- subject of a signed-in citizen, if any
    channel          text not null check (channel in ('web', 'api', 'chat', 'open311')),
    assigned_to      text,
    forwarded_to     text,
    forwarded_at     timestamptz,
    reply_due_at     timestamptz,
    reply_received_at timestamptz,
    reply_text       text,
    answer           text,
    answer_public    text,
    due_at           timestamptz not null,
    escalations      int not null default 0,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    answered_at      timestamptz,
    published_at     timestamptz
);
create index petitions_unit_path_gist on petitions using gist (unit_path);
create index petitions_status_idx on petitions (status, due_at);
create index petitions_submitter_idx on petitions (submitter);
create index petitions_merged_into_idx on petitions (merged_into);
create index petitions_unit_recent_idx on petitions (unit_code, id desc);
create index petitions_created_idx on petitions (created_at desc);

-- Contact details: personal data, kept apart from the petition and never published.
create table petition_contacts (
    petition_id bigint primary key references petitions (id) on delete cascade,
    unit_path   ltree,
    full_name   text,
    phone       text,
    email       text
);

-- Images and PDFs sent with a petition (type checked on the content, size limited). Never published.
create table petition_attachments (
    id           bigint generated always as identity primary key,
    petition_id  bigint not null references petitions (id) on delete cascade,
    unit_path    ltree,
    filename     text not null,
    content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    size         int not null check (size > 0),
    sha256       text not null,
    data         bytea not null,
    created_at   timestamptz not null default now()
);
create index petition_attachments_petition_idx on petition_attachments (petition_id);

create table petition_events (
    id          bigint generated always as identity primary key,
    petition_id bigint not null references petitions (id),
    unit_path   ltree,
    at          timestamptz not null default now(),
    actor       text,
    action      text not null,
    from_status text,
    to_status   text,
    detail      jsonb not null default '{}'
);
create index petition_events_petition_idx on petition_events (petition_id, id);
create trigger petition_events_no_change before update or delete on petition_events
    for each statement execute function audit_log_append_only();

-- Row-level security: a cadre sees the petitions of their subtree; a citizen their own; a petition
-- not yet addressed (no unit) only the central level; anyone may file.
create function current_subject() returns text
    language sql stable
as $$ select nullif(current_setting('mattran.subject', true), '') $$;

alter table petitions enable row level security;
alter table petitions force row level security;
create policy petitions_read on petitions for select
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope())
           or (submitter is not null and submitter = (select current_subject())));
create policy petitions_file on petitions for insert with check (status = 'received');
create policy petitions_handle on petitions for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

alter table petition_contacts enable row level security;
alter table petition_contacts force row level security;
create policy petition_contacts_read on petition_contacts for select
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy petition_contacts_file on petition_contacts for insert with check (true);
create policy petition_contacts_move on petition_contacts for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

alter table petition_attachments enable row level security;
alter table petition_attachments force row level security;
create policy petition_attachments_read on petition_attachments for select
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy petition_attachments_file on petition_attachments for insert with check (true);
create policy petition_attachments_move on petition_attachments for update
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()))
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));

alter table petition_events enable row level security;
alter table petition_events force row level security;
create policy petition_events_read on petition_events for select
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy petition_events_write on petition_events for insert with check (true);

-- What anyone may know of a petition: its status by tracking code, and the text and answer once published.
-- No personal data: contact details are in another table and the published text is masked.
create view public_petitions with (security_barrier) as
    select p.tracking_code, p.status, p.category, p.unit_code, u.name as unit_name, u.province_code,
           p.created_at, p.due_at, p.answered_at, p.published_at,
           case when p.status = 'published' then p.title end as title,
           case when p.status = 'published' then p.content_public end as content_public,
           case when p.status = 'published' then p.answer_public end as answer_public
    from petitions p left join units u on u.code = p.unit_code;

-- A retried create finds the petition its idempotency key already made (the key is the client's secret).
create view public_petitions_keys with (security_barrier) as
    select idempotency_key, tracking_code from petitions where idempotency_key is not null;

grant select, insert, update on petitions to mattran_app;
grant select on public_petitions_keys to mattran_app;
grant select, insert on petition_contacts, petition_events to mattran_app;
grant update (unit_path) on petition_contacts, petition_attachments to mattran_app;
grant select, insert on petition_attachments to mattran_app;
grant select on public_petitions to mattran_app;
grant usage on sequence petition_number_seq to mattran_app;
grant execute on function current_subject() to mattran_app;
