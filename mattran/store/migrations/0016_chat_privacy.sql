-- The chat's privacy (issue 14). Conversations are not kept forever: a guest's (memory keyed
-- "khach:<server-issued id>") is deleted when its petition is filed or cancelled (agents/runner.py) and at the latest
-- MATTRAN_GUEST_CHAT_TTL_HOURS after its last message; a signed-in person's memory and chat history
-- MATTRAN_CHAT_RETENTION_DAYS after it (mattran/domain/chat_retention.py, run by `mattran up` every hour and by
-- `mattran chat-prune`). The application role sees only the conversation its connection serves (row-level security
-- on the checkpoint tables, created with them in mattran/store/checkpoints.py) and only the signed-in person's chat
-- history (below), so deleting old ones goes through these functions, which run as the owner and take only cut-offs.

create function prune_conversations(guest_prefix text, guests_before timestamptz, others_before timestamptz)
    returns integer
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    old text[];
begin
    select coalesce(array_agg(thread_id), '{}') into old
      from (select thread_id, max((checkpoint ->> 'ts')::timestamptz) as last_at from checkpoints
             group by thread_id) t
     where last_at < case when starts_with(thread_id, guest_prefix) then guests_before else others_before end;
    delete from checkpoint_writes where thread_id = any (old);
    delete from checkpoint_blobs where thread_id = any (old);
    delete from checkpoints where thread_id = any (old);
    return cardinality(old);
end $$;

-- The chat's stored threads (their messages and feedback go with them) whose last message is older than "before".
create function prune_chat_history(before timestamptz)
    returns integer
    language plpgsql security definer set search_path = chat, pg_temp
as $$
declare
    n integer;
begin
    delete from chat.threads t
     where coalesce((select max(s."createdAt"::timestamptz) from chat.steps s where s."threadId" = t."id"),
                    t."createdAt"::timestamptz, '-infinity') < before;
    get diagnostics n = row_count;
    return n;
end $$;

revoke all on function prune_conversations(text, timestamptz, timestamptz), prune_chat_history(timestamptz) from public;
grant execute on function prune_conversations(text, timestamptz, timestamptz), prune_chat_history(timestamptz)
    to mattran_app;

-- The chat's history is its author's, in the database too: the data layer sets current_subject() in each of its
-- transactions (web/chat/history.py). Chainlit stores a thread's first message before naming its author, so a
-- thread without one yet is open to a signed-in person's transaction (a guest has no subject: it sees none).
alter table chat.users enable row level security;
create policy own_chat_user on chat.users to mattran_app
    using ("identifier" = (select current_subject()))
    with check ("identifier" = (select current_subject()));

alter table chat.threads enable row level security;
create policy own_chat_threads on chat.threads to mattran_app
    using ((select current_subject()) is not null
           and ("userIdentifier" = (select current_subject()) or "userIdentifier" is null))
    with check ((select current_subject()) is not null
                and ("userIdentifier" = (select current_subject()) or "userIdentifier" is null));

alter table chat.steps enable row level security;
create policy own_chat_steps on chat.steps to mattran_app
    using (exists (select 1 from chat.threads t where t."id" = "threadId"))
    with check (exists (select 1 from chat.threads t where t."id" = "threadId"));

alter table chat.elements enable row level security;
create policy own_chat_elements on chat.elements to mattran_app
    using (exists (select 1 from chat.threads t where t."id" = "threadId"))
    with check (exists (select 1 from chat.threads t where t."id" = "threadId"));

alter table chat.feedbacks enable row level security;
create policy own_chat_feedbacks on chat.feedbacks to mattran_app
    using (exists (select 1 from chat.threads t where t."id" = "threadId"))
    with check (exists (select 1 from chat.threads t where t."id" = "threadId"));
