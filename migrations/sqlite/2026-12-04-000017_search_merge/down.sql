-- FTS5's default.
INSERT INTO matter_search (matter_search, rank) VALUES ('automerge', 4);
