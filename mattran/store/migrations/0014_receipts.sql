-- Receipts: the public number (tracking_code, the cadres' reference) and the citizen's secret, kept only as a
-- salted SHA-256 (mattran/domain/receipts.py). Idempotency keys are namespaced by caller and kept as a digest,
-- with the digest of the request's body and the secret sealed by a key only the caller can rebuild.
alter table petitions
    add column receipt_salt bytea,
    add column receipt_hash bytea,
    add column idempotency_digest text unique,
    add column request_digest text,
    add column receipt_sealed bytea;

-- Every existing petition gets a secret (six characters of Crockford base32, at least one a digit).
create function pg_temp.new_receipt_secret() returns text
    language plpgsql volatile
as $$
declare
    alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    r constant bytea := uuid_send(gen_random_uuid());  -- bytes 0-5, 9 and 10 are random in a version 4 UUID
    secret text := '';
begin
    for i in 0..5 loop
        secret := secret || substr(alphabet, get_byte(r, i) % 32 + 1, 1);
    end loop;
    return overlay(secret placing substr(alphabet, get_byte(r, 9) % 10 + 1, 1) from get_byte(r, 10) % 6 + 1 for 1);
end $$;

select set_config('mattran.scope', '{vn}', true);  -- every row, also where the owner is not a superuser (RLS)
update petitions p set receipt_salt = s.salt, receipt_hash = sha256(s.salt || convert_to(s.secret, 'UTF8'))
    from (select id, uuid_send(gen_random_uuid()) as salt, pg_temp.new_receipt_secret() as secret
          from petitions) s
    where s.id = p.id;
-- A row written without a receipt (seeded by hand) gets a hash no secret matches: opened by its number only once
-- published, or by its petitioner or a cadre signed in.
alter table petitions
    alter column receipt_salt set not null, alter column receipt_salt set default uuid_send(gen_random_uuid()),
    alter column receipt_hash set not null, alter column receipt_hash set default sha256(uuid_send(gen_random_uuid()));

-- Keys were global (a stranger's key returned another's receipt): they are dropped, not carried over.
drop view public_petitions_keys;
alter table petitions drop column idempotency_key;

-- What a status look-up needs to check a receipt, and what a retried create needs to find its petition.
create view petition_receipts with (security_barrier) as
    select tracking_code, status, receipt_salt, receipt_hash from petitions;
create view petition_idempotency with (security_barrier) as
    select idempotency_digest, request_digest, receipt_sealed, tracking_code
    from petitions where idempotency_digest is not null;

-- Rate limits shared by every process: one row per (limit, caller digest), its window starting at its first hit.
create table rate_counters (
    bucket     text primary key,  -- sha256 of the limit and the caller's address or account
    started_at timestamptz not null,
    hits       int not null
);
create index rate_counters_started_idx on rate_counters (started_at);
alter table rate_counters enable row level security;
alter table rate_counters force row level security;
create policy rate_counters_all on rate_counters using (true) with check (true);  -- no unit: counters of anyone

grant select on petition_receipts, petition_idempotency to mattran_app;
grant select, insert, update, delete on rate_counters to mattran_app;
