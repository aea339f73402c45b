-- Personal data (Nghị định 13/2023/NĐ-CP, Luật Bảo vệ dữ liệu cá nhân 2025): consent recorded with what it was
-- given for, data subjects' rights (a citizen sees, and erases once closed, what their petitions hold), retention
-- (the private parts of closed petitions and the audit log purged after their periods). docs/privacy.md.

-- Consent to the processing of the contacts given with a petition: when, and which notice was shown (its
-- version and the door, e.g. "web:2026-01"). Null when no contact was given (none is asked for then).
alter table petitions
    add column consent_at timestamptz,
    add column consent_notice text,
    add column private_purged_at timestamptz;  -- when the retention job removed the private parts

-- The importing cadre's confirmation that the members in a file were told of the processing (and consented
-- where the law asks it, e.g. for ethnicity and religion): one row per import.
create table member_import_consents (
    id             bigint generated always as identity primary key,
    at             timestamptz not null default now(),
    actor          text not null,
    unit_code      text references units (code),
    unit_path      ltree,
    notice_version text not null,
    total          int not null,
    imported       int not null
);
create index member_import_consents_unit_idx on member_import_consents using gist (unit_path);

alter table member_import_consents enable row level security;
alter table member_import_consents force row level security;
create policy member_import_consents_read on member_import_consents for select
    using (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
create policy member_import_consents_write on member_import_consents for insert
    with check (coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
grant select, insert on member_import_consents to mattran_app;

-- A signed-in citizen sees the contacts, files and history of their own petitions (right to know and see).
create function owns_petition(p_id bigint) returns boolean
    language sql stable
as $$ select exists (select 1 from petitions p where p.id = p_id and p.submitter is not null
                     and p.submitter = (select current_subject())) $$;
grant execute on function owns_petition(bigint) to mattran_app;

create policy petition_contacts_own on petition_contacts for select using (owns_petition(petition_id));
create policy petition_attachments_own on petition_attachments for select using (owns_petition(petition_id));
create policy petition_events_own on petition_events for select using (owns_petition(petition_id));

-- Erasure: the contacts of a closed petition, by its petitioner or within scope (the retention job); its files
-- within scope only. An open petition's contacts stay: the unit handling it may need them.
create function petition_closed(p_id bigint) returns boolean
    language sql stable
as $$ select exists (select 1 from petitions p where p.id = p_id
                     and p.status in ('answered', 'published', 'declined', 'merged')) $$;
grant execute on function petition_closed(bigint) to mattran_app;

create policy petition_contacts_erase on petition_contacts for delete
    using (petition_closed(petition_id)
           and (owns_petition(petition_id) or coalesce(unit_path, 'vn'::ltree) <@ (select current_scope())));
create policy petition_attachments_erase on petition_attachments for delete
    using (petition_closed(petition_id) and coalesce(unit_path, 'vn'::ltree) <@ (select current_scope()));
grant delete on petition_contacts, petition_attachments to mattran_app;

-- Correction: a petitioner replaces the contacts of their own open petition (how the unit calls them back).
create policy petition_contacts_correct on petition_contacts for update
    using (owns_petition(petition_id) and not petition_closed(petition_id))
    with check (owns_petition(petition_id) and not petition_closed(petition_id));
grant update (full_name_enc, phone_enc, email_enc) on petition_contacts to mattran_app;

-- The audit log stays append-only for everyone, the owner included, except through purge_audit_log(): a
-- SECURITY DEFINER function owned by the owner role that deletes only entries older than the retention period
-- it is given, and never any younger than 30 days whatever it is given; raising an aggregated row's count (0018)
-- stays allowed.
create function audit_log_guard() returns trigger
    language plpgsql
as $$
begin
    if tg_op = 'DELETE' and current_setting('mattran.audit_purge', true) = 'on'
       and current_user = (select tableowner from pg_tables where schemaname = 'public' and tablename = 'audit_log') then
        return old;
    end if;
    -- the one change allowed besides the purge: raising the count of an aggregated row (migration 0018)
    if tg_op = 'UPDATE' and old.aggregate_key is not null and new.count > old.count
       and (new.id, new.at, new.actor, new.roles, new.unit_code, new.action, new.target, new.outcome, new.detail,
            new.aggregate_key)
           is not distinct from
           (old.id, old.at, old.actor, old.roles, old.unit_code, old.action, old.target, old.outcome, old.detail,
            old.aggregate_key) then
        return new;
    end if;
    raise exception 'audit_log is append-only' using errcode = 'insufficient_privilege';
end $$;
drop trigger audit_log_no_change on audit_log;
create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_guard();

create function purge_audit_log(older_than timestamptz, apply boolean) returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    cutoff timestamptz := least(older_than, now() - interval '30 days');
    n bigint;
begin
    if not apply then
        select count(*) into n from audit_log where at < cutoff;
        return n;
    end if;
    perform set_config('mattran.audit_purge', 'on', true);
    delete from audit_log where at < cutoff;
    get diagnostics n = row_count;
    perform set_config('mattran.audit_purge', '', true);
    return n;
end $$;
revoke execute on function purge_audit_log(timestamptz, boolean) from public;
grant execute on function purge_audit_log(timestamptz, boolean) to mattran_app;
