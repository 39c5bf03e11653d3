-- The search index, built again after migration `digit_grams` added to
-- the tokens (see there). Built in the same transaction as the update,
-- it also held every updated row's former version: 316 MB instead of
-- 217 MB at 1,000,000 matters.
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX matters_search ON matters USING gin ((search_terms || shishi_bucket(id)))
    WITH (gin_pending_list_limit = 128);
