-- Photos of a matter: the citizen's with the request, staff's with a
-- progress note or the resolution. Each belongs to the step that brought
-- it (the event with this matter_version) and is shown where that step
-- is: to the citizen when public. The image is stored re-encoded (no
-- EXIF, at most 2048 px) with a thumbnail; a photo an Open311 client gave
-- as media_url is a link only. Addressed by a random token, never by id.
CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    matter_version INTEGER NOT NULL,
    by_citizen BOOLEAN NOT NULL,
    public BOOLEAN NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    image BLOB,
    thumb BLOB,
    link TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX photos_matter ON photos (matter_id, id);
