-- The cadres' petition list at scale: a diacritics-insensitive trigram index over a petition's title and text,
-- searched through library_fold ("duong" finds "đường").
create index petitions_search_trgm on petitions
    using gin (library_fold(title || ' ' || coalesce(content, '')) gin_trgm_ops);
