-- Residential-area work committees (Ban công tác Mặt trận ở khu dân cư) below each commune: the area (thôn, tổ dân
-- phố, bản, ấp…, free text), its head (a name, or a member of the commune's committee), members and households.
create table work_committees (
    id             bigint generated always as identity primary key,
    unit_code      text not null references units (code),
    unit_path      ltree not null,
    area           text not null check (length(area) between 1 and 200),
    area_key       text not null,
    head_name      text check (length(head_name) <= 200),
    head_member_id bigint references members (id) on delete set null,
    member_names   text[] not null default '{}' check (cardinality(member_names) <= 100),
    households     int check (households between 0 and 100000),
    synthetic      boolean not null default false,  -- demo data
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    unique (unit_code, area_key)
);
create index work_committees_unit_path_gist on work_committees using gist (unit_path);
create trigger work_committees_unit_path before insert or update of unit_code on work_committees
    for each row execute function set_unit_path();

create function work_committee_key() returns trigger
    language plpgsql
as $$
begin
    new.area_key := fold_name(new.area);
    return new;
end $$;
create trigger work_committees_key before insert or update of area on work_committees
    for each row execute function work_committee_key();

alter table work_committees enable row level security;
alter table work_committees force row level security;
create policy work_committees_in_scope on work_committees
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));
grant select, insert, update on work_committees to mattran_app;

-- committee sheets read a unit's members by term
create index members_unit_term_idx on members (unit_code, term);
