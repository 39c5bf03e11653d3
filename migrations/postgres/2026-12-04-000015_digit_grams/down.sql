CREATE OR REPLACE FUNCTION shishi_bigrams(prefix text, t text) RETURNS SETOF text
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
DROP FUNCTION shishi_digit_grams(text, text);

-- The four-digit grams out of the tokens again.
UPDATE matters SET search_terms = array_to_tsvector(ARRAY(
        SELECT l FROM unnest(tsvector_to_array(search_terms)) AS l WHERE l !~ '^[kt]?[0-9]{4}$'))
WHERE shishi_fold(concat_ws(' ', title, description, address, code, citizen_phone)) ~ '[0-9]{4}';
CREATE INDEX matters_search ON matters USING gin ((search_terms || shishi_bucket(id)))
    WITH (gin_pending_list_limit = 128);
