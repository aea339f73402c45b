-- Administrative units of the July 2025 map (central, 34 provinces, 3,321 communes),
-- the pre-2025 units they replaced, and the per-transaction scope used by row-level security.
create extension if not exists ltree;
create extension if not exists pg_trgm;
create extension if not exists unaccent;
create extension if not exists vector;

create table units (
    code          text primary key,
    name          text not null,
    short_name    text not null,
    type          text not null check (type in ('trung_uong', 'tinh', 'thanh_pho', 'xa', 'phuong', 'dac_khu')),
    level         smallint not null check (level between 0 and 2),
    parent_code   text references units (code),
    province_code text,
    path          ltree not null unique,
    latitude      double precision,
    longitude     double precision,
    area_km2      double precision,
    name_key      text not null
);
create index units_path_gist on units using gist (path);
create index units_parent_idx on units (parent_code);
create index units_name_key_trgm on units using gin (name_key gin_trgm_ops);

-- Pre-2025 wards/communes (and ward-less island districts) with the unit that replaced them.
create table legacy_units (
    code          text primary key,
    name          text,
    type          text,
    district_name text not null,
    district_type text not null,
    province_name text not null,
    province_code text not null,
    new_code      text not null references units (code),
    name_key      text
);
create index legacy_units_new_code_idx on legacy_units (new_code);
create index legacy_units_name_key_trgm on legacy_units using gin (name_key gin_trgm_ops);

create table reference_data (
    name      text primary key,
    version   text not null,
    loaded_at timestamptz not null default now()
);

-- The scope of the current transaction: the unit subtrees it may see, as an ltree array.
-- Set with set_config('mattran.scope', '{vn.01}', true) by the application for each transaction.
create function current_scope() returns ltree[]
    language sql stable
as $$ select coalesce(nullif(current_setting('mattran.scope', true), ''), '{}')::ltree[] $$;

grant usage on schema public to mattran_app;
grant select on units, legacy_units, reference_data to mattran_app;
grant execute on function current_scope() to mattran_app;
