-- The chunks of one article found by (document, article): the search reads every chunk of its candidate articles
-- (their mean vector and the terms they hold, store.article_signals). Through the (document_id, ordinal) index it read
-- all the document's chunks and dropped the other articles' (19 of 20 in the search benchmark): 4.4 → 2.7 ms a search
-- at 100,000 chunks.
create index library_chunks_article_idx on library_chunks (document_id, article);
