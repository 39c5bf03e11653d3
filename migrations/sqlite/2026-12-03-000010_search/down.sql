DROP TRIGGER matters_search_delete;
DROP TRIGGER matters_search_update;
DROP TRIGGER matters_search_insert;
DROP TABLE matter_search;
ALTER TABLE matters DROP COLUMN search;
