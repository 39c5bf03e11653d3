DROP TRIGGER matters_search_delete;
DROP TRIGGER matters_search_update;
DELETE FROM settings WHERE name = 'search_indexed';
DROP TABLE matter_search;
ALTER TABLE matters DROP COLUMN search;
