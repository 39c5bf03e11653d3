-- Four digits in a row are a gram of their own too (domain::search::grams):
-- a phone number looked up by its digit triples read long lists at
-- 10,000,000 matters (one triple was in 145,043 of them); there are ten
-- thousand four-digit grams, and two of a number's leave next to nothing.
--
-- shishi_digit_grams gives every four digits in a row of a text (each after
-- `prefix`); shishi_bigrams, which shishi_terms calls, gives them beside
-- the pairs and triples.
CREATE FUNCTION shishi_digit_grams(prefix text, t text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT prefix || substr(r[1], i, 4)
    FROM regexp_matches(shishi_fold(coalesce(t, '')), '[0-9]{4,}', 'g') AS r,
        generate_series(1, char_length(r[1]) - 3) AS i
$$;

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
    UNION ALL SELECT shishi_digit_grams(prefix, t)
$$;

-- The matters with four digits in a row in a searched field get those
-- grams added to their tokens (the rest of their tokens are as they
-- were); setting only `search_terms` fires no trigger. The search index
-- is built again afterwards (migration `search_index`, in a transaction
-- of its own, so that it holds none of the rows' former versions) rather
-- than kept up row by row: at 1,000,000 matters, recomputing every token
-- in SQL took 9.4 minutes; adding these and building the index, see
-- docs/PERFORMANCE.md.
DROP INDEX matters_search;
UPDATE matters SET search_terms = search_terms || array_to_tsvector(ARRAY(
        SELECT shishi_digit_grams('', title)
        UNION SELECT shishi_digit_grams('', description)
        UNION SELECT shishi_digit_grams('', address)
        UNION SELECT shishi_digit_grams('', code)
        UNION SELECT shishi_digit_grams('', citizen_phone)
        UNION SELECT shishi_digit_grams('k', code)
        UNION SELECT shishi_digit_grams('k', citizen_phone)
        UNION SELECT shishi_digit_grams('t', title)))
WHERE shishi_fold(concat_ws(' ', title, description, address, code, citizen_phone)) ~ '[0-9]{4}';
