-- The free-text search index (src/domain/search.rs, src/db/search.rs):
-- character bigrams of each matter's title, description, address, code
-- and phone, as space-separated tokens. Contentless (the matters table has
-- the text), no positions (queries are ANDs of tokens), rowid = matter id.
-- The 'ascii' tokenizer splits only at ASCII spaces and punctuation, which
-- never occur inside a token, so each token stays whole.
-- PostgreSQL keeps its tokens in matters.search; here it stays empty
-- (the column is in the shared schema).
ALTER TABLE matters ADD COLUMN search TEXT;
CREATE VIRTUAL TABLE matter_search USING fts5(
    terms, content = '', contentless_delete = 1, tokenize = 'ascii', detail = 'none'
);
INSERT INTO matter_search (rowid, terms)
    SELECT id, shishi_terms(title, description, address, code, citizen_phone) FROM matters;
-- shishi_terms is registered by Shishi on each of its connections.
CREATE TRIGGER matters_search_insert AFTER INSERT ON matters BEGIN
    INSERT INTO matter_search (rowid, terms)
        VALUES (new.id, shishi_terms(new.title, new.description, new.address, new.code, new.citizen_phone));
END;
CREATE TRIGGER matters_search_update
    AFTER UPDATE OF title, description, address, code, citizen_phone ON matters BEGIN
    DELETE FROM matter_search WHERE rowid = old.id;
    INSERT INTO matter_search (rowid, terms)
        VALUES (new.id, shishi_terms(new.title, new.description, new.address, new.code, new.citizen_phone));
END;
CREATE TRIGGER matters_search_delete AFTER DELETE ON matters BEGIN
    DELETE FROM matter_search WHERE rowid = old.id;
END;
