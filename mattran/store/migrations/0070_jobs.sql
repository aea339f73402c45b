-- Background jobs shared by every process: a job is claimed by one worker (FOR UPDATE SKIP LOCKED) for a lease; a
-- worker that dies leaves its lease to expire and the job is tried again. A periodic job is enqueued by every process
-- under one unique key per period (kind@period start), so it is stored, and run, once per period; a period not yet
-- started when the next one is enqueued is superseded by it, and a period does not start while the last one runs.
create table jobs (
    id           bigserial primary key,
    kind         text not null,
    payload      jsonb not null default '{}',
    unique_key   text unique,                   -- null: no de-duplication
    periodic     boolean not null default false, -- one period's run: one at a time of its kind, a later supersedes
    run_after    timestamptz not null default now(),
    attempts     int not null default 0,
    max_attempts int not null default 10,
    locked_by    text,                          -- the worker holding the lease, or that did it (host:pid:n)
    locked_until timestamptz,
    last_error   text,                          -- the exception's type and message, never the payload
    created_at   timestamptz not null default now(),
    done_at      timestamptz,
    failed_at    timestamptz                    -- gave up after max_attempts
);
create index jobs_ready_idx on jobs (run_after) where done_at is null and failed_at is null;
create index jobs_finished_idx on jobs (coalesce(done_at, failed_at)) where done_at is not null or failed_at is not null;
alter table jobs enable row level security;
alter table jobs force row level security;
create policy jobs_all on jobs using (true) with check (true);  -- no unit: the platform's own work

grant select, insert, update, delete on jobs to mattran_app;
grant usage on sequence jobs_id_seq to mattran_app;
