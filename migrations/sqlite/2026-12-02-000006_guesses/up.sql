-- Misses of tracking codes are counted in login_failures too; old rows
-- are swept by time on every insert, so the sweep needs its index.
CREATE INDEX login_failures_at ON login_failures (at);
