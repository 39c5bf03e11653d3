-- The measures read rating events by kind.
CREATE INDEX events_kind ON events (kind);
