-- A unit committee's terms: the dates a term's roster opened and closed, and the congress that opened it.
create table committee_terms (
    id          bigint generated always as identity primary key,
    unit_code   text not null references units (code),
    unit_path   ltree not null,
    term        text not null check (term ~ '^[0-9]{4}–[0-9]{4}$'),
    started_on  date,
    ended_on    date,
    congress_id bigint references congresses (id),
    updated_at  timestamptz not null default now(),
    unique (unit_code, term),
    check (started_on is null or ended_on is null or started_on <= ended_on)
);
create index committee_terms_unit_path_gist on committee_terms using gist (unit_path);
create trigger committee_terms_unit_path before insert or update of unit_code on committee_terms
    for each row execute function set_unit_path();

alter table committee_terms enable row level security;
alter table committee_terms force row level security;
create policy committee_terms_in_scope on committee_terms
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));
grant select, insert, update on committee_terms to mattran_app;
