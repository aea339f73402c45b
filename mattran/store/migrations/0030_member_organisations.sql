-- Member organisations (tổ chức thành viên) of each unit as their own records, rolled up by name to the level
-- above; a member's organisation becomes a reference to one (the text column stays, kept equal to its name).

-- The SQL twin of mattran.domain.text.fold: lower case, no diacritics, words joined by single spaces.
create function fold_name(t text) returns text
    language sql immutable parallel safe
as $$ select btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary,
                                                      replace(replace(t, 'đ', 'd'), 'Đ', 'D'))),
                                  '[^0-9a-z]+', ' ', 'g')) $$;
grant execute on function fold_name(text) to mattran_app;

create table organisations (
    id           bigint generated always as identity primary key,
    unit_code    text not null references units (code),
    unit_path    ltree not null,
    name         text not null check (length(name) between 1 and 200),
    name_key     text not null,
    kind         text not null default 'other'
                 check (kind in ('political_social', 'social', 'professional', 'religious', 'economic', 'other')),
    parent_id    bigint references organisations (id) on delete set null,
    contact_name text check (length(contact_name) <= 200),
    phone_enc    bytea,
    email_enc    bytea,
    address      text check (length(address) <= 300),
    status       text not null default 'active' check (status in ('active', 'inactive')),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    unique (unit_code, name_key)
);
create index organisations_unit_path_gist on organisations using gist (unit_path);
create index organisations_parent_idx on organisations (parent_id);
create trigger organisations_unit_path before insert or update of unit_code on organisations
    for each row execute function set_unit_path();

-- The organisation of the same name at the unit above, whatever the caller's scope (an id, nothing personal).
create function organisation_above(p_unit text, p_key text) returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    saved text := current_setting('mattran.scope', true);
    above text;
    found bigint;
begin
    select p.path::text into above from units u join units p on p.code = u.parent_code where u.code = p_unit;
    if above is null then
        return null;
    end if;
    perform set_config('mattran.scope', '{' || above || '}', true);
    select o.id into found from organisations o
        where o.unit_path = above::ltree and o.name_key = p_key;
    perform set_config('mattran.scope', coalesce(saved, ''), true);
    return found;
end $$;
revoke execute on function organisation_above(text, text) from public;
grant execute on function organisation_above(text, text) to mattran_app;

-- The name's key, the link to the organisation above (when none was given) and to those below of the same name.
create function organisation_keys() returns trigger
    language plpgsql
as $$
begin
    new.name_key := fold_name(new.name);
    if new.parent_id is null or (tg_op = 'UPDATE' and new.name_key is distinct from old.name_key
                                 and new.parent_id is not distinct from old.parent_id) then
        new.parent_id := organisation_above(new.unit_code, new.name_key);
    end if;
    return new;
end $$;
create trigger organisations_keys before insert or update of name, unit_code, parent_id on organisations
    for each row execute function organisation_keys();

create function organisation_links() returns trigger
    language plpgsql
as $$
begin
    -- the organisations of the same name directly below (those this scope sees) roll up to this one
    update organisations o set parent_id = new.id
        from units u where u.code = o.unit_code and u.parent_code = new.unit_code
        and o.name_key = new.name_key and o.parent_id is null;
    if tg_op = 'UPDATE' and new.name is distinct from old.name then
        update members set organisation = new.name where organisation_id = new.id;
    end if;
    return null;
end $$;
create trigger organisations_links after insert or update of name on organisations
    for each row execute function organisation_links();

-- The kind of the five political-social organisations recognised by name; any other is "other" until edited.
create function organisation_kind(p_key text) returns text
    language sql immutable
as $$ select case when p_key in ('cong doan', 'hoi nong dan', 'doan tncs ho chi minh', 'hoi lien hiep phu nu',
                                  'hoi cuu chien binh') then 'political_social' else 'other' end $$;
grant execute on function organisation_kind(text) to mattran_app;

alter table organisations enable row level security;
alter table organisations force row level security;
create policy organisations_in_scope on organisations
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));
grant select, insert, update, delete on organisations to mattran_app;

-- Members refer to an organisation of their own unit.
alter table members add column organisation_id bigint references organisations (id);
create index members_organisation_idx on members (organisation_id);

-- The reference wins when given; else the text is found (by its folded name) or created among the unit's
-- organisations; after a move the organisation of the same name in the new unit is used.
create function member_organisation() returns trigger
    language plpgsql
as $$
declare
    org record;
begin
    if tg_op = 'UPDATE' and new.organisation_id is not distinct from old.organisation_id
       and new.organisation is not distinct from old.organisation and new.unit_code = old.unit_code then
        return new;
    end if;
    if new.organisation_id is not null and (tg_op = 'INSERT' or new.organisation_id is distinct from old.organisation_id) then
        select id, unit_code, name into org from organisations where id = new.organisation_id;
        if not found then
            raise exception 'unknown organisation %', new.organisation_id using errcode = 'foreign_key_violation';
        end if;
        if org.unit_code <> new.unit_code then
            raise exception 'organisation % belongs to another unit', new.organisation_id using errcode = 'check_violation';
        end if;
        new.organisation := org.name;
        return new;
    end if;
    if new.organisation is null or btrim(new.organisation) = '' then
        new.organisation := null;
        new.organisation_id := null;
        return new;
    end if;
    select id, name into org from organisations where unit_code = new.unit_code and name_key = fold_name(new.organisation);
    if not found then
        insert into organisations (unit_code, name, kind)
            values (new.unit_code, new.organisation, organisation_kind(fold_name(new.organisation)))
            returning id, name into org;
    end if;
    new.organisation_id := org.id;
    new.organisation := org.name;
    return new;
end $$;
create trigger members_organisation before insert or update of organisation, organisation_id, unit_code on members
    for each row execute function member_organisation();

-- The old texts mapped: each unit's distinct organisations become records, linked to the one of the same name
-- above, then every member refers to its own (in the whole country's scope, for an owner subject to RLS).
select set_config('mattran.scope', '{vn}', true);
insert into organisations (unit_code, name, kind)
select distinct on (m.unit_code, fold_name(m.organisation)) m.unit_code, m.organisation,
       organisation_kind(fold_name(m.organisation))
from members m join units u on u.code = m.unit_code
where nullif(btrim(m.organisation), '') is not null
order by m.unit_code, fold_name(m.organisation), m.organisation;
update organisations o set parent_id = p.id
from units u, organisations p
where u.code = o.unit_code and p.unit_code = u.parent_code and p.name_key = o.name_key and o.parent_id is null;
update members m set organisation_id = o.id, organisation = o.name
from organisations o where o.unit_code = m.unit_code and o.name_key = fold_name(m.organisation);
select set_config('mattran.scope', '', true);
