DROP INDEX matters_search;
CREATE INDEX matters_search ON matters USING gin (search_terms);
DROP FUNCTION shishi_bucket(bigint);
