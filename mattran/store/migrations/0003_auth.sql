-- Sign-in: pending logins, server-side sessions shared by every app, and the append-only audit log.
create table login_attempts (
    state         text primary key,
    nonce         text not null,
    code_verifier text not null,
    return_to     text not null,
    created_at    timestamptz not null default now()
);

create table sessions (
    id_hash       text primary key,            -- sha256 of the cookie value; the value itself is never stored
    subject       text not null,
    claims        jsonb not null,              -- verified ID-token claims the principal is built from
    id_token      text not null,               -- for RP-initiated logout (id_token_hint)
    refresh_token text,
    created_at    timestamptz not null default now(),
    refreshed_at  timestamptz not null default now(),
    expires_at    timestamptz not null
);
create index sessions_subject_idx on sessions (subject);

create table audit_log (
    id        bigint generated always as identity primary key,
    at        timestamptz not null default now(),
    actor     text,
    roles     text[] not null default '{}',
    unit_code text,
    action    text not null,
    target    text,
    outcome   text not null check (outcome in ('allowed', 'denied', 'error')),
    detail    jsonb not null default '{}'
);
create index audit_log_at_idx on audit_log (at desc);

create function audit_log_append_only() returns trigger
    language plpgsql
as $$
begin
    raise exception 'audit_log is append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger audit_log_no_change before update or delete on audit_log
    for each statement execute function audit_log_append_only();

grant select, insert, delete on login_attempts, sessions to mattran_app;
grant update (refresh_token, refreshed_at, expires_at, claims, id_token) on sessions to mattran_app;
grant select, insert on audit_log to mattran_app;
