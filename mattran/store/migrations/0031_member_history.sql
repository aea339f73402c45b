-- Members kept up to date: a membership ends (kept, marked ended), a member moves between units, every change is
-- appended to a history that the cadres of every unit the member has belonged to can read; a member is deleted
-- only as an administrator's correction, with its audit entry written in the same transaction.
alter table members
    add column ended_on   date,
    add column end_reason text check (end_reason in ('left', 'moved', 'deceased', 'term_ended', 'duplicate')),
    add column end_note   text check (length(end_note) <= 500),
    add constraint members_end_complete check ((ended_on is null) = (end_reason is null));

-- The units a member has belonged to (its current one included once anything is recorded about it).
create table member_units (
    member_id bigint not null,
    unit_code text not null references units (code),
    unit_path ltree not null,
    since     timestamptz not null default now(),
    primary key (member_id, unit_code)
);
create index member_units_unit_path_gist on member_units using gist (unit_path);
create trigger member_units_unit_path before insert on member_units
    for each row execute function set_unit_path();
alter table member_units enable row level security;
alter table member_units force row level security;
create policy member_units_in_scope on member_units
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

-- Every change: who (with which role), when, what (field → [before, after]), the action and the end's reason.
create table member_history (
    id         bigint generated always as identity primary key,
    member_id  bigint not null,
    unit_code  text not null references units (code),
    unit_path  ltree not null,
    at         timestamptz not null default now(),
    actor      text,
    actor_name text,
    roles      text[] not null default '{}',
    action     text not null check (action in ('edit', 'end', 'move', 'delete')),
    changes    jsonb not null check (jsonb_typeof(changes) = 'object'),
    reason     text check (length(reason) <= 500)
);
create index member_history_member_idx on member_history (member_id, at desc);
create index member_history_unit_path_gist on member_history using gist (unit_path);
create trigger member_history_unit_path before insert on member_history
    for each row execute function set_unit_path();

create function member_history_append_only() returns trigger
    language plpgsql
as $$
begin
    raise exception 'member_history is append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger member_history_no_change before update or delete or truncate on member_history
    for each statement execute function member_history_append_only();

alter table member_history enable row level security;
alter table member_history force row level security;
-- readable by the cadres of any unit the member has belonged to; written only for a unit within scope
create policy member_history_read on member_history for select
    using (exists (select 1 from member_units mu where mu.member_id = member_history.member_id
                   and mu.unit_path <@ (select current_scope())));
create policy member_history_write on member_history for insert
    with check (unit_path <@ (select current_scope()));

-- The application deletes a member only in a transaction that recorded an administrator's allowed deletion.
create function member_delete_guard() returns trigger
    language plpgsql
as $$
begin
    if current_user = 'mattran_app' and not exists (
        select 1 from audit_log a where a.action = 'member.delete' and a.target = old.id::text and a.at = now()
        and a.outcome = 'allowed' and 'admin' = any(a.roles)) then
        raise exception 'a member is deleted only as an audited administrator''s correction'
            using errcode = 'insufficient_privilege';
    end if;
    return old;
end $$;
create trigger members_delete_guard before delete on members
    for each row execute function member_delete_guard();

grant select, insert on member_units, member_history to mattran_app;
