-- Reminders to a unit's cadres (issue 20): before a petition's due date, before a state body's reply is due and
-- before an escalation, by e-mail through the notification outbox.

-- Where a cadre is told: the e-mail of their account (the ID token's "email" claim), recorded at each sign-in,
-- encrypted like the petitioners' contacts. Read in the system's scope only (the reminders' job and the sender).
create table cadre_contacts (
    id        bigint generated always as identity primary key,
    subject   text not null unique check (length(subject) between 1 and 200),
    unit_code text not null references units (code),
    unit_path ltree not null,
    email_enc bytea not null,
    seen_at   timestamptz not null default now()
);
create index cadre_contacts_unit_idx on cadre_contacts (unit_code);
create trigger cadre_contacts_unit_path before insert or update of unit_code on cadre_contacts
    for each row execute function set_unit_path();
alter table cadre_contacts enable row level security;
create policy cadre_contacts_read on cadre_contacts for select using (system_scope());
grant select on cadre_contacts to mattran_app;

-- A sign-in records its cadre's address (or forgets it: no e-mail any more, or no longer a cadre) through these
-- owner's functions only (a unit the register does not hold records nothing: the sign-in goes on).
create function cadre_contact_seen(p_subject text, p_unit text, p_email_enc bytea) returns void
    language sql security definer set search_path = public, pg_temp
as $$
    insert into cadre_contacts (subject, unit_code, email_enc)
        select p_subject, p_unit, p_email_enc where exists (select 1 from units where code = p_unit)
    on conflict (subject) do update
        set unit_code = excluded.unit_code, email_enc = excluded.email_enc, seen_at = now()
$$;
create function cadre_contact_forget(p_subject text) returns void
    language sql security definer set search_path = public, pg_temp
as $$ delete from cadre_contacts where subject = p_subject $$;
revoke all on function cadre_contact_seen(text, text, bytea), cadre_contact_forget(text) from public;
grant execute on function cadre_contact_seen(text, text, bytea), cadre_contact_forget(text) to mattran_app;

-- Each reminder once: per petition, kind and the deadline it warns of (a new deadline, after an escalation or a
-- new forwarding, is reminded again), whichever process's job finds it first.
create table petition_reminders (
    id          bigint generated always as identity primary key,
    petition_id bigint not null references petitions (id) on delete cascade,
    kind        text not null check (kind in ('due', 'reply', 'escalation')),
    deadline    timestamptz not null,
    unit_code   text not null references units (code),  -- the unit whose cadres were told
    created_at  timestamptz not null default now(),
    unique (petition_id, kind, deadline)
);
alter table petition_reminders enable row level security;
alter table petition_reminders force row level security;
create policy petition_reminders_system on petition_reminders for all
    using (system_scope()) with check (system_scope());
grant select, insert on petition_reminders to mattran_app;

-- A reminder's message in the outbox: one per cadre, instead of an event to a subscription.
alter table notification_outbox
    alter column event_id drop not null,
    add column reminder_id bigint references petition_reminders (id) on delete cascade,
    add column cadre_id bigint references cadre_contacts (id) on delete cascade,
    add constraint notification_outbox_event_or_reminder
        check ((event_id is null) = (reminder_id is not null) and (reminder_id is null) = (cadre_id is null)),
    add constraint notification_outbox_reminder_once unique (reminder_id, cadre_id);
