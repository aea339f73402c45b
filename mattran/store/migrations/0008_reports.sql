-- Advisory reports drafted by prompt: one row per report, one per version (the first draft and each revision).
-- Scoped like members and congresses: a cadre sees the drafts of their unit's subtree.
create table reports (
    id          bigint generated always as identity primary key,
    unit_code   text not null references units (code),
    unit_path   ltree not null,
    kind        text not null check (kind in ('petitions', 'voter_opinions', 'congress', 'members')),
    title       text not null check (length(title) <= 500),
    created_by  text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index reports_unit_path_gist on reports using gist (unit_path);
create trigger reports_unit_path before insert or update of unit_code on reports
    for each row execute function set_unit_path();

create table report_versions (
    report_id       bigint not null references reports (id),
    version         int not null check (version >= 1),
    unit_path       ltree not null,
    request_text    text not null check (length(request_text) <= 2000),
    revision_prompt text check (length(revision_prompt) <= 2000),
    document        jsonb not null check (jsonb_typeof(document) = 'object'),  -- the structured draft
    markdown        text not null,
    docx            bytea not null,
    figures         jsonb not null check (jsonb_typeof(figures) = 'array'),     -- every figure and its query
    created_by      text,
    created_at      timestamptz not null default now(),
    primary key (report_id, version)
);
create index report_versions_unit_path_gist on report_versions using gist (unit_path);

alter table reports enable row level security;
alter table reports force row level security;
create policy reports_in_scope on reports
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

alter table report_versions enable row level security;
alter table report_versions force row level security;
create policy report_versions_in_scope on report_versions
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

grant select, insert on reports, report_versions to mattran_app;
grant update (title, updated_at) on reports to mattran_app;
