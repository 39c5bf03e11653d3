-- The free-text search index (src/domain/search.rs, src/db/search.rs):
-- character bigrams of each matter's title, description, address, code
-- and phone, as the lexemes of a tsvector with a GIN index. These
-- functions compute exactly what domain::search::document does in Rust
-- (a test holds them to it); they depend on no locale or text search
-- configuration.

-- Full-width letters and digits to ASCII, ASCII letters to lower case.
CREATE FUNCTION shishi_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(t,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９',
        'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789')
$$;

-- The grams of a text, each after `prefix`: runs of characters split at
-- ASCII non-alphanumerics and the punctuation ranges of
-- domain::search::SEPARATOR_RANGES; in each run every two neighbours,
-- except where both are ASCII (after folding: a-z, 0-9), three.
CREATE FUNCTION shishi_bigrams(prefix text, t text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT prefix || g
    FROM regexp_split_to_table(shishi_fold(coalesce(t, '')),
        '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00b7\u2010-\u2027\u3000-\u3003\u3008-\u3011\u3014-\u301f\u30fb\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\ufe30-\ufe4f]+') AS w,
        generate_series(1, char_length(w) - 1) AS i,
        LATERAL (SELECT CASE
            WHEN substr(w, i, 2) !~ '^[0-9a-z]{2}$' THEN substr(w, i, 2)
            WHEN substr(w, i, 3) ~ '^[0-9a-z]{3}$' THEN substr(w, i, 3)
        END AS g) grams
    WHERE g IS NOT NULL
$$;

CREATE FUNCTION shishi_terms(title text, description text, address text, code text, phone text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(coalesce(array_agg(DISTINCT g), '{}'::text[])) FROM (
        SELECT shishi_bigrams('', title) AS g
        UNION ALL SELECT shishi_bigrams('', description)
        UNION ALL SELECT shishi_bigrams('', address)
        UNION ALL SELECT shishi_bigrams('', code)
        UNION ALL SELECT shishi_bigrams('', phone)
        UNION ALL SELECT shishi_bigrams('k', code)
        UNION ALL SELECT shishi_bigrams('k', phone)
        UNION ALL SELECT shishi_bigrams('t', title)
    ) grams
$$;

-- The tokens live in `search_terms`, a tsvector with a GIN index. Shishi
-- hands them in with each new matter as tsvector text in `search` (it
-- computes them in Rust: the SQL above takes ~0.3 ms a row); the trigger
-- casts them into `search_terms` and empties `search`. A row that comes
-- without them, or a change to a searched field (anonymizing removes the
-- phone), gets them from shishi_terms.
CREATE FUNCTION matters_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.search IS NOT NULL THEN
        NEW.search_terms := CAST(NEW.search AS tsvector);
    ELSE
        NEW.search_terms := shishi_terms(NEW.title, NEW.description, NEW.address, NEW.code, NEW.citizen_phone);
    END IF;
    NEW.search := NULL;
    RETURN NEW;
END
$$;

ALTER TABLE matters ADD COLUMN search text;
ALTER TABLE matters ADD COLUMN search_terms tsvector;
UPDATE matters SET search_terms = shishi_terms(title, description, address, code, citizen_phone);
CREATE TRIGGER matters_search
    BEFORE INSERT OR UPDATE OF title, description, address, code, citizen_phone ON matters
    FOR EACH ROW EXECUTE FUNCTION matters_search_terms();
CREATE INDEX matters_search ON matters USING gin (search_terms);
-- The planner picks between walking the matters newest first (a common
-- word) and the GIN index (a rare one, or one found nowhere) by each
-- token's frequency. With the default statistics a token found nowhere was
-- taken for a common one and the walk read all 1,000,000 rows (4.7 s);
-- a longer list of frequent tokens makes the rest look rare, as they are.
ALTER TABLE matters ALTER COLUMN search_terms SET STATISTICS 1000;
