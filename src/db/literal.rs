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

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text};
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

/// `SELECT column FROM (parts) p [ORDER BY order] LIMIT n`: the first `n`
/// rows of the parts one after another, or (with an order, each part read
/// in it) merged (PostgreSQL's Merge Append reads each part only as far as
/// the merged page needs). Each part selects `column` and the order's
/// columns.
#[derive(Debug, Clone)]
pub struct FirstOf<Q, ST> {
    parts: UnionAll<Q>,
    column: &'static str,
    order: Option<&'static str>,
    limit: u32,
    of: PhantomData<ST>,
}

impl<Q> FirstOf<Q, BigInt> {
    /// The first `limit` ids in `order`.
    pub fn ids(parts: Vec<Q>, order: &'static str, limit: i64) -> Self {
        FirstOf::new(parts, "id", Some(order), limit)
    }
}

impl<Q> FirstOf<Q, Text> {
    /// Up to `limit` states.
    pub fn states(parts: Vec<Q>, limit: i64) -> Self {
        FirstOf::new(parts, "state", None, limit)
    }
}

impl<Q, ST> FirstOf<Q, ST> {
    fn new(parts: Vec<Q>, column: &'static str, order: Option<&'static str>, limit: i64) -> Self {
        FirstOf {
            parts: UnionAll::new(parts),
            column,
            order,
            limit: u32::try_from(limit.max(0)).unwrap_or(u32::MAX),
            of: PhantomData,
        }
    }
}

impl<Q, ST> Query for FirstOf<Q, ST>
where
    ST: diesel::sql_types::SqlType + diesel::sql_types::SingleValue,
{
    type SqlType = ST;
}

impl<Q, ST> QueryId for FirstOf<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST, DB> QueryFragment<DB> for FirstOf<Q, ST>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        out.push_sql(self.column);
        out.push_sql(" FROM (");
        self.parts.walk_ast(out.reborrow())?;
        out.push_sql(") p");
        if let Some(order) = self.order {
            out.push_sql(" ORDER BY ");
            out.push_sql(order);
        }
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, ST, C> RunQueryDsl<C> for FirstOf<Q, ST> {}
