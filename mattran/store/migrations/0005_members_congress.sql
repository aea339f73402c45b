-- Members: the full profile. Phone and e-mail are stored encrypted (AES-GCM, key derived from the
-- platform's secret), the national ID only as a keyed hash (HMAC-SHA256) plus its last three digits:
-- a dump of the database alone reveals none of them.
alter table members
    add column ethnicity         text check (length(ethnicity) <= 100),
    add column religion          text check (length(religion) <= 200),
    add column term              text check (term ~ '^[0-9]{4}–[0-9]{4}$'),
    add column phone_enc         bytea,
    add column email_enc         bytea,
    add column national_id_hmac  bytea check (length(national_id_hmac) = 32),
    add column national_id_last3 text check (national_id_last3 ~ '^[0-9]{3}$');
alter table members
    add constraint members_position_length check (length(position) <= 200),
    add constraint members_organisation_length check (length(organisation) <= 200);
create index members_unit_code_idx on members (unit_code);

-- Congresses: one per unit and term (a committee is elected for five years), scoped like members.
create table congresses (
    id                  bigint generated always as identity primary key,
    unit_code           text not null references units (code),
    unit_path           ltree not null,
    term                text not null check (term ~ '^[0-9]{4}–[0-9]{4}$'),
    status              text not null default 'chua_trien_khai'
                        check (status in ('chua_trien_khai', 'dang_chuan_bi', 'da_to_chuc', 'hoan_thanh')),
    planned_date        date,
    held_date           date,
    delegates_planned   int check (delegates_planned between 0 and 100000),
    delegates_attending int check (delegates_attending between 0 and 100000),
    committee_size      int check (committee_size between 0 and 10000),
    chair_name          text check (length(chair_name) <= 200),
    vice_chairs         text[] not null default '{}',
    documents           jsonb not null default '[]' check (jsonb_typeof(documents) = 'array'),
    notes               text check (length(notes) <= 5000),
    updated_at          timestamptz not null default now(),
    unique (unit_code, term),
    check (held_date is null or status in ('da_to_chuc', 'hoan_thanh'))
);
create index congresses_unit_path_gist on congresses using gist (unit_path);
create trigger congresses_unit_path before insert or update of unit_code on congresses
    for each row execute function set_unit_path();

alter table congresses enable row level security;
alter table congresses force row level security;
create policy congresses_in_scope on congresses
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

-- Every change to a congress: who, with which role, when, what changed (field → [before, after]).
create table congress_history (
    id          bigint generated always as identity primary key,
    congress_id bigint not null references congresses (id),
    unit_code   text not null references units (code),
    unit_path   ltree not null,
    at          timestamptz not null default now(),
    actor       text,
    actor_name  text,
    roles       text[] not null default '{}',
    changes     jsonb not null check (jsonb_typeof(changes) = 'object')
);
create index congress_history_congress_idx on congress_history (congress_id, at desc);
create index congress_history_unit_path_gist on congress_history using gist (unit_path);
create trigger congress_history_unit_path before insert on congress_history
    for each row execute function set_unit_path();

create function congress_history_append_only() returns trigger
    language plpgsql
as $$
begin
    raise exception 'congress_history is append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger congress_history_no_change before update or delete or truncate on congress_history
    for each statement execute function congress_history_append_only();

alter table congress_history enable row level security;
alter table congress_history force row level security;
create policy congress_history_in_scope on congress_history
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));

grant select, insert, update on congresses to mattran_app;
grant select, insert on congress_history to mattran_app;
