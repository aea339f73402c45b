-- Notifications (issue 18): the petitioner chooses to be told (by e-mail, SMS or Zalo OA) when their petition's
-- status changes. Every such event enqueues a message in the outbox in the event's own transaction (a trigger), a
-- sender loop delivers it (FOR UPDATE SKIP LOCKED: never twice in normal operation, nothing lost when a process
-- dies mid-send; a repeat carries the same Message-ID, derived from the event).

-- The system's scope (background jobs, central level): the whole country.
create function system_scope() returns boolean
    language sql stable
as $$ select 'vn'::ltree = any (current_scope()) $$;
grant execute on function system_scope() to mattran_app;

-- Where the petitioner asked to be told: the address encrypted like the contacts; a signed link stops it.
create table petition_subscriptions (
    petition_id     bigint not null references petitions (id) on delete cascade,
    channel         text not null check (channel in ('email', 'sms', 'zalo')),
    address_enc     bytea not null,
    created_at      timestamptz not null default now(),
    unsubscribed_at timestamptz,
    primary key (petition_id, channel)
);
alter table petition_subscriptions enable row level security;
alter table petition_subscriptions force row level security;
create policy petition_subscriptions_add on petition_subscriptions for insert with check (true);
create policy petition_subscriptions_read on petition_subscriptions for select
    using (system_scope() or owns_petition(petition_id));
create policy petition_subscriptions_stop on petition_subscriptions for update
    using (system_scope() or owns_petition(petition_id)) with check (system_scope() or owns_petition(petition_id));
create policy petition_subscriptions_erase on petition_subscriptions for delete
    using (system_scope() or (owns_petition(petition_id) and petition_closed(petition_id)));
grant select, insert, delete on petition_subscriptions to mattran_app;
grant update (unsubscribed_at) on petition_subscriptions to mattran_app;

create table notification_outbox (
    id              bigint generated always as identity primary key,
    petition_id     bigint not null references petitions (id) on delete cascade,
    event_id        bigint not null references petition_events (id),
    channel         text not null check (channel in ('email', 'sms', 'zalo')),
    receipt_enc     bytea,  -- the receipt at filing (its secret part), encrypted; dropped once delivered
    status          text not null default 'queued' check (status in ('queued', 'sent', 'stopped', 'failed')),
    attempts        int not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,   -- the error's kind and code only, never an address
    created_at      timestamptz not null default now(),
    sent_at         timestamptz,
    unique (event_id, channel)
);
create index notification_outbox_due_idx on notification_outbox (next_attempt_at, id) where status = 'queued';
create index notification_outbox_petition_idx on notification_outbox (petition_id);
alter table notification_outbox enable row level security;
alter table notification_outbox force row level security;
create policy notification_outbox_enqueue on notification_outbox for insert with check (true);
create policy notification_outbox_read on notification_outbox for select using (system_scope());
create policy notification_outbox_deliver on notification_outbox for update
    using (system_scope()) with check (system_scope());
grant select, insert on notification_outbox to mattran_app;
grant update (receipt_enc, status, attempts, next_attempt_at, last_error, sent_at) on notification_outbox
    to mattran_app;

-- A change of status, or a move (forwarded to an agency, transferred or escalated to a unit), enqueues one message
-- per live subscription, in the event's transaction, in whatever scope the change was made (the subscriptions are
-- read in the system's scope, then the caller's scope is back). The receipt at filing is enqueued by the intake
-- itself (it alone knows the receipt's secret).
create function enqueue_petition_notices() returns trigger
    language plpgsql
as $$
declare
    caller text := current_setting('mattran.scope', true);
begin
    if new.action = 'received' or (new.to_status is not distinct from new.from_status
                                   and new.action not in ('forward', 'transfer', 'escalate')) then
        return null;
    end if;
    perform set_config('mattran.scope', '{vn}', true);
    insert into notification_outbox (petition_id, event_id, channel)
        select new.petition_id, new.id, s.channel from petition_subscriptions s
        where s.petition_id = new.petition_id and s.unsubscribed_at is null;
    perform set_config('mattran.scope', coalesce(caller, ''), true);
    return null;
end $$;
create trigger petition_events_notify after insert on petition_events
    for each row execute function enqueue_petition_notices();
