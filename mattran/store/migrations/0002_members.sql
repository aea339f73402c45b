-- Front committee members: the first unit-owned table, scoped by row-level security.
create function set_unit_path() returns trigger
    language plpgsql
as $$
begin
    select path into strict new.unit_path from units where code = new.unit_code;
    return new;
exception when no_data_found then
    raise exception 'unknown unit %', new.unit_code using errcode = 'foreign_key_violation';
end $$;

create table members (
    id           bigint generated always as identity primary key,
    unit_code    text not null references units (code),
    unit_path    ltree not null,
    full_name    text not null check (length(full_name) between 1 and 200),
    gender       text check (gender in ('nam', 'nu', 'khac')),
    birth_year   int check (birth_year between 1900 and 2100),
    position     text,
    organisation text,
    created_at   timestamptz not null default now()
);
create index members_unit_path_gist on members using gist (unit_path);
create trigger members_unit_path before insert or update of unit_code on members
    for each row execute function set_unit_path();

alter table members enable row level security;
alter table members force row level security;
create policy members_in_scope on members
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

grant select, insert, update, delete on members to mattran_app;
