-- The free-text search index (src/domain/search.rs, src/db/search.rs):
-- the grams of each matter's title, description, address, code and phone,
-- as space-separated tokens. Contentless (the matters table has the text),
-- no positions (queries are ANDs of tokens), rowid = matter id. The
-- 'ascii' tokenizer splits only at ASCII spaces and punctuation, which
-- never occur inside a token, so each token stays whole.
--
-- New matters are filed in batches (db::search::catch_up, run by the
-- writer a few times a second): FTS5 writes a segment per transaction and
-- merges them as it goes, and one per submission halved the submissions a
-- second. Until then they are the "tail" (ids above the setting
-- search_indexed), which a search reads directly.
--
-- PostgreSQL keeps its tokens in matters.search_terms; `search` stays
-- empty here (the column is in the shared schema).
ALTER TABLE matters ADD COLUMN search TEXT;
CREATE VIRTUAL TABLE matter_search USING fts5(
    terms, content = '', contentless_delete = 1, tokenize = 'ascii', detail = 'none'
);
-- shishi_terms is registered by Shishi on each of its connections.
INSERT INTO matter_search (rowid, terms)
    SELECT id, shishi_terms(title, description, address, code, citizen_phone) FROM matters;
INSERT INTO settings (name, value)
    VALUES ('search_indexed', (SELECT CAST(coalesce(max(id), 0) AS TEXT) FROM matters));
-- A filed matter whose searched fields change is filed again (one in the
-- tail is filed as it is when its turn comes).
CREATE TRIGGER matters_search_update
    AFTER UPDATE OF title, description, address, code, citizen_phone ON matters
    WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'search_indexed')
BEGIN
    DELETE FROM matter_search WHERE rowid = old.id;
    INSERT INTO matter_search (rowid, terms)
        VALUES (new.id, shishi_terms(new.title, new.description, new.address, new.code, new.citizen_phone));
END;
CREATE TRIGGER matters_search_delete AFTER DELETE ON matters BEGIN
    DELETE FROM matter_search WHERE rowid = old.id;
END;
