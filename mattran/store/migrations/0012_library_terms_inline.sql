-- Full-text search scores each candidate chunk by reading its terms. Stored with word positions (which nothing
-- uses: the queries are single words and pairs written together) the terms took about 3,9 kB a chunk, out of line
-- in TOAST: reading them cost about five buffer lookups per candidate, most of the full-text half's time (p95
-- 45 ms at 100,000 chunks). Without positions they take about 2,4 kB and stay in the row (storage main; a row
-- may reach 4 kB before its body and embedding move out of line): one page per candidate.
alter table library_chunks alter column terms set storage main;
alter table library_chunks set (toast_tuple_target = 4080);
select set_config('mattran.scope', '{vn}', true);  -- every row, also where the owner is not a superuser (RLS)
update library_chunks set terms = strip(terms) where terms <> strip(terms);
