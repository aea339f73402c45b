-- Sign-in hardening. A pending sign-in is bound to the browser that started it (the hash of a short-lived
-- HttpOnly cookie): a callback URL opened in another browser finds no pending sign-in (login CSRF).
-- Refresh tokens are kept sealed (AES-GCM, key derived from the secret key, bound to their session): a dump of
-- this table no longer gives tokens to the provider. Clear ones cannot be sealed here (the key is not in the
-- database): they are dropped, and those sessions end when their ID token expires.
delete from login_attempts;
alter table login_attempts add column browser_hash text not null;
create index login_attempts_created_at_idx on login_attempts (created_at);

alter table sessions drop column refresh_token;
alter table sessions add column refresh_token_sealed bytea;
create index sessions_expires_at_idx on sessions (expires_at);
grant update (refresh_token_sealed) on sessions to mattran_app;
