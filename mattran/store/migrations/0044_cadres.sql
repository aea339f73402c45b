-- The cadres the platform has seen sign in (issue 20): their display name, roles and unit, so that the cadres' pages
-- show people's names rather than account names and a petition is assigned from a list of its unit's cadres.
create table cadres (
    subject      text primary key check (length(subject) between 1 and 200),
    display_name text not null check (length(display_name) between 1 and 200),
    unit_code    text not null references units (code),
    unit_path    ltree not null,
    roles        text[] not null,
    seen_at      timestamptz not null default now()
);
create index cadres_unit_path_gist on cadres using gist (unit_path);
create trigger cadres_unit_path before insert or update of unit_code on cadres
    for each row execute function set_unit_path();

-- A cadre reads the cadres of the units within their scope; a sign-in records itself through cadre_seen only (the
-- owner's function: a cadre who moved unit updates the row their new scope cannot see).
alter table cadres enable row level security;
create policy cadres_in_scope on cadres for select using (unit_path <@ (select current_scope()));
grant select on cadres to mattran_app;

create function cadre_seen(p_subject text, p_name text, p_unit text, p_roles text[]) returns void
    language sql security definer set search_path = public, pg_temp
as $$
    insert into cadres (subject, display_name, unit_code, roles) values (p_subject, p_name, p_unit, p_roles)
    on conflict (subject) do update
        set display_name = excluded.display_name, unit_code = excluded.unit_code, roles = excluded.roles, seen_at = now()
$$;
revoke all on function cadre_seen(text, text, text, text[]) from public;
grant execute on function cadre_seen(text, text, text, text[]) to mattran_app;
