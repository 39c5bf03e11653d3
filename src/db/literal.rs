//! A row limit written into a statement's text instead of bound.
//!
//! PostgreSQL plans a prepared statement anew on every call while it
//! judges that plan cheaper than the one it would keep for all values
//! (`plan_cache_mode = auto`). A bound `LIMIT $n` is costed as a tenth of
//! the rows, so the kept plan always looked dearer and every inbox page was
//! planned again: 0.55 ms of planning a page at 1,000,000 matters against
//! 0.37 ms of execution (pg_stat_statements with `track_planning`). With
//! the limit in the text the kept plan is costed as what it is, and after
//! five calls it is used. The inbox's limits are a page of at most 100
//! (and one more) or an export's chunk, so the statements cached per
//! connection stay bounded.
//!
//! Only for PostgreSQL: SQLite prepares once either way.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// `query LIMIT n`, with `n` in the text. `query` must have no limit or
/// offset of its own.
#[derive(Debug, Clone)]
pub struct Limited<Q> {
    query: Q,
    limit: u32,
}

impl<Q> Limited<Q> {
    /// At most `limit` rows of `query` (a negative limit reads none).
    pub fn new(query: Q, limit: i64) -> Self {
        Limited {
            query,
            limit: u32::try_from(limit.max(0)).unwrap_or(u32::MAX),
        }
    }
}

impl<Q: Query> Query for Limited<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for Limited<Q> {
    type QueryId = ();
    // Cached by its text, which holds the limit.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for Limited<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, C> RunQueryDsl<C> for Limited<Q> {}

/// `(a) UNION ALL (b) UNION ALL …`: the parts' rows one after another.
#[derive(Debug, Clone)]
pub struct UnionAll<Q> {
    parts: Vec<Q>,
}

impl<Q> UnionAll<Q> {
    /// `parts` must not be empty.
    pub fn new(parts: Vec<Q>) -> Self {
        debug_assert!(!parts.is_empty());
        UnionAll { parts }
    }
}

impl<Q: Query> Query for UnionAll<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for UnionAll<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for UnionAll<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("(");
            part.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<Q, C> RunQueryDsl<C> for UnionAll<Q> {}

/// `SELECT id FROM (parts) p ORDER BY order LIMIT n`: the first `n` ids of
/// parts each read in that order, merged (PostgreSQL's Merge Append reads
/// each part only as far as the merged page needs). Each part selects
/// `id` and the order's columns.
#[derive(Debug, Clone)]
pub struct FirstOf<Q> {
    parts: UnionAll<Q>,
    order: &'static str,
    limit: u32,
}

impl<Q> FirstOf<Q> {
    pub fn new(parts: Vec<Q>, order: &'static str, limit: i64) -> Self {
        FirstOf {
            parts: UnionAll::new(parts),
            order,
            limit: u32::try_from(limit.max(0)).unwrap_or(u32::MAX),
        }
    }
}

impl<Q> Query for FirstOf<Q> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<Q> QueryId for FirstOf<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for FirstOf<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT id FROM (");
        self.parts.walk_ast(out.reborrow())?;
        out.push_sql(") p ORDER BY ");
        out.push_sql(self.order);
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, C> RunQueryDsl<C> for FirstOf<Q> {}
