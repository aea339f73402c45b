-- One table about cadres: the e-mail their reminders go to (0046's cadre_contacts) moves onto cadres (0044), both
-- written by a sign-in's one call. The e-mail stays encrypted and is read in the system's scope only, through the
-- owner's functions below: the application role may read every other column of cadres, within its scope.

alter table cadres
    add column id bigint generated always as identity unique,
    add column email_enc bytea;

-- Each sign-in wrote both; a contact without its cadre (none expected) is kept under its account name.
insert into cadres (subject, display_name, unit_code, roles, seen_at)
    select c.subject, c.subject, c.unit_code, '{}', c.seen_at from cadre_contacts c
    where not exists (select 1 from cadres k where k.subject = c.subject);
update cadres k set email_enc = c.email_enc from cadre_contacts c where c.subject = k.subject;

-- The reminders queued to a contact go to its cadre (the pair's uniqueness checked once every row is moved).
alter table notification_outbox
    drop constraint notification_outbox_cadre_id_fkey,
    drop constraint notification_outbox_reminder_once;
update notification_outbox o set cadre_id = k.id
    from cadre_contacts c join cadres k on k.subject = c.subject where o.cadre_id = c.id;
alter table notification_outbox
    add constraint notification_outbox_cadre_id_fkey foreign key (cadre_id) references cadres (id) on delete cascade,
    add constraint notification_outbox_reminder_once unique (reminder_id, cadre_id);

drop function cadre_contact_seen(text, text, bytea), cadre_contact_forget(text), cadre_seen(text, text, text, text[]);
drop table cadre_contacts;

revoke select on cadres from mattran_app;
grant select (id, subject, display_name, unit_code, unit_path, roles, seen_at) on cadres to mattran_app;

-- A cadre's sign-in: their name, unit, roles and e-mail (null: none, forgotten) as the provider gives them now; a
-- unit the register does not hold records nothing (the sign-in goes on). A cadre who moved unit updates the row their
-- new scope cannot see.
create function cadre_seen(p_subject text, p_name text, p_unit text, p_roles text[], p_email_enc bytea) returns void
    language sql security definer set search_path = public, pg_temp
as $$
    insert into cadres (subject, display_name, unit_code, roles, email_enc)
        select p_subject, p_name, p_unit, p_roles, p_email_enc where exists (select 1 from units where code = p_unit)
    on conflict (subject) do update
        set display_name = excluded.display_name, unit_code = excluded.unit_code, roles = excluded.roles,
            email_enc = excluded.email_enc, seen_at = now()
$$;
-- A sign-in of an account that is no longer a cadre's: no reminder goes to its e-mail any more.
create function cadre_email_forget(p_subject text) returns void
    language sql security definer set search_path = public, pg_temp
as $$ update cadres set email_enc = null where subject = p_subject and email_enc is not null $$;
-- The reminders' job: the cadres of a unit who have an e-mail; the sender: a cadre's (encrypted) e-mail.
create function cadres_with_email(p_unit text) returns setof bigint
    language sql stable security definer set search_path = public, pg_temp
as $$ select id from cadres where unit_code = p_unit and email_enc is not null and system_scope() order by id $$;
create function cadre_email(p_id bigint) returns bytea
    language sql stable security definer set search_path = public, pg_temp
as $$ select email_enc from cadres where id = p_id and system_scope() $$;
revoke all on function cadre_seen(text, text, text, text[], bytea), cadre_email_forget(text),
    cadres_with_email(text), cadre_email(bigint) from public;
grant execute on function cadre_seen(text, text, text, text[], bytea), cadre_email_forget(text),
    cadres_with_email(text), cadre_email(bigint) to mattran_app;
