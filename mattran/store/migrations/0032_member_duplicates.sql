-- Possible duplicates across units that a cadre looked at and found to be different people (not flagged again).
create table member_duplicate_reviews (
    first_id  bigint not null,
    second_id bigint not null check (first_id < second_id),
    unit_code text not null references units (code),
    unit_path ltree not null,
    at        timestamptz not null default now(),
    actor     text,
    primary key (first_id, second_id)
);
create trigger member_duplicate_reviews_unit_path before insert on member_duplicate_reviews
    for each row execute function set_unit_path();
alter table member_duplicate_reviews enable row level security;
alter table member_duplicate_reviews force row level security;
create policy member_duplicate_reviews_in_scope on member_duplicate_reviews
    using (unit_path <@ (select current_scope()))
    with check (unit_path <@ (select current_scope()));
grant select, insert on member_duplicate_reviews to mattran_app;
-- folded names compared across a scope's members
create index members_name_key_idx on members (fold_name(full_name), birth_year);
