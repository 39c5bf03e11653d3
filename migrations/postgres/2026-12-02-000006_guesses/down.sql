DROP INDEX login_failures_at;
