-- FTS5 merges its segments by itself in lumps of some 64 pages per level
-- (15–35 ms at a time, which held every submission waiting behind the
-- writer). Off: db::search::catch_up merges a little with every filing.
INSERT INTO matter_search (matter_search, rank) VALUES ('automerge', 0);
