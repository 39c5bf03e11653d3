DROP INDEX matters_search;
DROP TRIGGER matters_search ON matters;
ALTER TABLE matters DROP COLUMN search_terms;
ALTER TABLE matters DROP COLUMN search;
DROP FUNCTION matters_search_terms();
DROP FUNCTION shishi_terms(text, text, text, text, text);
DROP FUNCTION shishi_bigrams(text, text);
DROP FUNCTION shishi_fold(text);
