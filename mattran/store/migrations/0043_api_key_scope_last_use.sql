-- API keys (issue 20): what a key may do, and when it was last used (shown on the administrators' page).
alter table api_keys
    add column scope text not null default 'open311.submit' check (scope in ('open311.submit')),
    add column last_used_at timestamptz;

grant update (last_used_at) on api_keys to mattran_app;
