-- The chat's history and feedback, in the tables Chainlit's SQLAlchemy data layer reads and writes (its
-- column names, quoted camelCase), in a schema of their own so that its "users" are not taken for the
-- platform's accounts. Only signed-in people have a history: guests are never stored (web/chat/history.py).
-- No row-level security: the data layer cannot carry a scope; Chainlit filters every read by the thread's
-- author, and feedback is written only on the author's own messages (web/chat/history.py).
create schema chat;

create table chat.users (
    "id"         uuid primary key,
    "identifier" text not null unique,        -- the platform subject (OpenID "sub")
    "metadata"   jsonb not null,              -- roles and unit, refreshed at each sign-in to the chat
    "createdAt"  text
);

create table chat.threads (
    "id"             uuid primary key,
    "createdAt"      text,
    "name"           text,
    "userId"         uuid references chat.users ("id") on delete cascade,
    "userIdentifier" text,
    "tags"           text[],
    "metadata"       jsonb
);
create index threads_user_idx on chat.threads ("userId");

create table chat.steps (
    "id"            uuid primary key,
    "name"          text not null,
    "type"          text not null,
    "threadId"      uuid not null references chat.threads ("id") on delete cascade,
    "parentId"      uuid,
    "streaming"     boolean not null,
    "waitForAnswer" boolean,
    "isError"       boolean,
    "metadata"      jsonb,
    "tags"          text[],
    "input"         text,
    "output"        text,
    "createdAt"     text,
    "command"       text,
    "modes"         jsonb,
    "start"         text,
    "end"           text,
    "generation"    jsonb,
    "showInput"     text,
    "language"      text,
    "indent"        int,
    "defaultOpen"   boolean,
    "autoCollapse"  boolean
);
create index steps_thread_idx on chat.steps ("threadId", "createdAt");

-- Queried by the data layer; never filled: there is no file storage, a reply's text holds its answer.
create table chat.elements (
    "id"           uuid primary key,
    "threadId"     uuid references chat.threads ("id") on delete cascade,
    "type"         text,
    "url"          text,
    "chainlitKey"  text,
    "name"         text not null,
    "display"      text,
    "objectKey"    text,
    "size"         text,
    "page"         int,
    "language"     text,
    "forId"        uuid,
    "mime"         text,
    "props"        jsonb,
    "autoPlay"     boolean,
    "playerConfig" jsonb
);
create index elements_thread_idx on chat.elements ("threadId");

-- Thumbs up (1) or down (0) and a comment on a reply: exported for the eval sets (`mattran feedback export`).
create table chat.feedbacks (
    "id"       uuid primary key,
    "forId"    uuid not null references chat.steps ("id") on delete cascade,
    "threadId" uuid not null references chat.threads ("id") on delete cascade,
    "value"    int not null check ("value" in (0, 1)),
    "comment"  text,
    created_at timestamptz not null default now()  -- ours, not Chainlit's: when the feedback was first given
);
create index feedbacks_step_idx on chat.feedbacks ("forId");

grant usage on schema chat to mattran_app;
grant select, insert, update, delete on chat.users, chat.threads, chat.steps, chat.elements, chat.feedbacks
    to mattran_app;
