-- The search index also files each matter under its id's bucket ('@'
-- and the id shifted right by 12: 4,096 matters a bucket; no word's token
-- holds '@', a separator). A word's matches in one bucket, such as
-- `'路灯' & '@125'`, are read from the bucket's list, GIN stepping over
-- the word's, and only those matters visited: the newest matches of a
-- common word under a burst of other matters are found bucket by bucket
-- (src/db/search.rs), where the word's whole list was read and sorted
-- (83,000 matters at 1,000,000: 150 ms a search). The column stays as it
-- was: the index is on an expression, so building it rewrites no row
-- (29 s at 1,000,000).
--
-- New entries wait in the index's pending list until it holds 128 kB
-- (the default is 4 MB), since every search reads the whole list: under
-- a stream of requests each search read ~300 pages of it (2.8 ms of each
-- bucket's reading; a phone number's search, 534 → 821 a second), and
-- the submission that flushed 4 MB waited for it (p99 66 → 36 ms).
CREATE FUNCTION shishi_bucket(id bigint) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY['@' || (id >> 12)::text])
$$;

DROP INDEX matters_search;
CREATE INDEX matters_search ON matters USING gin ((search_terms || shishi_bucket(id)))
    WITH (gin_pending_list_limit = 128);
