-- API keys for outside applications (the Open311 GeoReport v2 door). Only the key's SHA-256 is stored:
-- the key itself is shown once, when it is created.
create table api_keys (
    id         bigint generated always as identity primary key,
    name       text not null check (length(name) between 1 and 100),
    key_hash   text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
    prefix     text not null unique,                 -- the key's first characters, to tell keys apart
    created_at timestamptz not null default now(),
    created_by text,
    revoked_at timestamptz
);

grant select, insert on api_keys to mattran_app;
grant update (revoked_at) on api_keys to mattran_app;

-- Open311 requests: the public_petitions view (no personal data) plus when each petition last changed.
-- A view of its own, so that public_petitions may gain columns without this migration changing.
create view open311_requests with (security_barrier) as
    select v.tracking_code, v.status, v.category, v.unit_code, v.province_code, v.created_at, v.due_at,
           v.content_public, v.answer_public, p.updated_at
    from public_petitions v join petitions p on p.tracking_code = v.tracking_code;

grant select on open311_requests to mattran_app;
