-- Four digits in a row are a gram of their own too (domain::search::grams,
-- which shishi_terms calls): the matters already filed that have four
-- digits in a row in a searched field are filed again (a contentless
-- table with contentless_delete forgets a row by its rowid alone).
-- Those not filed yet get them when their turn comes.
DELETE FROM matter_search WHERE rowid IN (
    SELECT id FROM matters
    WHERE id <= (SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'search_indexed')
      AND ' ' || shishi_terms(title, description, address, code, citizen_phone) || ' '
          GLOB '* [0-9][0-9][0-9][0-9] *'
);
INSERT INTO matter_search (rowid, terms)
    SELECT id, shishi_terms(title, description, address, code, citizen_phone) FROM matters
    WHERE id <= (SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'search_indexed')
      AND ' ' || shishi_terms(title, description, address, code, citizen_phone) || ' '
          GLOB '* [0-9][0-9][0-9][0-9] *';
